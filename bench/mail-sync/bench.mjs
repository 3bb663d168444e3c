// See README.md. Everything is measured in this one run, against the same Dovecot and folders.
import { chownSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { buildApp } from '../../dist/app.js';
import { DEFAULT_CONFIG } from '../../dist/config.js';
import { createBackends, openStateStore } from '../../dist/wire.js';
import { child, childText, decodeWbxml, el, elements, encodeWbxml } from '../../dist/wbxml/index.js';

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const SMALL = 100;
const NO_CHANGE_RUNS = Number(process.env.BENCH_NOCHANGE_RUNS ?? 40);
const USER = 'bob';
const runDir = (
  process.env.EAS_TEST_RUN_DIR ?? new URL('../../test/env/run/', import.meta.url).pathname
).replace(/\/?$/, '/');
const env = JSON.parse(readFileSync(`${runDir}env.json`, 'utf8'));

function message(i) {
  const body = `Message ${i} of the benchmark.\r\n`.repeat(20);
  return Buffer.from(
    [
      `From: Sender ${i % 50} <sender${i % 50}@example.test>`,
      'To: Bob <bob@example.test>',
      `Subject: Benchmark message ${i}`,
      `Date: ${new Date(Date.now() - i * 60_000).toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <bench-${i}-${randomBytes(4).toString('hex')}@example.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
    ].join('\r\n'),
  );
}

function inject(folder, count) {
  const dir = `${runDir}mail/${USER}/Maildir/.${folder}`;
  const owner = statSync(dir);
  for (let i = 0; i < count; i++) {
    const file = `${dir}/new/${Math.floor(Date.now() / 1000)}.M${i}P${process.pid}.bench`;
    writeFileSync(file, message(i));
    chownSync(file, owner.uid, owner.gid);
  }
}

const imap = new ImapFlow({
  host: env.host,
  port: env.imapPort,
  secure: false,
  auth: { user: USER, pass: 'password' },
  logger: false,
  qresync: true,
});
await imap.connect();
const tag = randomBytes(3).toString('hex');
const big = `bench-${N}-${tag}`;
const small = `bench-${SMALL}-${tag}`;
await imap.mailboxCreate(big);
await imap.mailboxCreate(small);
inject(big, N);
inject(small, SMALL);
// Let Dovecot index the new files once, outside the measurements.
for (const f of [big, small]) await imap.status(f, { messages: true });

const config = {
  ...DEFAULT_CONFIG,
  imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort },
  state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-bench-')), 'state.sqlite') },
};
const state = await openStateStore(config);
const backends = createBackends(config);
const { fastify: app } = await buildApp({ config, backends, state });
await app.ready();

const deviceId = `BENCH${tag.toUpperCase()}`;
let policyKey = '';
async function call(cmd, body) {
  const res = await app.inject({
    method: 'POST',
    url: `/Microsoft-Server-ActiveSync?Cmd=${cmd}&User=${USER}&DeviceId=${deviceId}&DeviceType=Bench`,
    headers: {
      authorization: `Basic ${Buffer.from(`${USER}:password`).toString('base64')}`,
      'ms-asprotocolversion': '14.1',
      'content-type': 'application/vnd.ms-sync.wbxml',
      'x-ms-policykey': policyKey,
    },
    payload: Buffer.from(encodeWbxml(body)),
  });
  return res.rawPayload.length > 0 ? decodeWbxml(res.rawPayload) : undefined;
}
const provision = (key, status) =>
  el(
    'Provision:Provision',
    el(
      'Provision:Policies',
      el(
        'Provision:Policy',
        el('Provision:PolicyType', 'MS-EAS-Provisioning-WBXML'),
        key && el('Provision:PolicyKey', key),
        status && el('Provision:Status', status),
      ),
    ),
  );
const policyKeyOf = (b) =>
  childText(child(child(b, 'Provision:Policies'), 'Provision:Policy'), 'Provision:PolicyKey');
policyKey = policyKeyOf(await call('Provision', provision()));
policyKey = policyKeyOf(await call('Provision', provision(policyKey, '1')));
const hierarchy = await call(
  'FolderSync',
  el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
);
const ids = new Map(
  elements(child(hierarchy, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').map((a) => [
    childText(a, 'FolderHierarchy:DisplayName'),
    childText(a, 'FolderHierarchy:ServerId'),
  ]),
);

const syncBody = (syncKey, collectionId, windowSize) =>
  el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      el(
        'AirSync:Collection',
        el('AirSync:SyncKey', syncKey),
        el('AirSync:CollectionId', collectionId),
        windowSize && el('AirSync:WindowSize', windowSize),
        el(
          'AirSync:Options',
          el('AirSync:FilterType', 0),
          el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 500)),
        ),
      ),
    ),
  );

async function initialSync(collectionId) {
  let key = childText(
    child(
      child(await call('Sync', syncBody('0', collectionId)), 'AirSync:Collections'),
      'AirSync:Collection',
    ),
    'AirSync:SyncKey',
  );
  let items = 0;
  for (;;) {
    const res = await call('Sync', syncBody(key, collectionId, 100));
    if (res === undefined) break;
    const c = child(child(res, 'AirSync:Collections'), 'AirSync:Collection');
    key = childText(c, 'AirSync:SyncKey');
    items += elements(child(c, 'AirSync:Commands') ?? { children: [] }, 'AirSync:Add').length;
    if (child(c, 'AirSync:MoreAvailable') === undefined) break;
  }
  return { key, items };
}

// (a) raw imapflow: what a Sync needs, for the whole folder, in one FETCH.
const rawStart = process.hrtime.bigint();
const lock = await imap.getMailboxLock(big);
const rows = await imap.fetchAll('1:*', {
  uid: true,
  flags: true,
  envelope: true,
  bodyStructure: true,
  internalDate: true,
  size: true,
  headers: ['references', 'importance', 'x-priority', 'content-class', 'thread-index', 'thread-topic'],
  bodyParts: [{ key: '1', start: 0, maxLength: 600 }],
});
lock.release();
const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
if (rows.length !== N) throw new Error(`raw FETCH saw ${rows.length} messages, expected ${N}`);

// (b) our initial Sync, as a device does it: SyncKey 0, then WindowSize 100 until done.
const syncStart = process.hrtime.bigint();
const bigSync = await initialSync(ids.get(big));
const syncSeconds = Number(process.hrtime.bigint() - syncStart) / 1e9;
if (bigSync.items !== N) throw new Error(`Sync delivered ${bigSync.items} items, expected ${N}`);
const smallSync = await initialSync(ids.get(small));

// (c) no-change Sync: the median of repeated requests with the same key.
async function noChange(collectionId, key) {
  const times = [];
  for (let i = 0; i < NO_CHANGE_RUNS; i++) {
    const t = process.hrtime.bigint();
    const res = await call('Sync', syncBody(key, collectionId, 100));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res !== undefined) throw new Error('a no-change Sync returned content');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
await noChange(ids.get(small), smallSync.key); // warm-up
const smallMs = await noChange(ids.get(small), smallSync.key);
const bigMs = await noChange(ids.get(big), bigSync.key);

const rawRate = N / rawSeconds;
const syncRate = N / syncSeconds;
console.log(
  `Mail Sync benchmark: ${N} messages (Dovecot ${env.host}:${env.imapPort}, Node ${process.version})`,
);
console.log(
  `(a) raw imapflow FETCH of the Sync fields: ${rawRate.toFixed(0)} messages/s (${rawSeconds.toFixed(2)} s)`,
);
console.log(
  `(b) initial Sync, WindowSize 100:          ${syncRate.toFixed(0)} items/s (${syncSeconds.toFixed(2)} s)`,
);
console.log(`    ratio (b)/(a): ${(syncRate / rawRate).toFixed(2)}  (goal ≥ 0.50)`);
console.log(
  `(c) no-change Sync, median of ${NO_CHANGE_RUNS}: ${SMALL} messages ${smallMs.toFixed(2)} ms, ${N} messages ${bigMs.toFixed(2)} ms`,
);
console.log(`    ratio ${N}/${SMALL}: ${(bigMs / smallMs).toFixed(2)}  (goal ≤ 1.20)`);

await app.close();
await backends.close();
await state.close();
for (const f of [big, small]) await imap.mailboxDelete(f).catch(() => undefined);
await imap.logout();
