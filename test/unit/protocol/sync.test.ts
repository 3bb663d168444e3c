import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../../src/backends/types.js';
import { child, childText, el, elements } from '../../../src/wbxml/index.js';
import { fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { MailDevice, syncRequest } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// Sync, GetItemEstimate, MoveItems and ItemOperations over the in-memory mail backend; the same
// commands run against Dovecot in test/integration/mail-sync.test.ts.

let world: FakeWorld;
let t: TestApp;
let d: MailDevice;

beforeEach(async () => {
  world = fakeBackends();
  for (let i = 1; i <= 5; i++) world.mail.deliver('m:inbox', `Inbox ${i}`);
  t = await testApp(world);
  d = new MailDevice(t.app, 'alice', '14.1', 'UNITSYNC1');
  await d.onboard();
});
afterEach(async () => t.close());

describe('Sync', () => {
  it('answers Status 12 for a collection the device has not been given', async () => {
    const { collections } = await d.sync([{ syncKey: '0', collectionId: '4711' }]);
    expect(collections.get('4711')!.status).toBe('12');
  });

  it('repeats the cached request for an empty Sync, and answers 13 when there is none', async () => {
    const fresh = new MailDevice(t.app, 'alice', '14.1', 'UNITSYNC2');
    await fresh.onboard();
    const none = await fresh.call('Sync');
    expect(childText(none.body!, 'AirSync:Status')).toBe('13');

    const inbox = d.idOf('Inbox');
    const { syncKey } = await d.initialSync(inbox);
    world.mail.deliver('m:inbox', 'After the cache');
    const again = await d.call('Sync');
    const c = child(child(again.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(childText(c, 'AirSync:SyncKey')).not.toBe(syncKey);
    const adds = elements(child(c, 'AirSync:Commands')!, 'AirSync:Add');
    expect(adds).toHaveLength(1);
  });

  it('refuses a Wait outside 1–59 minutes with Status 14 and the Limit', async () => {
    const inbox = d.idOf('Inbox');
    const res = await d.call(
      'Sync',
      syncRequest([{ syncKey: '0', collectionId: inbox }], [el('AirSync:Wait', 90)]),
    );
    expect(childText(res.body!, 'AirSync:Status')).toBe('14');
    expect(childText(res.body!, 'AirSync:Limit')).toBe('59');
  });

  it('shares the request’s WindowSize between collections', async () => {
    for (let i = 1; i <= 4; i++) world.mail.deliver('m:sent', `Sent ${i}`);
    const inbox = d.idOf('Inbox');
    const sent = d.idOf('Sent');
    const start = await d.sync([
      { syncKey: '0', collectionId: inbox },
      { syncKey: '0', collectionId: sent },
    ]);
    const res = await d.sync(
      [
        { syncKey: start.collections.get(inbox)!.syncKey!, collectionId: inbox },
        { syncKey: start.collections.get(sent)!.syncKey!, collectionId: sent },
      ],
      [el('AirSync:WindowSize', 7)],
    );
    expect(res.collections.get(inbox)!.adds).toHaveLength(5);
    expect(res.collections.get(sent)!.adds).toHaveLength(2);
    expect(res.collections.get(sent)!.moreAvailable).toBe(true);
  });

  it('answers Status 16 when the mail server drops mid-Sync, and the same key then works', async () => {
    const inbox = d.idOf('Inbox');
    const start = await d.sync([{ syncKey: '0', collectionId: inbox }]);
    const key = start.collections.get(inbox)!.syncKey!;
    const real = world.mail.fetchMessages.bind(world.mail);
    world.mail.fetchMessages = async () => {
      throw new BackendError('temporary', 'connection lost');
    };
    const failed = await d.sync([{ syncKey: key, collectionId: inbox }]);
    expect(failed.collections.get(inbox)!.status).toBe('16');
    const metrics = await t.ops.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('eas_backend_errors_total{kind="temporary"} 1');
    world.mail.fetchMessages = real;
    const retried = await d.sync([{ syncKey: key, collectionId: inbox }]);
    expect(retried.collections.get(inbox)!.adds).toHaveLength(5);
  });

  it('sends a 16.1 draft marked Send: SMTP once, a Sent copy, and the draft leaves Drafts', async () => {
    const v16 = new MailDevice(t.app, 'alice', '16.1', 'UNITDRAFT1');
    await v16.onboard();
    const drafts = v16.idOf('Drafts');
    const { syncKey } = await v16.initialSync(drafts);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', 'draft-send-1'),
      el(
        'AirSync:ApplicationData',
        el('Email:To', 'bob@example.test'),
        el('Email:Subject', 'Sent as a draft'),
        el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'Hello')),
        el('Email2:Send', 1),
      ),
    );
    const res = await v16.sync([{ syncKey, collectionId: drafts, commands: [add] }]);
    const c = res.collections.get(drafts)!;
    const serverId = childText(c.responses[0]!, 'AirSync:ServerId')!;
    expect(childText(c.responses[0]!, 'AirSync:Status')).toBe('1');
    expect(world.sent.map((m) => m.envelope.to)).toEqual([['bob@example.test']]);
    expect(world.mail.box('m:sent').messages.map((m) => m.subject)).toEqual(['Sent as a draft']);
    expect(world.mail.box('m:drafts').messages).toEqual([]);
    const next = await v16.sync([{ syncKey: c.syncKey!, collectionId: drafts }]);
    expect(next.collections.get(drafts)!.deletes).toEqual([serverId]);
  });

  it('adds 16.x Forwardees to the recipients of a SmartForward', async () => {
    const v16 = new MailDevice(t.app, 'alice', '16.1', 'UNITFWD1');
    await v16.onboard();
    const inbox = v16.idOf('Inbox');
    const { adds } = await v16.initialSync(inbox);
    const res = await v16.call(
      'SmartForward',
      el(
        'ComposeMail:SmartForward',
        el('ComposeMail:ClientId', 'fwd-1'),
        el(
          'ComposeMail:Source',
          el('ComposeMail:FolderId', inbox),
          el('ComposeMail:ItemId', adds[0]!.serverId),
        ),
        el('ComposeMail:Mime', Buffer.from('To: bob@example.test\r\nSubject: Fwd: x\r\n\r\nsee below\r\n')),
        el(
          'ComposeMail:Forwardees',
          el(
            'ComposeMail:Forwardee',
            el('ComposeMail:ForwardeeName', 'Carol'),
            el('ComposeMail:ForwardeeEmail', 'carol@example.test'),
          ),
        ),
      ),
    );
    expect([res.status, res.body]).toEqual([200, undefined]);
    expect(world.sent.map((m) => m.envelope.to)).toEqual([['bob@example.test', 'carol@example.test']]);
    expect(Buffer.from(world.sent[0]!.message).toString()).toContain('Content-Type: message/rfc822');
  });

  it('lets the server win a conflicting change by default (Status 7) and the device with Conflict 0', async () => {
    const inbox = d.idOf('Inbox');
    const { syncKey, adds } = await d.initialSync(inbox);
    const target = adds.find((a) => childText(a.data, 'Email:Subject') === 'Inbox 1')!;
    const uid = Number(target.serverId.split(':')[1]);
    world.mail.setFlags('m:inbox', uid, ['\\Flagged']);
    const read = el(
      'AirSync:Change',
      el('AirSync:ServerId', target.serverId),
      el('AirSync:ApplicationData', el('Email:Read', 1)),
    );
    const lost = await d.sync([{ syncKey, collectionId: inbox, commands: [read] }]);
    const c = lost.collections.get(inbox)!;
    expect(c.responses.map((r) => childText(r, 'AirSync:Status'))).toEqual(['7']);
    expect(c.changes.map((x) => childText(x.data, 'Email:Read'))).toEqual(['0']);
    expect(world.mail.box('m:inbox').messages.find((m) => m.uid === uid)!.flags).toEqual(['\\Flagged']);

    world.mail.setFlags('m:inbox', uid, []);
    const won = await d.sync([{ syncKey: c.syncKey!, collectionId: inbox, conflict: 0, commands: [read] }]);
    expect(won.collections.get(inbox)!.responses).toEqual([]);
    expect(world.mail.box('m:inbox').messages.find((m) => m.uid === uid)!.flags).toEqual(['\\Seen']);
  });

  it('gives calendars an empty but valid collection until their items are served', async () => {
    const calendar = d.idOf('Calendar');
    const start = await d.sync([{ syncKey: '0', collectionId: calendar }]);
    const key = start.collections.get(calendar)!.syncKey!;
    const res = await d.call('Sync', syncRequest([{ syncKey: key, collectionId: calendar }]));
    expect(res.body).toBeUndefined();
  });
});

describe('GetItemEstimate, MoveItems and ItemOperations', () => {
  const estimate = async (collectionId: string, syncKey: string) => {
    const res = await d.call(
      'GetItemEstimate',
      el(
        'GetItemEstimate:GetItemEstimate',
        el(
          'GetItemEstimate:Collections',
          el(
            'GetItemEstimate:Collection',
            el('AirSync:SyncKey', syncKey),
            el('GetItemEstimate:CollectionId', collectionId),
            el('AirSync:Options', el('AirSync:FilterType', 0)),
          ),
        ),
      ),
    );
    const r = child(res.body!, 'GetItemEstimate:Response')!;
    return {
      status: childText(r, 'GetItemEstimate:Status'),
      estimate: childText(child(r, 'GetItemEstimate:Collection')!, 'GetItemEstimate:Estimate'),
    };
  };

  it('estimates what the next Syncs will bring', async () => {
    const inbox = d.idOf('Inbox');
    expect((await estimate(inbox, '0')).status).toBe('3');
    const start = await d.sync([{ syncKey: '0', collectionId: inbox }]);
    expect(await estimate(inbox, start.collections.get(inbox)!.syncKey!)).toEqual({
      status: '1',
      estimate: '5',
    });
    expect((await estimate(inbox, '5-0000beef')).status).toBe('4');
    expect((await estimate('4711', '0')).status).toBe('2');
  });

  it('moves a message; neither folder then sends it back as Add or Delete', async () => {
    const inbox = d.idOf('Inbox');
    const trash = d.idOf('Trash');
    const own = await d.initialSync(inbox);
    const trashStart = await d.initialSync(trash);
    const item = own.adds[0]!.serverId;
    const res = await d.call(
      'MoveItems',
      el(
        'Move:MoveItems',
        el('Move:Move', el('Move:SrcMsgId', item), el('Move:SrcFldId', inbox), el('Move:DstFldId', trash)),
        el('Move:Move', el('Move:SrcMsgId', item), el('Move:SrcFldId', inbox), el('Move:DstFldId', inbox)),
      ),
    );
    const [moved, same] = elements(res.body!, 'Move:Response');
    expect(childText(moved!, 'Move:Status')).toBe('3');
    expect(childText(moved!, 'Move:DstMsgId')).toMatch(new RegExp(`^${trash}:\\d+$`));
    expect(childText(same!, 'Move:Status')).toBe('4');

    const after = (await d.sync([{ syncKey: own.syncKey, collectionId: inbox }])).collections.get(inbox);
    expect(after?.deletes ?? []).toEqual([]);
    const trashAfter = (await d.sync([{ syncKey: trashStart.syncKey, collectionId: trash }])).collections.get(
      trash,
    );
    expect(trashAfter?.adds ?? []).toEqual([]);
  });

  it('fetches an item with ItemOperations and empties a folder', async () => {
    const inbox = d.idOf('Inbox');
    const own = await d.initialSync(inbox);
    const serverId = own.adds[0]!.serverId;
    const res = await d.call(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'Mailbox'),
          el('AirSync:CollectionId', inbox),
          el('AirSync:ServerId', serverId),
          el('ItemOperations:Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))),
        ),
        el('ItemOperations:EmptyFolderContents', el('AirSync:CollectionId', d.idOf('Trash'))),
      ),
    );
    const response = child(res.body!, 'ItemOperations:Response')!;
    const fetch = child(response, 'ItemOperations:Fetch')!;
    expect(childText(fetch, 'ItemOperations:Status')).toBe('1');
    expect(childText(child(fetch, 'ItemOperations:Properties')!, 'Email:Subject')).toBe('Inbox 5');
    const empty = child(response, 'ItemOperations:EmptyFolderContents')!;
    expect(childText(empty, 'ItemOperations:Status')).toBe('1');
  });
});
