import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import type { DavCollection } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { FolderType } from '../../src/model/folder-type.js';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { folderSync } from '../support/eas-requests.js';
import { imapAs, MailDevice, message } from '../support/mail-sync.js';
import { SwitchableProxy } from '../support/switchable-proxy.js';
import { testEnv } from '../support/test-env.js';
import { describeWith } from '../support/backend-matrix.js';

// Degrade, don't fail (issue 17 point 5, DESIGN rule 12): a user without a DAV account, a DAV
// server that is down and a ManageSieve server that is down cost their own folders or settings,
// never mail and never an HTTP 401. The DAV server is put behind a forwarder the test switches
// between forwarding, dropping connections and answering 401 (test/support/switchable-proxy.ts).

const env = testEnv();
const radicale = `http://${env.host}:${env.davPort}/`;
const DAV_TYPES = new Set<number>([
  FolderType.DefaultCalendar,
  FolderType.UserCreatedCalendar,
  FolderType.DefaultTasks,
  FolderType.UserCreatedTasks,
  FolderType.DefaultContacts,
  FolderType.UserCreatedContacts,
]);

interface Gateway {
  readonly device: (user: string) => MailDevice;
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The gateway over the real servers with some settings changed, and its backend log lines. */
async function gateway(overrides: Partial<GatewayConfig>): Promise<Gateway> {
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort, tls: 'none' },
    smtp: { ...DEFAULT_CONFIG.smtp, host: env.host, port: env.submissionPort, tls: 'none' },
    davUrl: radicale,
    gal: { url: `${radicale}directory/gal/`, user: 'directory', password: 'password' },
    sieve: { host: env.host, port: env.sievePort, tls: 'none', tlsVerify: true },
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-gateway-')), 'state.sqlite') },
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const state = await openStateStore(config);
  const backends = createBackends(config, logger);
  const { fastify: app } = await buildApp({ config, backends, state });
  await app.ready();
  return {
    device: (user) => new MailDevice(app, user, '14.1'),
    logs,
    close: async () => {
      await app.close();
      await backends.close();
      await state.close();
    },
  };
}

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** FolderSync with a key; the new key and the changes by kind. */
async function folderSyncFrom(d: MailDevice, syncKey: string) {
  const res = await d.call('FolderSync', folderSync(syncKey));
  expect(res.status).toBe(200);
  expect(childText(res.body!, 'FolderHierarchy:Status')).toBe('1');
  const changes = child(res.body!, 'FolderHierarchy:Changes');
  const entries = (tag: 'FolderHierarchy:Add' | 'FolderHierarchy:Delete') =>
    changes === undefined
      ? []
      : elements(changes, tag).map((e) => ({
          id: childText(e, 'FolderHierarchy:ServerId')!,
          name: childText(e, 'FolderHierarchy:DisplayName'),
          type: Number(childText(e, 'FolderHierarchy:Type')),
        }));
  return {
    syncKey: childText(res.body!, 'FolderHierarchy:SyncKey')!,
    adds: entries('FolderHierarchy:Add'),
    deletes: entries('FolderHierarchy:Delete').map((e) => e.id),
  };
}

const ping = (ids: readonly [string, string][]): WbxmlElement =>
  el(
    'Ping:Ping',
    el('Ping:HeartbeatInterval', 300),
    el(
      'Ping:Folders',
      ids.map(([id, cls]) => el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', cls))),
    ),
  );

const pingedFolders = (body: WbxmlElement | undefined): string[] => {
  const folders = body && child(body, 'Ping:Folders');
  return folders ? elements(folders, 'Ping:Folder').map((f) => f.children.join('')) : [];
};

/** Sync status of each collection of a Sync answer, by CollectionId. */
async function syncStatuses(d: MailDevice, collections: { collectionId: string; syncKey: string }[]) {
  const { collections: answers } = await d.sync(collections);
  return Object.fromEntries([...answers].map(([id, c]) => [id, c.status]));
}

const estimateRequest = (collectionId: string, syncKey: string): WbxmlElement =>
  el(
    'GetItemEstimate:GetItemEstimate',
    el(
      'GetItemEstimate:Collections',
      el(
        'GetItemEstimate:Collection',
        el('AirSync:SyncKey', syncKey),
        el('GetItemEstimate:CollectionId', collectionId),
      ),
    ),
  );

const noAccountWarnings = (logs: readonly Record<string, unknown>[], user: string) =>
  logs.filter((l) => l.user === user && String(l.msg).startsWith('no DAV account')).length;

describeWith(['mailOnlyUser'], 'a mail-only user (no DAV account) on a gateway with DAV configured', () => {
  let gw: Gateway;
  let erin: ImapFlow;
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    gw = await gateway({});
    erin = await imapAs('erin');
  });

  afterAll(async () => {
    await erin?.logout();
    await gw?.close();
  });

  it('gets her mail folders and no PIM folders, syncs, searches, estimates and is woken by new mail', async () => {
    const d = gw.device('erin');
    await d.onboard();
    // Radicale answers her login with 401: no calendars, task lists or address books to show
    // (an empty placeholder folder would invite the user to add events that could go nowhere).
    expect([...d.types.values()].filter((t) => DAV_TYPES.has(t))).toEqual([]);
    const inbox = d.idOf('Inbox');
    await erin.append('INBOX', message(`first ${tag}`));
    const { syncKey, adds } = await d.initialSync(inbox);
    expect(adds.map((a) => childText(a.data, 'Email:Subject'))).toContain(`first ${tag}`);

    const estimate = await d.call('GetItemEstimate', estimateRequest(inbox, syncKey));
    expect(estimate.status).toBe(200);
    expect(
      childText(elements(estimate.body!, 'GetItemEstimate:Response')[0]!, 'GetItemEstimate:Status'),
    ).toBe('1');

    const search = await d.call(
      'Search',
      el(
        'Search:Search',
        el(
          'Search:Store',
          el('Search:Name', 'Mailbox'),
          el('Search:Query', el('Search:And', el('AirSync:Class', 'Email'), el('Search:FreeText', tag))),
        ),
      ),
    );
    expect(search.status).toBe(200);
    expect(childText(search.body!, 'Search:Status')).toBe('1');

    // Her own contacts are none; the GAL (its own login) still resolves a colleague.
    const resolved = await d.call(
      'ResolveRecipients',
      el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:To', 'alice@example.test')),
    );
    expect(resolved.status).toBe(200);
    expect(childText(resolved.body!, 'ResolveRecipients:Status')).toBe('1');

    const pending = d.call('Ping', ping([[inbox, 'Email']]));
    // The wakeup is the answer itself: a Ping that started after the APPEND answers at once.
    await erin.append('INBOX', message(`second ${tag}`));
    const woken = await pending;
    expect(woken.status).toBe(200);
    expect(childText(woken.body!, 'Ping:Status')).toBe('2');
    expect(pingedFolders(woken.body)).toEqual([inbox]);

    // The account check ran once for all these requests, and said so once.
    expect(noAccountWarnings(gw.logs, 'erin')).toBe(1);
  });

  it('answers MeetingResponse with a status, not HTTP 401, when she has no calendar', async () => {
    const d = gw.device('erin');
    await d.onboard();
    const inbox = d.idOf('Inbox');
    const uid = `degraded-${tag}@example.test`;
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261120T090000Z',
      'DTSTART:20261210T140000Z',
      'DTEND:20261210T150000Z',
      `SUMMARY:Invitation ${tag}`,
      'ORGANIZER:mailto:bob@example.test',
      'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:erin@example.test',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    await erin.append(
      'INBOX',
      Buffer.from(
        [
          'From: bob@example.test',
          'To: erin@example.test',
          `Subject: Invitation ${tag}`,
          'Date: Fri, 20 Nov 2026 09:00:00 +0000',
          `Message-ID: <${tag}-invite@example.test>`,
          'MIME-Version: 1.0',
          'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
          '',
          ics,
        ].join('\r\n'),
      ),
    );
    const { adds } = await d.initialSync(inbox);
    const invitation = adds.find((a) => childText(a.data, 'Email:Subject') === `Invitation ${tag}`);
    expect(invitation).toBeDefined();
    const res = await d.call(
      'MeetingResponse',
      el(
        'MeetingResponse:MeetingResponse',
        el(
          'MeetingResponse:Request',
          el('MeetingResponse:UserResponse', 1),
          el('MeetingResponse:CollectionId', inbox),
          el('MeetingResponse:RequestId', invitation!.serverId),
        ),
      ),
    );
    expect(res.status).toBe(200);
    // MS-ASCMD 2.2.3.177.11 Status 2: "invalid meeting request" (there is no calendar to put it in).
    expect(childText(elements(res.body!, 'MeetingResponse:Result')[0]!, 'MeetingResponse:Status')).toBe('2');
  });
});

describeWith(['mailOnlyUser'], 'DAV presence and outages for bob, behind a switchable forwarder', () => {
  let proxy: SwitchableProxy;
  let gw: Gateway;
  let bobImap: ImapFlow;
  let calendar: DavCollection;
  const tag = randomBytes(3).toString('hex');
  const mailFolder = `Degraded-${tag}`;
  const bobDav = new DavCollectionStore(
    { baseUrl: radicale, kinds: ['calendar', 'tasks'] },
    {
      user: 'bob',
      password: 'password',
    },
  );

  beforeAll(async () => {
    calendar = await bobDav.createCollection('calendar', `Degraded ${tag}`);
    bobImap = await imapAs('bob');
    await bobImap.mailboxCreate(mailFolder);
    proxy = await SwitchableProxy.start(radicale);
    // The account is looked for on every request (0 s), so a switch shows at once; Ping polls
    // DAV every second.
    gw = await gateway({ davUrl: proxy.url, davRecheckSeconds: 0, davPollSeconds: 1 });
  });

  afterAll(async () => {
    await gw?.close();
    await proxy?.close();
    await bobImap?.mailboxDelete(mailFolder).catch(() => undefined);
    await bobImap?.logout();
    await bobDav.deleteCollection(calendar.key).catch(() => undefined);
  });

  it('adds the calendars when the account appears (Ping Status 7, then FolderSync) and removes them when it goes', async () => {
    proxy.mode = 'no-account';
    const d = gw.device('bob');
    await d.onboard();
    const first = await folderSyncFrom(d, '0');
    expect(first.adds.filter((a) => DAV_TYPES.has(a.type))).toEqual([]);
    const folder = first.adds.find((a) => a.name === mailFolder)!.id;
    await d.initialSync(folder);

    const pending = d.call('Ping', ping([[folder, 'Email']]));
    proxy.mode = 'forward';
    const told = await pending;
    // MS-ASCMD 2.2.3.177.13 Status 7: the hierarchy changed, FolderSync first.
    expect(childText(told.body!, 'Ping:Status')).toBe('7');

    const appeared = await folderSyncFrom(d, first.syncKey);
    const added = appeared.adds.find((a) => a.name === `Degraded ${tag}`);
    expect(added?.type).toBeOneOf([FolderType.DefaultCalendar, FolderType.UserCreatedCalendar]);
    expect(appeared.deletes).not.toContain(folder);
    const { syncKey } = await d.initialSync(added!.id);

    proxy.mode = 'no-account';
    const gone = await folderSyncFrom(d, appeared.syncKey);
    expect(gone.adds.filter((a) => DAV_TYPES.has(a.type))).toEqual([]);
    expect(gone.deletes).toContain(added!.id);
    // A device that syncs the folder anyway is sent to FolderSync (Status 12), not asked for a password.
    expect(await syncStatuses(d, [{ collectionId: added!.id, syncKey }])).toEqual({ [added!.id]: '12' });
    expect(noAccountWarnings(gw.logs, 'bob')).toBeGreaterThan(0);
  });

  it('keeps mail syncing while DAV is down: PIM folders kept, Sync Status 16, Ping on mail, recovery', async () => {
    proxy.mode = 'forward';
    const d = gw.device('bob');
    await d.onboard();
    const start = await folderSyncFrom(d, '0');
    const cal = start.adds.find((a) => a.name === `Degraded ${tag}`)!.id;
    const folder = start.adds.find((a) => a.name === mailFolder)!.id;
    const davIds = start.adds.filter((a) => DAV_TYPES.has(a.type)).map((a) => a.id);
    const calKey = (await d.initialSync(cal)).syncKey;
    const mailKey = (await d.initialSync(folder)).syncKey;

    proxy.mode = 'down';
    // The hierarchy stays as the device knows it: no PIM folder deleted, mail listed as usual
    // (other suites may add or remove folders of bob's meanwhile: only his PIM folders count).
    const during = await folderSyncFrom(d, start.syncKey);
    expect(during.deletes.filter((id) => davIds.includes(id))).toEqual([]);
    expect(
      await syncStatuses(d, [
        { collectionId: folder, syncKey: mailKey },
        { collectionId: cal, syncKey: calKey },
      ]),
    ).toEqual({ [folder]: '1', [cal]: '16' });

    // A Ping on both still wakes for mail.
    const pending = d.call(
      'Ping',
      ping([
        [folder, 'Email'],
        [cal, 'Calendar'],
      ]),
    );
    await bobImap.append(mailFolder, message(`while DAV is down ${tag}`));
    const woken = await pending;
    expect(childText(woken.body!, 'Ping:Status')).toBe('2');
    expect(pingedFolders(woken.body)).toEqual([folder]);
    // Only DAV folders, all unreachable: Ping's own retry status (MS-ASCMD 2.2.3.177.13 Status 8).
    expect(childText((await d.call('Ping', ping([[cal, 'Calendar']]))).body!, 'Ping:Status')).toBe('8');
    const estimate = await d.call('GetItemEstimate', estimateRequest(cal, calKey));
    expect(estimate.status).toBe(503);
    expect(estimate.headers['retry-after']).toBeDefined();

    proxy.mode = 'forward';
    expect(await syncStatuses(d, [{ collectionId: cal, syncKey: calKey }])).toEqual({});
    expect((await folderSyncFrom(d, during.syncKey)).deletes).not.toContain(cal);
  });

  it('lists a fresh device without PIM folders while DAV is down and tells its Ping when they are back', async () => {
    proxy.mode = 'down';
    const d = gw.device('bob');
    await d.onboard();
    const first = await folderSyncFrom(d, '0');
    expect(first.adds.filter((a) => DAV_TYPES.has(a.type))).toEqual([]);
    const folder = first.adds.find((a) => a.name === mailFolder)!.id;
    await d.initialSync(folder);
    const pending = d.call('Ping', ping([[folder, 'Email']]));
    proxy.mode = 'forward';
    expect(childText((await pending).body!, 'Ping:Status')).toBe('7');
    const back = await folderSyncFrom(d, first.syncKey);
    expect(back.adds.map((a) => a.name)).toContain(`Degraded ${tag}`);
  });
});

describe('ManageSieve down', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await gateway({
      sieve: { host: '127.0.0.1', port: await deadPort(), tls: 'none', tlsVerify: true },
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers Oof with its own "server unavailable" status and the rest of Settings as usual', async () => {
    const d = gw.device('bob');
    await d.onboard();
    const res = await d.call(
      'Settings',
      el(
        'Settings:Settings',
        el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text'))),
        el('Settings:UserInformation', el('Settings:Get')),
      ),
    );
    expect(res.status).toBe(200);
    expect(childText(res.body!, 'Settings:Status')).toBe('1');
    // MS-ASCMD 2.2.3.177.14 Status 4: server unavailable (the client tries again later).
    expect(childText(child(res.body!, 'Settings:Oof')!, 'Settings:Status')).toBe('4');
    expect(childText(child(res.body!, 'Settings:UserInformation')!, 'Settings:Status')).toBe('1');
  });
});
