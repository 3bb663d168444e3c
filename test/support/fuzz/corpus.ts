import { el, type WbxmlElement } from '../../../src/wbxml/index.js';

// The requests of every registered command, with each id field either valid (taken from the
// device's real folders and items) or hostile: NUL, control characters, overlong, XML-forbidden
// code points, separators in the wrong place. Deterministic for a seed.

/** mulberry32: small, fast and the same on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Pick {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  one<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

const HOSTILE_FIXED: readonly string[] = [
  '',
  '\0',
  'a\0b',
  '1\0',
  '\x01',
  '\x07bell',
  '\x1b[31m',
  '\x1f',
  '\x7f',
  '\x85',
  '\t',
  '\r\n',
  'line\nbreak',
  '\uFFFE',
  '\uFFFF',
  '\uD800',
  'x'.repeat(65),
  'x'.repeat(300),
  '9'.repeat(70),
  'ä'.repeat(40),
  '🙂'.repeat(33),
  '-1',
  '0',
  '4294967296',
  '99999999999999999999',
  ' 1',
  '1 ',
  ':',
  '::',
  '1:',
  ':1',
  '1:1:1:1',
  '1:0',
  '1:-1',
  '1:1\0',
  '1:1:1.',
  '1:1:..',
  '../../etc/passwd',
  '%00',
  '&#0;',
  '<x/>',
  ']]>',
  'null',
  '{"a":1}',
];

/** A hostile id: fixed nasty values, or a valid one with a control character or padding added. */
export function hostileId(p: Pick, valid: string): string {
  switch (p.int(4)) {
    case 0:
    case 1:
      return p.one(HOSTILE_FIXED);
    case 2: {
      const at = p.int(valid.length + 1);
      return valid.slice(0, at) + String.fromCharCode(p.int(0x20)) + valid.slice(at);
    }
    default:
      return valid + p.one(['x'.repeat(64), '\0', ':1', '.1', '\x00\x00', '\uFFFF']);
  }
}

/** The device's real ids, learnt by onboarding, that the templates start from. */
export interface KnownIds {
  inbox: string;
  drafts: string;
  sent: string;
  trash: string;
  calendar: string;
  contacts: string;
  tasks: string;
  /** An email in the inbox, and an attachment reference in it. */
  serverId: string;
  fileReference: string;
  syncKey: string;
  folderSyncKey: string;
}

export interface FuzzRequest {
  cmd: string;
  body?: WbxmlElement;
  /** Command parameters of the query (AttachmentName, CollectionId, ItemId, LongId, …). */
  params?: Record<string, string>;
  /** A body that is not WBXML (12.x SendMail MIME). */
  mime?: Buffer;
}

type Template = (p: Pick, id: (valid: string) => string, k: KnownIds) => FuzzRequest;

const longId = (k: KnownIds): string => k.serverId;

const TEMPLATES: Readonly<Record<string, Template>> = {
  FolderSync: (_p, id, k) => ({
    cmd: 'FolderSync',
    body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', id(k.folderSyncKey))),
  }),
  FolderCreate: (p, id, k) => ({
    cmd: 'FolderCreate',
    body: el(
      'FolderHierarchy:FolderCreate',
      el('FolderHierarchy:SyncKey', id(k.folderSyncKey)),
      el('FolderHierarchy:ParentId', id(p.one(['0', k.inbox, k.calendar]))),
      el('FolderHierarchy:DisplayName', id(`Fuzz ${p.int(1000)}`)),
      el('FolderHierarchy:Type', id(p.one(['12', '13', '14', '15']))),
    ),
  }),
  FolderUpdate: (p, id, k) => ({
    cmd: 'FolderUpdate',
    body: el(
      'FolderHierarchy:FolderUpdate',
      el('FolderHierarchy:SyncKey', id(k.folderSyncKey)),
      el('FolderHierarchy:ServerId', id(p.one([k.inbox, k.drafts, k.calendar]))),
      el('FolderHierarchy:ParentId', id('0')),
      el('FolderHierarchy:DisplayName', id(`Renamed ${p.int(1000)}`)),
    ),
  }),
  FolderDelete: (p, id, k) => ({
    cmd: 'FolderDelete',
    body: el(
      'FolderHierarchy:FolderDelete',
      el('FolderHierarchy:SyncKey', id(k.folderSyncKey)),
      el('FolderHierarchy:ServerId', id(p.one(['9999', k.trash]))),
    ),
  }),
  GetAttachment: (_p, id, k) => ({ cmd: 'GetAttachment', params: { AttachmentName: id(k.fileReference) } }),
  GetItemEstimate: (p, id, k) => ({
    cmd: 'GetItemEstimate',
    body: el(
      'GetItemEstimate:GetItemEstimate',
      el(
        'GetItemEstimate:Collections',
        el(
          'GetItemEstimate:Collection',
          el('AirSync:SyncKey', id(k.syncKey)),
          el('GetItemEstimate:CollectionId', id(p.one([k.inbox, k.calendar, k.contacts]))),
          el('AirSync:Options', el('AirSync:FilterType', id('0'))),
        ),
      ),
    ),
  }),
  ItemOperations: (p, id, k) => ({
    cmd: 'ItemOperations',
    body: el(
      'ItemOperations:ItemOperations',
      p.one([
        () =>
          el(
            'ItemOperations:Fetch',
            el('ItemOperations:Store', 'Mailbox'),
            el('AirSync:CollectionId', id(k.inbox)),
            el('AirSync:ServerId', id(k.serverId)),
          ),
        () =>
          el(
            'ItemOperations:Fetch',
            el('ItemOperations:Store', 'Mailbox'),
            el('AirSyncBase:FileReference', id(k.fileReference)),
          ),
        () =>
          el(
            'ItemOperations:Fetch',
            el('ItemOperations:Store', 'Mailbox'),
            el('Search:LongId', id(longId(k))),
          ),
        () =>
          el(
            'ItemOperations:EmptyFolderContents',
            el('AirSync:CollectionId', id(k.trash)),
            el('ItemOperations:Options', el('ItemOperations:DeleteSubFolders')),
          ),
      ])(),
    ),
  }),
  MeetingResponse: (p, id, k) => ({
    cmd: 'MeetingResponse',
    body: el(
      'MeetingResponse:MeetingResponse',
      el(
        'MeetingResponse:Request',
        el('MeetingResponse:UserResponse', id(p.one(['1', '2', '3']))),
        p.chance(0.7)
          ? [
              el('MeetingResponse:CollectionId', id(p.one([k.inbox, k.calendar]))),
              el('MeetingResponse:RequestId', id(k.serverId)),
            ]
          : el('Search:LongId', id(longId(k))),
        p.chance(0.3) && el('MeetingResponse:InstanceId', id('2026-01-05T09:00:00.000Z')),
      ),
    ),
  }),
  MoveItems: (p, id, k) => ({
    cmd: 'MoveItems',
    body: el(
      'Move:MoveItems',
      el(
        'Move:Move',
        el('Move:SrcMsgId', id(k.serverId)),
        el('Move:SrcFldId', id(k.inbox)),
        el('Move:DstFldId', id(p.one([k.sent, k.trash, k.inbox]))),
      ),
    ),
  }),
  // The heartbeat stays inside Ping's limits often enough to reach the wait, which the harness ends.
  Ping: (p, id, k) => ({
    cmd: 'Ping',
    body: el(
      'Ping:Ping',
      el('Ping:HeartbeatInterval', id(p.one(['60', '480', '10']))),
      el(
        'Ping:Folders',
        el(
          'Ping:Folder',
          el('Ping:Id', id(p.one([k.inbox, k.calendar]))),
          el('Ping:Class', id(p.one(['Email', 'Calendar']))),
        ),
      ),
    ),
  }),
  Provision: (p, id) => ({
    cmd: 'Provision',
    body: el(
      'Provision:Provision',
      el(
        'Settings:DeviceInformation',
        el('Settings:Set', el('Settings:Model', id('Fuzz')), el('Settings:FriendlyName', id('Fuzzer'))),
      ),
      el(
        'Provision:Policies',
        el(
          'Provision:Policy',
          el('Provision:PolicyType', id('MS-EAS-Provisioning-WBXML')),
          p.chance(0.5) && el('Provision:PolicyKey', id('1234')),
          p.chance(0.5) && el('Provision:Status', id('1')),
        ),
      ),
    ),
  }),
  ResolveRecipients: (p, id) => ({
    cmd: 'ResolveRecipients',
    body: el(
      'ResolveRecipients:ResolveRecipients',
      el('ResolveRecipients:To', id(p.one(['bob@example.test', 'Schmidt', 'alice']))),
      el(
        'ResolveRecipients:Options',
        el('ResolveRecipients:CertificateRetrieval', id('1')),
        p.chance(0.5) &&
          el(
            'ResolveRecipients:Availability',
            el('ResolveRecipients:StartTime', id('2026-01-05T09:00:00.000Z')),
            el('ResolveRecipients:EndTime', id('2026-01-05T17:00:00.000Z')),
          ),
      ),
    ),
  }),
  Search: (p, id, k) => ({
    cmd: 'Search',
    body: el(
      'Search:Search',
      el(
        'Search:Store',
        el('Search:Name', id(p.one(['Mailbox', 'GAL']))),
        el(
          'Search:Query',
          p.chance(0.5)
            ? el(
                'Search:And',
                el('AirSync:Class', id('Email')),
                el('AirSync:CollectionId', id(k.inbox)),
                el('Search:FreeText', id('Inbox')),
              )
            : id('Schmidt'),
        ),
        el('Search:Options', el('Search:Range', id('0-9')), p.chance(0.3) && el('Search:DeepTraversal')),
      ),
    ),
  }),
  Find: (p, id, k) => ({
    cmd: 'Find',
    body: el(
      'Find:Find',
      el('Find:SearchId', id('{7B0C6E2A-1111-2222-3333-444455556666}')),
      el(
        'Find:ExecuteSearch',
        p.chance(0.5)
          ? el(
              'Find:MailBoxSearchCriterion',
              el(
                'Find:Query',
                el('AirSync:Class', id('Email')),
                el('AirSync:CollectionId', id(k.inbox)),
                el('Find:FreeText', id('Inbox')),
              ),
              el('Find:Options', el('Find:Range', id('0-9'))),
            )
          : el(
              'Find:GalSearchCriterion',
              el('Find:Query', el('Find:FreeText', id('Schmidt'))),
              el('Find:Options', el('Find:Range', id('0-9'))),
            ),
      ),
    ),
  }),
  SendMail: (p, id) => ({
    cmd: 'SendMail',
    body: el(
      'ComposeMail:SendMail',
      el('ComposeMail:ClientId', id(`fuzz-${p.int(1e6)}`)),
      p.chance(0.5) && el('ComposeMail:SaveInSentItems'),
      el('ComposeMail:Mime', Buffer.from(mime(p, id))),
    ),
  }),
  SmartReply: (p, id, k) => smart('SmartReply', p, id, k),
  SmartForward: (p, id, k) => smart('SmartForward', p, id, k),
  Settings: (p, id) => ({
    cmd: 'Settings',
    body: el(
      'Settings:Settings',
      p.one([
        () => el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', id('Text')))),
        () =>
          el(
            'Settings:DeviceInformation',
            el('Settings:Set', el('Settings:Model', id('Fuzz')), el('Settings:OS', id('FuzzOS 1'))),
          ),
        () => el('Settings:UserInformation', el('Settings:Get')),
        () =>
          el(
            'Settings:Oof',
            el(
              'Settings:Set',
              el('Settings:OofState', id('1')),
              el(
                'Settings:OofMessage',
                el('Settings:AppliesToInternal'),
                el('Settings:Enabled', id('1')),
                el('Settings:ReplyMessage', id('Away')),
                el('Settings:BodyType', id('Text')),
              ),
            ),
          ),
      ])(),
    ),
  }),
  Sync: (p, id, k) => ({
    cmd: 'Sync',
    body: el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el(
          'AirSync:Collection',
          el('AirSync:SyncKey', id(p.one([k.syncKey, '0']))),
          el('AirSync:CollectionId', id(p.one([k.inbox, k.drafts, k.calendar, k.contacts, k.tasks]))),
          p.chance(0.3) && el('AirSync:WindowSize', id('5')),
          p.chance(0.6) &&
            el(
              'AirSync:Commands',
              p.one([
                () =>
                  el(
                    'AirSync:Add',
                    el('AirSync:ClientId', id(`c${p.int(1e6)}`)),
                    el(
                      'AirSync:ApplicationData',
                      el('Email:Subject', id('Draft')),
                      el('Email:To', id('bob@example.test')),
                    ),
                  ),
                () =>
                  el(
                    'AirSync:Change',
                    el('AirSync:ServerId', id(k.serverId)),
                    el('AirSync:ApplicationData', el('Email:Read', id('1'))),
                  ),
                () => el('AirSync:Delete', el('AirSync:ServerId', id(k.serverId))),
                () => el('AirSync:Fetch', el('AirSync:ServerId', id(k.serverId))),
              ])(),
            ),
        ),
      ),
      p.chance(0.1) && el('AirSync:Wait', id('1')),
    ),
  }),
};

function smart(
  cmd: 'SmartReply' | 'SmartForward',
  p: Pick,
  id: (v: string) => string,
  k: KnownIds,
): FuzzRequest {
  return {
    cmd,
    body: el(
      `ComposeMail:${cmd}`,
      el('ComposeMail:ClientId', id(`fuzz-${p.int(1e6)}`)),
      el(
        'ComposeMail:Source',
        p.chance(0.7)
          ? [el('ComposeMail:FolderId', id(k.inbox)), el('ComposeMail:ItemId', id(k.serverId))]
          : el('ComposeMail:LongId', id(longId(k))),
        p.chance(0.2) && el('ComposeMail:InstanceId', id('2026-01-05T09:00:00.000Z')),
      ),
      p.chance(0.3) && el('ComposeMail:ReplaceMime'),
      el('ComposeMail:Mime', Buffer.from(mime(p, id))),
    ),
  };
}

function mime(p: Pick, id: (v: string) => string): string {
  const to = id('bob@example.test').replace(/\r|\n/g, p.chance(0.5) ? '\r\nBcc: eve@evil.test\r\n' : '');
  return `From: alice@example.test\r\nTo: ${to}\r\nSubject: ${id('fuzz')}\r\n\r\nHello\r\n`;
}

export const COMMAND_NAMES: readonly string[] = Object.keys(TEMPLATES);

/** One request of the named command, with about one in three id fields made hostile. */
export function commandRequest(p: Pick, cmd: string, k: KnownIds, hostileRate: number): FuzzRequest {
  const template = TEMPLATES[cmd];
  if (template === undefined) throw new Error(`no fuzz template for ${cmd}`);
  return template(p, (valid) => (p.chance(hostileRate) ? hostileId(p, valid) : valid), k);
}
