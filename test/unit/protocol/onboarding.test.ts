import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { child, childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { basicAuth, eas } from '../../support/eas-client.js';
import { fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { testApp, type TestApp } from '../../support/test-app.js';
import {
  folderCreate,
  folderDelete,
  folderSync,
  folderUpdate,
  policyOf,
  provision as provisionWith,
  provisionRequest,
} from '../../support/eas-requests.js';

let world: FakeWorld;
let t: TestApp;

beforeEach(async () => {
  world = fakeBackends();
  t = await testApp(world);
});
afterEach(async () => t.close());

/** Both Provision phases for this test's app; returns the final policy key. */
const provision = (version = '14.1', deviceId = 'TESTDEVICE1'): Promise<string> =>
  provisionWith(t.app, { version, deviceId });

function changes(body: WbxmlElement) {
  const c = child(body, 'FolderHierarchy:Changes')!;
  const fields = (e: WbxmlElement) => ({
    serverId: childText(e, 'FolderHierarchy:ServerId')!,
    parentId: childText(e, 'FolderHierarchy:ParentId'),
    name: childText(e, 'FolderHierarchy:DisplayName'),
    type: childText(e, 'FolderHierarchy:Type'),
  });
  return {
    count: Number(childText(c, 'FolderHierarchy:Count')),
    adds: elements(c, 'FolderHierarchy:Add').map(fields),
    updates: elements(c, 'FolderHierarchy:Update').map(fields),
    deletes: elements(c, 'FolderHierarchy:Delete').map((d) => childText(d, 'FolderHierarchy:ServerId')),
  };
}

describe('HTTP surface (MS-ASHTTP)', () => {
  it('answers OPTIONS with versions and exactly the implemented commands', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
      headers: { authorization: basicAuth('alice', 'password') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['ms-asprotocolversions']).toBe('12.0,12.1,14.0,14.1,16.0,16.1');
    expect(String(res.headers['ms-asprotocolcommands']).split(',').sort()).toEqual(
      [
        'Find',
        'FolderCreate',
        'FolderDelete',
        'FolderSync',
        'FolderUpdate',
        'GetAttachment',
        'GetItemEstimate',
        'ItemOperations',
        'MeetingResponse',
        'MoveItems',
        'Ping',
        'Provision',
        'ResolveRecipients',
        'Search',
        'SendMail',
        'Settings',
        'SmartForward',
        'SmartReply',
        'Sync',
      ].sort(),
    );
  });

  it('asks for credentials, refuses wrong ones, and says 503 when the mail server is down', async () => {
    const none = await t.app.inject({ method: 'OPTIONS', url: '/Microsoft-Server-ActiveSync' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await eas(t.app, { cmd: 'FolderSync', password: 'wrong', body: folderSync('0') })).status).toBe(
      401,
    );
    world.down = true;
    const down = await eas(t.app, { cmd: 'FolderSync', user: 'bob', body: folderSync('0') });
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
  });

  it('refuses a User parameter that is not the authenticated user', async () => {
    const res = await eas(t.app, {
      cmd: 'FolderSync',
      body: folderSync('0'),
      query: 'Cmd=FolderSync&User=bob&DeviceId=D1&DeviceType=T',
    });
    expect(res.status).toBe(403);
  });

  it.each([
    ['a name that is no EAS command', { cmd: 'Teleport' }, 400],
    ['an EAS command this server lacks', { cmd: 'ValidateCert' }, 501],
    ['missing DeviceId', { cmd: 'FolderSync', query: 'Cmd=FolderSync&User=alice&DeviceType=T' }, 400],
    ['unsupported version', { cmd: 'FolderSync', version: '2.5' }, 400],
    ['malformed WBXML', { cmd: 'FolderSync', rawBody: Buffer.from([3, 1, 0x6a, 0, 0x45, 0x99]) }, 400],
    [
      'wrong content type',
      { cmd: 'FolderSync', rawBody: Buffer.from('<FolderSync/>'), contentType: 'text/xml' },
      400,
    ],
  ])('answers %s with %i', async (_name, call, status) => {
    const res = await eas(t.app, { body: folderSync('0'), ...call });
    expect(res.status).toBe(status);
    expect(res.text).not.toBe('');
  });

  it('refuses bodies over the limit with 413', async () => {
    await t.close();
    t = await testApp(world, { bodyLimitBytes: 1024 });
    const res = await eas(t.app, { cmd: 'FolderSync', rawBody: Buffer.alloc(4096, 1) });
    expect(res.status).toBe(413);
  });

  it('reads the base64 query form', async () => {
    const id = Buffer.from('B64DEVICE');
    const type = Buffer.from('iPhone');
    const q = Buffer.concat([
      Buffer.from([141, 20, 9, 4, id.length]),
      id,
      Buffer.from([0, type.length]),
      type,
    ]).toString('base64');
    const res = await eas(t.app, { cmd: 'Provision', query: q, body: provisionRequest() });
    expect(res.status).toBe(200);
    expect(childText(policyOf(res.body!), 'Provision:Status')).toBe('1');
  });

  it('serves /healthz, and /readyz and Prometheus /metrics on the operations listener', async () => {
    await eas(t.app, { cmd: 'Provision', body: provisionRequest() });
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await t.ops.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { state: 'ok' } });
    const metrics = (await t.ops.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/eas_requests_total\{command="Provision",status="200"\} 1/);
  });
});

describe('Provision (MS-ASPROV)', () => {
  it('makes a 12.x–14.0 device provision through HTTP 449, then lets it in', async () => {
    expect((await eas(t.app, { cmd: 'FolderSync', version: '14.0', body: folderSync('0') })).status).toBe(
      449,
    );
    const key = await provision('14.0');
    const res = await eas(t.app, {
      cmd: 'FolderSync',
      version: '14.0',
      body: folderSync('0'),
      policyKey: key,
    });
    expect(res.status).toBe(200);
    expect(childText(res.body!, 'FolderHierarchy:Status')).toBe('1');
    expect(
      (await eas(t.app, { cmd: 'FolderSync', version: '14.0', body: folderSync('0'), policyKey: '12345' }))
        .status,
    ).toBe(449);
  });

  it('tells a 14.1+ device with Status 142/144 in the body', async () => {
    const res = await eas(t.app, { cmd: 'FolderSync', body: folderSync('0') });
    expect(res.status).toBe(200);
    expect(childText(res.body!, 'FolderHierarchy:Status')).toBe('142');
    await provision();
    const stale = await eas(t.app, { cmd: 'FolderSync', body: folderSync('0'), policyKey: '999' });
    expect(childText(stale.body!, 'FolderHierarchy:Status')).toBe('144');
  });

  it('sends a permissive policy document valid for the version, with DeviceInformation acknowledged at 14.1', async () => {
    const body = el(
      'Provision:Provision',
      el(
        'Settings:DeviceInformation',
        el('Settings:Set', el('Settings:Model', 'iPhone15,2'), el('Settings:OS', 'iOS 18.1')),
      ),
      provisionRequest().children[0] as WbxmlElement,
    );
    const res = await eas(t.app, { cmd: 'Provision', body });
    expect(childText(child(res.body!, 'Settings:DeviceInformation')!, 'Settings:Status')).toBe('1');
    const doc = child(child(policyOf(res.body!), 'Provision:Data')!, 'Provision:EASProvisionDoc')!;
    expect(childText(doc, 'Provision:DevicePasswordEnabled')).toBe('0');
    expect(childText(doc, 'Provision:RequireDeviceEncryption')).toBe('0');
    const old = await eas(t.app, {
      cmd: 'Provision',
      version: '12.0',
      deviceId: 'OLD',
      body: provisionRequest(),
    });
    const oldDoc = child(child(policyOf(old.body!), 'Provision:Data')!, 'Provision:EASProvisionDoc')!;
    expect(child(oldDoc, 'Provision:AllowBluetooth')).toBeUndefined();
    expect(
      (await t.state.getDevice({ user: 'alice@example.test', deviceId: 'TESTDEVICE1' }))?.deviceInformation,
    ).toMatchObject({ model: 'iPhone15,2', os: 'iOS 18.1' });
  });

  it('refuses an acknowledgement with a key it never handed out', async () => {
    await eas(t.app, { cmd: 'Provision', body: provisionRequest() });
    const res = await eas(t.app, { cmd: 'Provision', body: provisionRequest('4242', '1') });
    expect(childText(policyOf(res.body!), 'Provision:Status')).toBe('5');
  });

  it('wipes a device on request and blocks it once it acknowledged', async () => {
    const key = await provision();
    const device = { user: 'alice@example.test', deviceId: 'TESTDEVICE1' };
    await t.state.patchDevice(device, { wipe: 'requested' });
    const blocked = await eas(t.app, { cmd: 'FolderSync', body: folderSync('0'), policyKey: key });
    expect(childText(blocked.body!, 'FolderHierarchy:Status')).toBe('140');
    const wipe = await eas(t.app, { cmd: 'Provision', body: provisionRequest(), policyKey: key });
    expect(child(wipe.body!, 'Provision:RemoteWipe')).toBeDefined();
    await eas(t.app, {
      cmd: 'Provision',
      body: el('Provision:Provision', el('Provision:RemoteWipe', el('Provision:Status', '1'))),
    });
    expect((await t.state.getDevice(device))?.wipe).toBe('wiped');
    const after = await eas(t.app, { cmd: 'Provision', version: '12.1', body: provisionRequest() });
    expect(after.status).toBe(403);
  });

  it('sends AccountOnlyRemoteWipe to a 16.1 device', async () => {
    await provision('16.1');
    await t.state.patchDevice(
      { user: 'alice@example.test', deviceId: 'TESTDEVICE1' },
      { wipe: 'account-only-requested' },
    );
    const res = await eas(t.app, { cmd: 'Provision', version: '16.1', body: provisionRequest() });
    expect(child(res.body!, 'Provision:AccountOnlyRemoteWipe')).toBeDefined();
  });
});

describe('FolderSync and folder commands (MS-ASCMD 2.2.1.3–2.2.1.6)', () => {
  let key: string;
  beforeEach(async () => {
    key = await provision();
  });
  const call = (cmd: string, body: WbxmlElement) => eas(t.app, { cmd, body, policyKey: key });

  it('lists mail folders, the Outbox, calendars, task lists and address books', async () => {
    const res = await call('FolderSync', folderSync('0'));
    const c = changes(res.body!);
    const types = Object.fromEntries(c.adds.map((a) => [a.name, a.type]));
    expect(types).toEqual({
      Inbox: '2',
      Drafts: '3',
      Sent: '5',
      Trash: '4',
      Outbox: '6',
      Calendar: '8',
      Tasks: '7',
      Contacts: '9',
    });
    expect(c.count).toBe(8);
    expect(c.adds.every((a) => a.parentId === '0')).toBe(true);
  });

  it('reports renames, adds and deletes made on the server, and keeps the key when nothing changed', async () => {
    const first = await call('FolderSync', folderSync('0'));
    const k1 = childText(first.body!, 'FolderHierarchy:SyncKey')!;
    const same = await call('FolderSync', folderSync(k1));
    expect(childText(same.body!, 'FolderHierarchy:SyncKey')).toBe(k1);
    expect(changes(same.body!).count).toBe(0);

    const made = await world.mail.createFolder(undefined, 'Projects');
    const second = await call('FolderSync', folderSync(k1));
    const k2 = childText(second.body!, 'FolderHierarchy:SyncKey')!;
    const added = changes(second.body!).adds;
    expect(added.map((a) => [a.name, a.type])).toEqual([['Projects', '12']]);

    await world.mail.renameFolder(made.key, undefined, 'Clients');
    await world.calendars.renameCollection('dav:/alice/calendar/', 'Family');
    const third = await call('FolderSync', folderSync(k2));
    const c3 = changes(third.body!);
    expect(c3.updates.map((u) => u.name).sort()).toEqual(['Clients', 'Family']);
    expect(c3.updates.find((u) => u.name === 'Clients')!.serverId).toBe(added[0]!.serverId);

    await world.mail.deleteFolder(made.key);
    const k3 = childText(third.body!, 'FolderHierarchy:SyncKey')!;
    const fourth = await call('FolderSync', folderSync(k3));
    expect(changes(fourth.body!).deletes).toEqual([added[0]!.serverId]);
  });

  it('answers an unknown SyncKey with Status 9 and replays a lost answer', async () => {
    const bad = await call('FolderSync', folderSync('7-deadbeef'));
    expect(childText(bad.body!, 'FolderHierarchy:Status')).toBe('9');
    const first = await call('FolderSync', folderSync('0'));
    const k1 = childText(first.body!, 'FolderHierarchy:SyncKey')!;
    await world.mail.createFolder(undefined, 'Lost');
    const lost = await call('FolderSync', folderSync(k1));
    // The device never saw that answer and asks again with k1: it must still get the new folder.
    const again = await call('FolderSync', folderSync(k1));
    expect(childText(again.body!, 'FolderHierarchy:Status')).toBe('1');
    expect(changes(again.body!).adds.map((a) => a.name)).toEqual(['Lost']);
    expect(childText(lost.body!, 'FolderHierarchy:Status')).toBe('1');
  });

  it('creates, renames and deletes folders without echoing them back', async () => {
    const first = await call('FolderSync', folderSync('0'));
    let k = childText(first.body!, 'FolderHierarchy:SyncKey')!;
    const inbox = changes(first.body!).adds.find((a) => a.name === 'Inbox')!.serverId;
    const created = await call('FolderCreate', folderCreate(k, inbox, 'Receipts', 12));
    expect(childText(created.body!, 'FolderHierarchy:Status')).toBe('1');
    const id = childText(created.body!, 'FolderHierarchy:ServerId')!;
    k = childText(created.body!, 'FolderHierarchy:SyncKey')!;
    expect(world.mail.folders.find((f) => f.name === 'Receipts')?.parentKey).toBe('m:inbox');

    const dup = await call('FolderCreate', folderCreate(k, inbox, 'Receipts', 12));
    expect(childText(dup.body!, 'FolderHierarchy:Status')).toBe('2');

    const renamed = await call('FolderUpdate', folderUpdate(k, id, '0', 'Bills'));
    expect(childText(renamed.body!, 'FolderHierarchy:Status')).toBe('1');
    k = childText(renamed.body!, 'FolderHierarchy:SyncKey')!;
    const quiet = await call('FolderSync', folderSync(k));
    expect(changes(quiet.body!).count).toBe(0);

    const special = await call('FolderDelete', folderDelete(k, inbox));
    expect(childText(special.body!, 'FolderHierarchy:Status')).toBe('3');
    const deleted = await call('FolderDelete', folderDelete(k, id));
    expect(childText(deleted.body!, 'FolderHierarchy:Status')).toBe('1');
    expect(world.mail.folders.some((f) => f.name === 'Bills')).toBe(false);
    const stale = await call('FolderDelete', folderDelete(k, id));
    expect(childText(stale.body!, 'FolderHierarchy:Status')).toBe('9');

    const cal = await call(
      'FolderCreate',
      folderCreate(childText(deleted.body!, 'FolderHierarchy:SyncKey')!, '0', 'Holidays', 13),
    );
    expect(childText(cal.body!, 'FolderHierarchy:Status')).toBe('1');
    expect(world.calendars.collections.map((c) => c.name)).toContain('Holidays');
  });
});

describe('Settings (MS-ASCMD 2.2.1.18)', () => {
  it('stores DeviceInformation, answers UserInformation, and sets then gets out-of-office', async () => {
    const key = await provision();
    const set = await eas(t.app, {
      cmd: 'Settings',
      policyKey: key,
      body: el(
        'Settings:Settings',
        el(
          'Settings:DeviceInformation',
          el('Settings:Set', el('Settings:Model', 'SM-S911B'), el('Settings:FriendlyName', 'Galaxy')),
        ),
        el('Settings:UserInformation', el('Settings:Get')),
        el(
          'Settings:Oof',
          el(
            'Settings:Set',
            el('Settings:OofState', '2'),
            el('Settings:StartTime', '2026-12-20T00:00:00.000Z'),
            el('Settings:EndTime', '2027-01-04T00:00:00.000Z'),
            el(
              'Settings:OofMessage',
              el('Settings:AppliesToInternal'),
              el('Settings:Enabled', '1'),
              el('Settings:ReplyMessage', 'Back in January'),
              el('Settings:BodyType', 'Text'),
            ),
            el(
              'Settings:OofMessage',
              el('Settings:AppliesToExternalUnknown'),
              el('Settings:Enabled', '1'),
              el('Settings:ReplyMessage', '<p>Away &amp; offline</p>'),
              el('Settings:BodyType', 'HTML'),
            ),
          ),
        ),
      ),
    });
    expect(childText(set.body!, 'Settings:Status')).toBe('1');
    expect(childText(child(set.body!, 'Settings:Oof')!, 'Settings:Status')).toBe('1');
    expect(world.oof.settings).toEqual({
      state: 'time-based',
      start: new Date('2026-12-20T00:00:00.000Z'),
      end: new Date('2027-01-04T00:00:00.000Z'),
      internal: { enabled: true, text: 'Back in January' },
      externalUnknown: { enabled: true, text: 'Away & offline' },
    });
    const account = child(
      child(child(child(set.body!, 'Settings:UserInformation')!, 'Settings:Get')!, 'Settings:Accounts')!,
      'Settings:Account',
    )!;
    expect(childText(child(account, 'Settings:EmailAddresses')!, 'Settings:PrimarySmtpAddress')).toBe(
      'alice@example.test',
    );
    expect(
      (await t.state.getDevice({ user: 'alice@example.test', deviceId: 'TESTDEVICE1' }))?.deviceInformation,
    ).toMatchObject({ model: 'SM-S911B', friendlyName: 'Galaxy' });

    const get = await eas(t.app, {
      cmd: 'Settings',
      policyKey: key,
      body: el('Settings:Settings', el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text')))),
    });
    const got = child(child(get.body!, 'Settings:Oof')!, 'Settings:Get')!;
    expect(childText(got, 'Settings:OofState')).toBe('2');
    expect(childText(got, 'Settings:StartTime')).toBe('2026-12-20T00:00:00.000Z');
    const messages = elements(got, 'Settings:OofMessage');
    expect(messages.map((m) => childText(m, 'Settings:ReplyMessage'))).toEqual([
      'Back in January',
      undefined,
      'Away & offline',
    ]);
  });

  it('answers DeviceInformation before provisioning (iOS sends it first)', async () => {
    const res = await eas(t.app, {
      cmd: 'Settings',
      body: el(
        'Settings:Settings',
        el('Settings:DeviceInformation', el('Settings:Set', el('Settings:Model', 'iPad'))),
      ),
    });
    expect(childText(child(res.body!, 'Settings:DeviceInformation')!, 'Settings:Status')).toBe('1');
  });
});
