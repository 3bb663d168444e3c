import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, childText, el, elements, text } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { itWith, missing } from '../support/backend-matrix.js';
import {
  imapAs,
  injectIntoMaildir,
  itemOperationsFetch,
  MailDevice,
  message,
  syncRequest,
} from '../support/mail-sync.js';

// Mail Sync against Dovecot (CONDSTORE/QRESYNC) with the SQLite state store. Bob's mailbox gets a
// folder of its own per run; alice's seeded INBOX is only read.

let gateway: RealGateway;
let app: FastifyInstance;
let imap: ImapFlow;
const folder = `Sync-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  gateway = await realGateway();
  app = gateway.app;
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  for (let i = 1; i <= 12; i++) {
    await imap.append(folder, message(`Message ${i}`, { date: new Date(Date.now() - (12 - i) * 3600_000) }));
  }
});

afterAll(async () => {
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await gateway?.close();
});

const subjectOf = (data: { data: ReturnType<typeof el> }) => childText(data.data, 'Email:Subject');

async function appendNew(subject: string): Promise<number> {
  const res = await imap.append(folder, message(subject));
  return (res && res.uid) || 0;
}

describe('mail Sync over IMAP', () => {
  it('syncs alice’s 306-message INBOX in windows of 100, newest first, then answers empty', async () => {
    const d = new MailDevice(app, 'alice', '14.1');
    await d.onboard();
    const inbox = d.idOf('Inbox');
    const { syncKey, adds, rounds } = await d.initialSync(inbox);
    expect(adds).toHaveLength(306);
    expect(new Set(adds.map((a) => a.serverId)).size).toBe(306);
    expect(rounds).toBe(4);
    const uids = adds.map((a) => Number(a.serverId.split(':')[1]));
    expect(uids[0]).toBeGreaterThan(uids[uids.length - 1]!);
    const first = adds[0]!.data;
    expect(childText(first, 'Email:From')).toBeTruthy();
    expect(childText(first, 'Email:DateReceived')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(child(first, 'AirSyncBase:Body')).toBeDefined();

    const again = await d.call('Sync', syncRequest([{ syncKey, collectionId: inbox }]));
    expect(again.status).toBe(200);
    expect(again.body).toBeUndefined();
  });

  it('replays a lost answer for the same SyncKey, with mail that arrived meanwhile, and no duplicates', async () => {
    const d = new MailDevice(app, 'bob', '16.1');
    await d.onboard();
    const id = d.idOf(folder);
    const start = await d.sync([{ syncKey: '0', collectionId: id }]);
    const k1 = start.collections.get(id)!.syncKey!;

    const lost = await d.sync([{ syncKey: k1, collectionId: id, windowSize: 5 }]);
    const lostAnswer = lost.collections.get(id)!;
    expect(lostAnswer.adds).toHaveLength(5);
    expect(lostAnswer.moreAvailable).toBe(true);

    await appendNew('Arrived during the retry');
    const retried = await d.sync([{ syncKey: k1, collectionId: id, windowSize: 5 }]);
    const r = retried.collections.get(id)!;
    expect(r.status).toBe('1');
    // The folder is listed again for the replay (k1 came from SyncKey 0): the newest mail leads.
    expect(r.adds.map(subjectOf)[0]).toBe('Arrived during the retry');
    expect(r.syncKey).not.toBe(lostAnswer.syncKey);

    // The key of the lost answer is gone; the replayed one carries on to the end.
    const stale = await d.sync([{ syncKey: lostAnswer.syncKey!, collectionId: id }]);
    expect(stale.collections.get(id)!.status).toBe('3');

    const seen = new Set(r.adds.map((a) => a.serverId));
    let key = r.syncKey!;
    for (;;) {
      const next = await d.sync([{ syncKey: key, collectionId: id, windowSize: 5 }]);
      const c = next.collections.get(id);
      if (c === undefined) break;
      for (const a of c.adds) {
        expect(seen.has(a.serverId)).toBe(false);
        seen.add(a.serverId);
      }
      key = c.syncKey!;
      if (!c.moreAvailable) break;
    }
    expect(seen.size).toBe(13);
  });

  it('applies Read, Flag and Categories from the device, does not echo them, and reports server changes', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(folder);
    const initial = await d.initialSync(id);
    let syncKey = initial.syncKey;
    const target = initial.adds.find((a) => subjectOf(a) === 'Message 3')!;
    const uid = Number(target.serverId.split(':')[1]);

    const change = el(
      'AirSync:Change',
      el('AirSync:ServerId', target.serverId),
      el(
        'AirSync:ApplicationData',
        el('Email:Read', 1),
        el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', 'Flag for follow up')),
        el('Email:Categories', el('Email:Category', 'Work'), el('Email:Category', 'Red category')),
      ),
    );
    const applied = await d.sync([{ syncKey, collectionId: id, commands: [change] }]);
    const a = applied.collections.get(id)!;
    expect(a.status).toBe('1');
    expect(a.changes).toHaveLength(0);
    expect(a.responses).toHaveLength(0);
    syncKey = a.syncKey!;

    await imap.mailboxOpen(folder);
    const fetched = await imap.fetchOne(String(uid), { flags: true }, { uid: true });
    const flags = (fetched && fetched.flags) || new Set<string>();
    expect([...flags]).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged', 'Work']));
    expect(flags.size).toBe(4);

    // No echo on the next Sync either.
    const quiet = await d.call('Sync', syncRequest([{ syncKey, collectionId: id }]));
    expect(quiet.body).toBeUndefined();

    // Another client marks it unread and drops a category: the device hears of it.
    await imap.messageFlagsRemove(String(uid), ['\\Seen', 'Work'], { uid: true });
    const changed = await d.sync([{ syncKey, collectionId: id }]);
    const c = changed.collections.get(id)!;
    expect(c.changes).toHaveLength(1);
    expect(childText(c.changes[0]!.data, 'Email:Read')).toBe('0');
    const categories = child(c.changes[0]!.data, 'Email:Categories')!;
    expect(elements(categories, 'Email:Category').map((e) => text(e))).toEqual(['Red category']);
  });

  it('moves a deleted message to Deleted Items; both folders then sync without duplicates', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(folder);
    const trash = d.idOf('Trash');
    const own = await d.initialSync(id);
    const trashStart = await d.initialSync(trash);
    const victim = own.adds.find((a) => subjectOf(a) === 'Message 5')!;

    const del = await d.sync([
      {
        syncKey: own.syncKey,
        collectionId: id,
        commands: [el('AirSync:Delete', el('AirSync:ServerId', victim.serverId))],
      },
    ]);
    const afterDelete = del.collections.get(id)!;
    expect(afterDelete.status).toBe('1');
    expect(afterDelete.deletes).toHaveLength(0);

    const trashSync = await d.sync([{ syncKey: trashStart.syncKey, collectionId: trash }]);
    const moved = trashSync.collections.get(trash)!.adds.filter((a) => subjectOf(a) === 'Message 5');
    expect(moved).toHaveLength(1);

    const again = await d.sync([{ syncKey: afterDelete.syncKey!, collectionId: id }]);
    expect(again.collections.get(id)).toBeUndefined();
  });

  it('sends a Delete when another client expunges, and Status 3/12/8 for bad keys, folders and ids', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(folder);
    const { syncKey, adds } = await d.initialSync(id);
    const victim = adds.find((a) => subjectOf(a) === 'Message 7')!;
    await imap.mailboxOpen(folder);
    await imap.messageDelete(victim.serverId.split(':')[1]!, { uid: true });
    const res = await d.sync([{ syncKey, collectionId: id }]);
    expect(res.collections.get(id)!.deletes).toEqual([victim.serverId]);

    expect((await d.sync([{ syncKey: '9-deadbeef', collectionId: id }])).collections.get(id)!.status).toBe(
      '3',
    );
    expect((await d.sync([{ syncKey: '0', collectionId: '999' }])).collections.get('999')!.status).toBe('12');

    const k = res.collections.get(id)!.syncKey!;
    const foreign = await d.sync([
      {
        syncKey: k,
        collectionId: id,
        commands: [
          el(
            'AirSync:Change',
            el('AirSync:ServerId', '1:1'),
            el('AirSync:ApplicationData', el('Email:Read', 1)),
          ),
        ],
      },
    ]);
    const responses = foreign.collections.get(id)!.responses;
    expect(responses.map((r) => childText(r, 'AirSync:Status'))).toEqual(['8']);
  });

  it('fetches one item in full on request (Sync Fetch)', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(folder);
    const { syncKey, adds } = await d.initialSync(id, { bodyPreference: [{ type: 1, truncationSize: 10 }] });
    const target = adds[0]!;
    expect(childText(child(target.data, 'AirSyncBase:Body')!, 'AirSyncBase:Truncated')).toBe('1');
    const res = await d.sync([
      {
        syncKey,
        collectionId: id,
        getChanges: false,
        bodyPreference: [{ type: 1 }],
        commands: [el('AirSync:Fetch', el('AirSync:ServerId', target.serverId))],
      },
    ]);
    const fetched = res.collections.get(id)!.responses[0]!;
    expect(childText(fetched, 'AirSync:Status')).toBe('1');
    const body = child(child(fetched, 'AirSync:ApplicationData')!, 'AirSyncBase:Body')!;
    expect(childText(body, 'AirSyncBase:Data')).toContain('Hello, this is');
  });

  it('honours FilterType: a one-day window leaves older mail out', async () => {
    const old = `${folder}-old`;
    await imap.mailboxCreate(old);
    await imap.append(
      old,
      message('Last year', { date: new Date('2025-01-01T00:00:00Z') }),
      [],
      new Date('2025-01-01T00:00:00Z'),
    );
    await imap.append(old, message('Today'));
    try {
      const d = new MailDevice(app, 'bob', '14.1');
      await d.onboard();
      const { adds } = await d.initialSync(d.idOf(old), { filterType: 1 });
      expect(adds.map(subjectOf)).toEqual(['Today']);
    } finally {
      await imap.mailboxDelete(old);
    }
  });

  it('serves attachments by FileReference: ItemOperations with a Range (14.1) and GetAttachment (12.1)', async () => {
    const box = `${folder}-att`;
    await imap.mailboxCreate(box);
    const pdf = Buffer.from('%PDF-1.4 a small test document for the attachment fetch');
    await imap.append(
      box,
      Buffer.from(
        [
          'From: Carol <carol@example.test>',
          'To: Bob <bob@example.test>',
          'Subject: With attachment',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="x"',
          '',
          '--x',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'See attached.',
          '--x',
          'Content-Type: application/pdf; name="doc.pdf"',
          'Content-Disposition: attachment; filename="doc.pdf"',
          'Content-Transfer-Encoding: base64',
          '',
          pdf.toString('base64'),
          '--x--',
          '',
        ].join('\r\n'),
      ),
    );
    try {
      const d = new MailDevice(app, 'bob', '14.1');
      await d.onboard();
      const { adds } = await d.initialSync(d.idOf(box));
      const attachment = child(child(adds[0]!.data, 'AirSyncBase:Attachments')!, 'AirSyncBase:Attachment')!;
      expect(childText(attachment, 'AirSyncBase:DisplayName')).toBe('doc.pdf');
      const ref = childText(attachment, 'AirSyncBase:FileReference')!;
      const res = await d.call(
        'ItemOperations',
        itemOperationsFetch(
          el('AirSyncBase:FileReference', ref),
          el('ItemOperations:Options', el('ItemOperations:Range', '0-7')),
        ),
      );
      const fetch = child(child(res.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
      const props = child(fetch, 'ItemOperations:Properties')!;
      expect(Buffer.from(childText(props, 'ItemOperations:Data')!, 'base64').toString()).toBe('%PDF-1.4');
      expect(childText(props, 'ItemOperations:Total')).toBe(String(pdf.length));

      const old = new MailDevice(app, 'bob', '12.1');
      await old.onboard();
      await old.initialSync(old.idOf(box));
      const raw = await app.inject({
        method: 'POST',
        url: `/Microsoft-Server-ActiveSync?Cmd=GetAttachment&User=bob&DeviceId=${old.deviceId}&DeviceType=TestPhone&AttachmentName=${encodeURIComponent(ref)}`,
        headers: {
          authorization: `Basic ${Buffer.from('bob:password').toString('base64')}`,
          'ms-asprotocolversion': '12.1',
          'x-ms-policykey': old.policyKey,
        },
      });
      expect(raw.statusCode).toBe(200);
      expect(raw.headers['content-type']).toMatch(/^application\/pdf/);
      expect(raw.rawPayload.equals(pdf)).toBe(true);
    } finally {
      await imap.mailboxDelete(box);
    }
  });

  it('moves with MoveItems; the next Syncs of both folders bring neither an Add nor a Delete', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(folder);
    const archive = d.idOf('Archive');
    const own = await d.initialSync(id);
    const arch = await d.initialSync(archive);
    const item = own.adds.find((a) => subjectOf(a) === 'Message 9')!;
    const res = await d.call(
      'MoveItems',
      el(
        'Move:MoveItems',
        el(
          'Move:Move',
          el('Move:SrcMsgId', item.serverId),
          el('Move:SrcFldId', id),
          el('Move:DstFldId', archive),
        ),
      ),
    );
    const response = child(res.body!, 'Move:Response')!;
    expect(childText(response, 'Move:Status')).toBe('3');
    const dst = childText(response, 'Move:DstMsgId')!;
    expect(dst.startsWith(`${archive}:`)).toBe(true);
    const src = (await d.sync([{ syncKey: own.syncKey, collectionId: id }])).collections.get(id);
    expect(src?.deletes ?? []).toEqual([]);
    const target = (await d.sync([{ syncKey: arch.syncKey, collectionId: archive }])).collections.get(
      archive,
    );
    expect(target?.adds ?? []).toEqual([]);
    // Moved back, so the other tests keep their twelve messages.
    await imap.mailboxOpen('Archive');
    await imap.messageMove(dst.split(':')[1]!, folder, { uid: true });
  });

  it('saves a 16.1 draft in Drafts once, even when the Add is retried', async () => {
    const d = new MailDevice(app, 'bob', '16.1');
    await d.onboard();
    const drafts = d.idOf('Drafts');
    const { syncKey } = await d.initialSync(drafts);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', `draft-${folder}`),
      el(
        'AirSync:ApplicationData',
        el('Email:To', '"Jörg Müller" <joerg@example.test>'),
        el('Email:Subject', `Entwurf ${folder}`),
        el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'Noch nicht fertig.')),
      ),
    );
    const first = await d.sync([{ syncKey, collectionId: drafts, commands: [add] }]);
    const retry = await d.sync([{ syncKey, collectionId: drafts, commands: [add] }]);
    const id1 = childText(first.collections.get(drafts)!.responses[0]!, 'AirSync:ServerId');
    const id2 = childText(retry.collections.get(drafts)!.responses[0]!, 'AirSync:ServerId');
    expect(id1).toMatch(/:\d+$/);
    expect(id2).toBe(id1);
    await imap.mailboxOpen('Drafts');
    const inDrafts = await imap.search({ subject: `Entwurf ${folder}` }, { uid: true });
    expect(inDrafts || []).toHaveLength(1);
    const next = await d.sync([{ syncKey: retry.collections.get(drafts)!.syncKey!, collectionId: drafts }]);
    expect(next.collections.get(drafts)?.adds ?? []).toHaveLength(0);
    await imap.messageDelete(String((inDrafts || [])[0]), { uid: true });
  });

  it('edits a saved 16.1 draft (new ServerId, body kept) and then sends it', async () => {
    const d = new MailDevice(app, 'bob', '16.1');
    await d.onboard();
    const drafts = d.idOf('Drafts');
    const start = await d.initialSync(drafts);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', `edit-${folder}`),
      el(
        'AirSync:ApplicationData',
        el('Email:To', 'bob@example.test'),
        el('Email:Subject', `First title ${folder}`),
        el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'Kept body.')),
      ),
    );
    const added = await d.sync([{ syncKey: start.syncKey, collectionId: drafts, commands: [add] }]);
    const a = added.collections.get(drafts)!;
    const oldId = childText(a.responses[0]!, 'AirSync:ServerId')!;
    const edit = el(
      'AirSync:Change',
      el('AirSync:ServerId', oldId),
      el('AirSync:ApplicationData', el('Email:Subject', `Second title ${folder}`)),
    );
    const edited = await d.sync([{ syncKey: a.syncKey!, collectionId: drafts, commands: [edit] }]);
    const e = edited.collections.get(drafts)!;
    expect(e.responses).toEqual([]);
    expect(e.deletes).toEqual([oldId]);
    expect(e.adds.map(subjectOf)).toEqual([`Second title ${folder}`]);
    expect(childText(child(e.adds[0]!.data, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe('Kept body.');

    const send = el(
      'AirSync:Change',
      el('AirSync:ServerId', e.adds[0]!.serverId),
      el('AirSync:ApplicationData', el('Email2:Send', 1)),
    );
    const sent = await d.sync([{ syncKey: e.syncKey!, collectionId: drafts, commands: [send] }]);
    expect(sent.collections.get(drafts)!.responses).toEqual([]);
    expect(sent.collections.get(drafts)!.deletes).toEqual([e.adds[0]!.serverId]);
    // Sent through Dovecot's Submission, it lands in bob's INBOX only where Postfix delivers to.
    if (missing('smtpDelivery') !== '') return;
    const lock = await imap.getMailboxLock('INBOX');
    try {
      let found: number[] = [];
      for (let i = 0; i < 50 && found.length === 0; i++) {
        await imap.noop();
        found = (await imap.search({ subject: `Second title ${folder}` }, { uid: true })) || [];
        if (found.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toHaveLength(1);
    } finally {
      lock.release();
    }
  });

  itWith(
    ['maildir'],
    'syncs a 10,000-message folder completely',
    async () => {
      const big = `${folder}-big`;
      await imap.mailboxCreate(big);
      try {
        injectIntoMaildir(
          'bob',
          big,
          Array.from({ length: 10_000 }, (_, i) => message(`Bulk ${i}`)),
        );
        const d = new MailDevice(app, 'bob', '14.1');
        await d.onboard();
        const { adds } = await d.initialSync(d.idOf(big), { windowSize: 512 });
        expect(new Set(adds.map((a) => a.serverId)).size).toBe(10_000);
      } finally {
        await imap.mailboxDelete(big);
      }
    },
    120_000,
  );
});
