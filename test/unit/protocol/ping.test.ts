import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { child, childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { MailDevice, syncRequest } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// Ping and hanging Sync over the in-memory backend, whose change feed fires on every change.

let world: FakeWorld;
let t: TestApp;
let d: MailDevice;

beforeEach(async () => {
  world = fakeBackends();
  for (let i = 1; i <= 3; i++) world.mail.deliver('m:inbox', `Inbox ${i}`);
  t = await testApp(world);
  d = new MailDevice(t.app, 'alice', '14.1', 'UNITPING1');
  await d.onboard();
});
afterEach(async () => t.close());

const pingRequest = (heartbeat: number | undefined, ids: string[] | undefined): WbxmlElement =>
  el(
    'Ping:Ping',
    heartbeat !== undefined && el('Ping:HeartbeatInterval', heartbeat),
    ids &&
      el(
        'Ping:Folders',
        ids.map((id) => el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Email'))),
      ),
  );

const statusOf = (body: WbxmlElement | undefined) => body && childText(body, 'Ping:Status');
const foldersOf = (body: WbxmlElement | undefined) => {
  const f = body && child(body, 'Ping:Folders');
  return f ? elements(f, 'Ping:Folder').map((e) => e.children.join('')) : [];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ping', () => {
  it('checks its parameters: missing (3), heartbeat bounds (5), too many folders (6), unknown folder (7)', async () => {
    expect(statusOf((await d.call('Ping')).body)).toBe('3');
    const low = (await d.call('Ping', pingRequest(10, [d.idOf('Inbox')]))).body!;
    expect([statusOf(low), childText(low, 'Ping:HeartbeatInterval')]).toEqual(['5', '60']);
    const high = (await d.call('Ping', pingRequest(4000, [d.idOf('Inbox')]))).body!;
    expect([statusOf(high), childText(high, 'Ping:HeartbeatInterval')]).toEqual(['5', '3540']);
    const many = (
      await d.call(
        'Ping',
        pingRequest(
          300,
          Array.from({ length: 301 }, (_, i) => `${i}`),
        ),
      )
    ).body!;
    expect([statusOf(many), childText(many, 'Ping:MaxFolders')]).toEqual(['6', '300']);
    expect(statusOf((await d.call('Ping', pingRequest(300, ['4711']))).body)).toBe('7');
  });

  it('answers Status 2 with the folder as soon as mail arrives, and an empty Ping repeats the last', async () => {
    const inbox = d.idOf('Inbox');
    await d.initialSync(inbox);
    const started = Date.now();
    const pending = d.call('Ping', pingRequest(600, [inbox]));
    await sleep(50);
    world.mail.deliver('m:inbox', 'New mail');
    const res = await pending;
    expect(statusOf(res.body)).toBe('2');
    expect(foldersOf(res.body)).toEqual([inbox]);
    expect(Date.now() - started).toBeLessThan(2000);
    // Not synced yet: the empty Ping (cached parameters) answers at once.
    const again = await d.call('Ping');
    expect(statusOf(again.body)).toBe('2');
  });

  it('is not woken by the device’s own change, and ends with Status 1 when a newer request arrives', async () => {
    const inbox = d.idOf('Inbox');
    const { syncKey, adds } = await d.initialSync(inbox);
    const change = el(
      'AirSync:Change',
      el('AirSync:ServerId', adds[0]!.serverId),
      el('AirSync:ApplicationData', el('Email:Read', 1)),
    );
    await d.sync([{ syncKey, collectionId: inbox, commands: [change] }]);
    const pending = d.call('Ping', pingRequest(600, [inbox]));
    await sleep(50);
    world.mail.changed('m:inbox');
    let answered = false;
    void pending.then(() => (answered = true));
    await sleep(200);
    expect(answered).toBe(false);
    const metrics = await t.ops.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('eas_waiting_requests{command="Ping"} 1');
    expect(metrics.body).toContain('eas_items_sent_total{class="Email",kind="add"} 3');
    await d.call('FolderSync', el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    expect(statusOf((await pending).body)).toBe('1');
  });
});

describe('hanging Sync', () => {
  it('answers a Sync with Wait as soon as mail arrives', async () => {
    const inbox = d.idOf('Inbox');
    const { syncKey } = await d.initialSync(inbox);
    const pending = d.call('Sync', syncRequest([{ syncKey, collectionId: inbox }], [el('AirSync:Wait', 5)]));
    await sleep(50);
    world.mail.deliver('m:inbox', 'Pushed');
    const res = await pending;
    const c = child(child(res.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(elements(child(c, 'AirSync:Commands')!, 'AirSync:Add')).toHaveLength(1);
  });
});
