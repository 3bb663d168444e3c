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
// The mail store of the backend matrix's selection (test/support/backend-matrix.ts): Dovecot, or
// Courier (no CONDSTORE/QRESYNC, folders under "INBOX.", its own Maildirs). Cyrus keeps a spool of
// its own that files cannot be written into, so it is not offered here.
const STORES = {
  'dovecot-radicale': { name: 'Dovecot', port: env.imapPort, maildirs: 'mail', path: (f) => f },
  'courier-xandikos': {
    name: 'Courier',
    port: env.courierPort,
    maildirs: 'courier-mail',
    path: (f) => `INBOX.${f}`,
  },
};
const store = STORES[process.env.EAS_TEST_BACKENDS || 'dovecot-radicale'];
if (store === undefined) {
  throw new Error(
    `EAS_TEST_BACKENDS=${process.env.EAS_TEST_BACKENDS}: the bench runs on ${Object.keys(STORES).join(', ')}`,
  );
}

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
  const dir = `${runDir}${store.maildirs}/${USER}/Maildir/.${folder}`;
  const owner = statSync(dir);
  for (let i = 0; i < count; i++) {
    const file = `${dir}/new/${Math.floor(Date.now() / 1000)}.M${i}P${process.pid}.bench`;
    writeFileSync(file, message(i));
    chownSync(file, owner.uid, owner.gid);
  }
}

const imap = new ImapFlow({
  host: env.host,
  port: store.port,
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
for (const f of [big, small]) await imap.status(store.path(f), { messages: true });

const stateDir = mkdtempSync(join(tmpdir(), 'eas-bench-'));

/**
 * One gateway with its own device: `qresync: false` makes it ignore Dovecot's CONDSTORE/QRESYNC,
 * which is how servers without them (Courier, many hosted ones) are served.
 */
async function gateway(name, qresync) {
  const config = {
    ...DEFAULT_CONFIG,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: store.port, tls: 'none', qresync },
    state: { driver: 'sqlite', path: join(stateDir, `${name}.sqlite`) },
  };
  const state = await openStateStore(config);
  const backends = createBackends(config);
  const { fastify: app } = await buildApp({ config, backends, state });
  await app.ready();
  const deviceId = `BENCH${name.toUpperCase()}${tag.toUpperCase()}`;
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
  const close = async () => {
    await app.close();
    await backends.close();
    await state.close();
  };
  return { call, ids, close };
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

async function initialSync({ call, ids }, folder) {
  const collectionId = ids.get(folder);
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
const lock = await imap.getMailboxLock(store.path(big));
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

const modern = await gateway('qresync', true);
const fallback = await gateway('fallback', false);

// (b) our initial Sync, as a device does it: SyncKey 0, then WindowSize 100 until done.
async function timedInitialSync(gw) {
  const start = process.hrtime.bigint();
  const done = await initialSync(gw, big);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (done.items !== N) throw new Error(`Sync delivered ${done.items} items, expected ${N}`);
  return { ...done, seconds };
}
const bigSync = await timedInitialSync(modern);
const fallbackBigSync = await timedInitialSync(fallback);
const smallSync = await initialSync(modern, small);
const fallbackSmallSync = await initialSync(fallback, small);

// (c) no-change Sync: the median of repeated requests with the same key.
async function noChange({ call, ids }, folder, key) {
  const times = [];
  for (let i = 0; i < NO_CHANGE_RUNS; i++) {
    const t = process.hrtime.bigint();
    const res = await call('Sync', syncBody(key, ids.get(folder), 100));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res !== undefined) throw new Error('a no-change Sync returned content');
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
await noChange(modern, small, smallSync.key); // warm-up
await noChange(fallback, small, fallbackSmallSync.key);
const smallMs = await noChange(modern, small, smallSync.key);
const bigMs = await noChange(modern, big, bigSync.key);
const fallbackSmallMs = await noChange(fallback, small, fallbackSmallSync.key);
const fallbackBigMs = await noChange(fallback, big, fallbackBigSync.key);

const rawRate = N / rawSeconds;
const syncRate = N / bigSync.seconds;
const fallbackRate = N / fallbackBigSync.seconds;
const ms = (x) => `${x.toFixed(2)} ms`;
console.log(
  `Mail Sync benchmark: ${N} messages (${store.name} ${env.host}:${store.port}, Node ${process.version})`,
);
console.log(
  `(a) raw imapflow FETCH of the Sync fields: ${rawRate.toFixed(0)} messages/s (${rawSeconds.toFixed(2)} s)`,
);
console.log(
  `(b) initial Sync, WindowSize 100:          ${syncRate.toFixed(0)} items/s (${bigSync.seconds.toFixed(2)} s)`,
);
console.log(`    ratio (b)/(a): ${(syncRate / rawRate).toFixed(2)}  (goal ≥ 0.50)`);
console.log(
  `    without QRESYNC:                       ${fallbackRate.toFixed(0)} items/s (${fallbackBigSync.seconds.toFixed(2)} s), ratio to (b) ${(fallbackRate / syncRate).toFixed(2)}`,
);
console.log(
  `(c) no-change Sync, median of ${NO_CHANGE_RUNS}: ${SMALL} messages ${ms(smallMs)}, ${N} messages ${ms(bigMs)}`,
);
console.log(`    ratio ${N}/${SMALL}: ${(bigMs / smallMs).toFixed(2)}  (goal ≤ 1.20)`);
console.log(
  `(d) the same without QRESYNC (qresync: false): ${SMALL} messages ${ms(fallbackSmallMs)}, ${N} messages ${ms(fallbackBigMs)}`,
);
console.log(
  `    ratio ${N}/${SMALL}: ${(fallbackBigMs / fallbackSmallMs).toFixed(2)}, ratio to (c) at ${N}: ${(fallbackBigMs / bigMs).toFixed(2)}`,
);

await modern.close();
await fallback.close();
for (const f of [big, small]) await imap.mailboxDelete(store.path(f)).catch(() => undefined);
await imap.logout();
