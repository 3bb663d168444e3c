import { el, type WbxmlElement } from '../../../src/wbxml/index.js';
import {
  add,
  bodyPreference,
  change,
  folderId,
  folderSync0,
  itemOf,
  provisioning,
  ack,
  remove,
  sync,
  type CollectionSpec,
  type Flow,
  type FlowState,
} from './steps.js';
import { GMAIL, gmailProvision, IPHONE, OUTLOOK } from './clients.js';

// Mail sessions after onboarding. Flows on alice only read (other tests rely on her mailbox);
// flows that change a mailbox run as dave and put everything back, so every replay starts from
// the seeded state.

/** iOS Mail's Inbox options: plain text previews cut at 500 bytes (as its list view needs). */
const iosInbox = (extra: Omit<CollectionSpec, 'folder' | 'options'> = {}): CollectionSpec => ({
  folder: 'Inbox',
  ...extra,
  options: [el('AirSync:FilterType', 0), bodyPreference(1, 500)],
});

const flagFirst = (status: number | undefined) =>
  sync(
    iosInbox({
      getChanges: false,
      commands: (s) => [
        change(
          itemOf(s, 'Inbox', 0),
          status === undefined
            ? el('Email:Flag')
            : el('Email:Flag', el('Email:Status', status), el('Email:FlagType', 'Flag for follow up')),
        ),
      ],
    }),
  );

const read = (serverId: (s: FlowState) => string, value: 0 | 1) =>
  sync(iosInbox({ getChanges: false, commands: (s) => [change(serverId(s), el('Email:Read', value))] }));

const iosMail: Flow = {
  name: 'ios-16.1-mail',
  ...IPHONE,
  source:
    'After onboarding iOS syncs the Inbox (SyncKey 0, then windows of changes), pushes with Ping, flags from the list and sends with SendMail and a ClientId (MS-ASCMD 2.2.1.21, 2.2.1.13, 2.2.1.16 examples)',
  steps: [
    ...provisioning,
    folderSync0,
    sync(iosInbox()),
    sync(iosInbox({ windowSize: 5 })),
    {
      cmd: 'Ping',
      withPolicyKey: true,
      body: (s) =>
        el(
          'Ping:Ping',
          el('Ping:HeartbeatInterval', 900),
          el(
            'Ping:Folders',
            el('Ping:Folder', el('Ping:Id', folderId(s, 'Inbox')), el('Ping:Class', 'Email')),
          ),
        ),
    },
    // Flagged and unflagged again, so the seeded mailbox is as it was for the next replay.
    flagFirst(2),
    flagFirst(undefined),
    {
      cmd: 'SendMail',
      withPolicyKey: true,
      body: el(
        'ComposeMail:SendMail',
        el('ComposeMail:ClientId', 'SendMail-19F1D2A7-1'),
        el(
          'ComposeMail:Mime',
          Buffer.from(
            'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: Sent from my iPhone\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nMessage-ID: <trace-ios-sendmail@example.test>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello from the trace suite.\r\n',
          ),
        ),
      ),
    },
  ],
};

const iosDelete: Flow = {
  name: 'ios-16.1-mail-delete',
  ...IPHONE,
  user: 'dave',
  source:
    'iOS Mail on a small Inbox: opening an unread message marks it read (Change Read), swipe-to-delete sends Delete with DeletesAsMoves (MS-ASCMD 2.2.3.43: the message goes to Deleted Items), the Trash is synced, and "Move to Inbox" from the Trash is MoveItems (MS-ASCMD 2.2.1.12); the message is marked unread again so the mailbox is as seeded',
  steps: [
    ...provisioning,
    folderSync0,
    sync(iosInbox()),
    sync(iosInbox({ windowSize: 25 })),
    read((s) => itemOf(s, 'Inbox', 0), 1),
    sync(
      iosInbox({
        deletesAsMoves: true,
        getChanges: false,
        commands: (s) => [remove(itemOf(s, 'Inbox', 0))],
      }),
    ),
    sync({ folder: 'Trash', initial: true }),
    sync({ folder: 'Trash', windowSize: 25, options: [el('AirSync:FilterType', 0), bodyPreference(1, 500)] }),
    {
      cmd: 'MoveItems',
      withPolicyKey: true,
      body: (s) =>
        el(
          'Move:MoveItems',
          el(
            'Move:Move',
            el('Move:SrcMsgId', itemOf(s, 'Trash', -1)),
            el('Move:SrcFldId', folderId(s, 'Trash')),
            el('Move:DstFldId', folderId(s, 'Inbox')),
          ),
        ),
    },
    read((s) => s.moved.at(-1) ?? '', 0),
    sync(iosInbox({ windowSize: 25 })),
  ],
};

/** Gmail's Inbox options (AOSP Exchange): HTML bodies up to 200,000 bytes, sync period "All". */
const gmailInbox = (extra: Omit<CollectionSpec, 'folder' | 'options'> = {}): CollectionSpec => ({
  folder: 'Inbox',
  ...extra,
  options: [el('AirSync:FilterType', 0), bodyPreference(2, 200000)],
});

const gmailLongSync: Flow = {
  name: 'gmail-android-14.1-long-sync',
  ...GMAIL,
  user: 'dave',
  source:
    'Gmail (the AOSP Exchange engine) at 14.1, plain query: its first FolderSync without a policy key gets Status 142 (MS-ASPROV 3.1.5.1: 14.1 says it in the body, not with HTTP 449), it provisions and retries; then Inbox and Sent from SyncKey 0 in one request, the Inbox in windows of 10 with DeletesAsMoves and GetChanges as empty tags, and a long Sync (HeartbeatInterval 480, MS-ASCMD 2.2.3.88.2) that carries a read-state change and so answers at once (a quiet one would wait for new mail)',
  steps: [
    { ...folderSync0, withPolicyKey: false },
    gmailProvision,
    ack,
    folderSync0,
    sync([
      { folder: 'Inbox', initial: true },
      { folder: 'Sent', initial: true },
    ]),
    sync(gmailInbox({ deletesAsMoves: 'empty', getChanges: 'empty', windowSize: 10 })),
    sync(gmailInbox({ deletesAsMoves: 'empty', getChanges: 'empty', windowSize: 10 })),
    // The oldest message is read: marked unread and read again, as the seed has it.
    longSync(0),
    longSync(1),
  ],
};

function longSync(read: 0 | 1) {
  const heartbeat: WbxmlElement[] = [el('AirSync:HeartbeatInterval', 480)];
  return sync(
    gmailInbox({
      deletesAsMoves: 'empty',
      getChanges: 'empty',
      windowSize: 10,
      commands: (s) => [change(itemOf(s, 'Inbox', -1), el('Email:Read', read))],
    }),
    heartbeat,
  );
}

const OUTLOOK_DRAFT = 'outlook-draft-7f3a';

const outlookDrafts = (extra: Omit<CollectionSpec, 'folder' | 'options'>): CollectionSpec => ({
  folder: 'Drafts',
  ...extra,
  options: [el('AirSync:FilterType', 0), bodyPreference(2, 1024)],
});

const outlookDraft: Flow = {
  name: 'outlook-mobile-16.1-draft',
  ...OUTLOOK,
  user: 'dave',
  source:
    'A 16.x client saving a draft (MS-ASEMAIL 3.1.5.3: Sync Add in Drafts with To, Subject, Body and Importance, no Email2:Send), editing it (Change) and discarding it (Delete with DeletesAsMoves 0, so nothing is left in Deleted Items). IMAP cannot change a stored message, so the edit is a new message: the next Sync replaces the draft (Delete of the old ServerId, Add of the new one)',
  steps: [
    ...provisioning,
    folderSync0,
    sync({ folder: 'Drafts', initial: true }),
    sync(outlookDrafts({ windowSize: 25 })),
    sync(
      outlookDrafts({
        getChanges: false,
        commands: () => [
          add(
            OUTLOOK_DRAFT,
            el('Email:To', '"Bob Example" <bob@example.test>'),
            el('Email:Subject', 'Agenda for Monday'),
            el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'First point: ')),
            el('Email:Importance', 1),
          ),
        ],
      }),
    ),
    sync(
      outlookDrafts({
        getChanges: false,
        commands: (s) => [
          change(
            s.added.get(OUTLOOK_DRAFT) ?? '',
            el('Email:To', '"Bob Example" <bob@example.test>'),
            el('Email:Subject', 'Agenda for Monday (v2)'),
            el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'First point: budget.')),
            el('Email:Importance', 2),
          ),
        ],
      }),
    ),
    sync(outlookDrafts({ windowSize: 25 })),
    sync(
      outlookDrafts({
        deletesAsMoves: false,
        getChanges: false,
        // IMAP cannot edit a message: the edited draft came back under a new ServerId (Delete + Add).
        commands: (s) => [remove(itemOf(s, 'Drafts', -1))],
      }),
    ),
    sync(outlookDrafts({ windowSize: 25 })),
  ],
};

export const MAIL_FLOWS: Flow[] = [iosMail, iosDelete, gmailLongSync, outlookDraft];
