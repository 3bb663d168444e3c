// See README.md. Part 1: RSS per waiting Ping (in-memory backend, separate server process).
// Part 2: APPEND → Ping answer latency with real Dovecot (one IDLE connection per user).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { buildApp } from '../../dist/app.js';
import { DEFAULT_CONFIG } from '../../dist/config.js';
import { createBackends, openStateStore } from '../../dist/wire.js';
import { child, childText, decodeWbxml, el, elements, encodeWbxml } from '../../dist/wbxml/index.js';

const PINGS = Number(process.env.BENCH_PINGS ?? 10_000);
const PING_USERS = Number(process.env.BENCH_PING_USERS ?? 1_000);
const LATENCY_USERS = Number(process.env.BENCH_LATENCY_USERS ?? 200);

const folderSync = el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0'));
const ping = (id) =>
  el(
    'Ping:Ping',
    el('Ping:HeartbeatInterval', 600),
    el('Ping:Folders', el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Email'))),
  );
const syncBody = (key, id) =>
  el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      el('AirSync:Collection', el('AirSync:SyncKey', key), el('AirSync:CollectionId', id)),
    ),
  );

function post(port, user, deviceId, cmd, body, agent) {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(encodeWbxml(body));
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: 'POST',
        path: `/Microsoft-Server-ActiveSync?Cmd=${cmd}&User=${user}&DeviceId=${deviceId}&DeviceType=Bench`,
        headers: {
          authorization: `Basic ${Buffer.from(`${user}:password`).toString('base64')}`,
          'ms-asprotocolversion': '14.1',
          'content-type': 'application/vnd.ms-sync.wbxml',
          'content-length': payload.length,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode, body: buf.length ? decodeWbxml(buf) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
const inboxIdOf = (body) =>
  childText(
    elements(child(body, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add').find(
      (a) => childText(a, 'FolderHierarchy:DisplayName') === 'Inbox',
    ),
    'FolderHierarchy:ServerId',
  );
const getJson = (port, path) =>
  new Promise((resolve) =>
    http.get({ host: '127.0.0.1', port, path }, (r) => {
      let s = '';
      r.on('data', (c) => (s += c));
      r.on('end', () => resolve(JSON.parse(s)));
    }),
  );
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- Part 1 -------------------------------------------------------------------------------------
const server = spawn(
  process.execPath,
  ['--expose-gc', new URL('./fake-server.mjs', import.meta.url).pathname],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise((resolve) =>
  server.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const users = Array.from({ length: PING_USERS }, (_, i) => `pinguser${i}`);
const inboxOf = new Map();
for (const u of users)
  inboxOf.set(u, inboxIdOf((await post(port, u, `${u}d0`, 'FolderSync', folderSync, agent)).body));
// Warm every code path once before the baseline.
for (let i = 0; i < 20; i++) await post(port, users[i], `${users[i]}warm`, 'FolderSync', folderSync, agent);
const before = await getJson(port, '/bench-rss');
const pending = [];
for (let i = 0; i < PINGS; i++) {
  const u = users[i % users.length];
  pending.push(
    post(port, u, `${u}p${Math.floor(i / users.length)}`, 'Ping', ping(inboxOf.get(u)), agent).catch((e) => ({
      status: String(e),
    })),
  );
  if (i % 500 === 499) await sleep(50);
}
await sleep(3000);
const during = await getJson(port, '/bench-rss');
const perDevice = (during.rss - before.rss) / PINGS;
const perDeviceHeap = (during.heap - before.heap) / PINGS;
server.kill('SIGKILL');
await Promise.allSettled(pending);

// --- Part 2 -------------------------------------------------------------------------------------
const runDir = (
  process.env.EAS_TEST_RUN_DIR ?? new URL('../../test/env/run/', import.meta.url).pathname
).replace(/\/?$/, '/');
const env = JSON.parse(readFileSync(`${runDir}env.json`, 'utf8'));
const usersFile = `${runDir}dovecot/users`;
const original = readFileSync(usersFile, 'utf8');
const [, , uid, gid] = original.split('\n')[0].split(':');
const latencyUsers = Array.from({ length: LATENCY_USERS }, (_, i) => `pushbench${i}`);
writeFileSync(
  usersFile,
  original +
    latencyUsers
      .map((u) => `${u}@example.test:{PLAIN}password:${uid}:${gid}::${runDir}mail/${u}::\n`)
      .join(''),
);
let latencies = [];
try {
  const config = {
    ...DEFAULT_CONFIG,
    plainHttp: true,
    provisioning: { required: false, policy: {} },
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort, tls: 'none' },
    // Mail only: the bench users exist in Dovecot, not in Radicale or ManageSieve.
    davUrl: undefined,
    sieve: undefined,
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-push-bench-')), 'state.sqlite') },
  };
  const state = await openStateStore(config);
  const backends = createBackends(config);
  const { fastify } = await buildApp({ config, backends, state, server: { logger: false } });
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const gw = fastify.server.address().port;
  const ids = new Map();
  for (const u of latencyUsers) {
    const fs = await post(gw, u, `${u}dev`, 'FolderSync', folderSync, agent);
    if (fs.body === undefined) throw new Error(`FolderSync for ${u}: HTTP ${fs.status}`);
    const id = inboxIdOf(fs.body);
    const k0 = childText(
      child(
        child((await post(gw, u, `${u}dev`, 'Sync', syncBody('0', id), agent)).body, 'AirSync:Collections'),
        'AirSync:Collection',
      ),
      'AirSync:SyncKey',
    );
    await post(gw, u, `${u}dev`, 'Sync', syncBody(k0, id), agent);
    ids.set(u, id);
  }
  const answered = new Map();
  const waits = latencyUsers.map((u) =>
    post(gw, u, `${u}dev`, 'Ping', ping(ids.get(u)), agent).then((r) => {
      answered.set(u, { at: performance.now(), status: childText(r.body, 'Ping:Status') });
    }),
  );
  await sleep(3000); // every feed connects and enters IDLE
  const appender = new Map();
  for (const u of latencyUsers) {
    const c = new ImapFlow({
      host: env.host,
      port: env.imapPort,
      secure: false,
      auth: { user: u, pass: 'password' },
      logger: false,
    });
    await c.connect();
    appender.set(u, c);
  }
  const appendedAt = new Map();
  for (const u of latencyUsers) {
    await appender.get(u).append('INBOX', Buffer.from(`Subject: push ${u}\r\n\r\nhello\r\n`));
    appendedAt.set(u, performance.now());
    await sleep(10);
  }
  await Promise.race([Promise.all(waits), sleep(10_000)]);
  latencies = latencyUsers
    .filter((u) => answered.get(u)?.status === '2')
    .map((u) => answered.get(u).at - appendedAt.get(u))
    .sort((a, b) => a - b);
  for (const c of appender.values()) await c.logout().catch(() => undefined);
  await fastify.close();
  await backends.close();
  await state.close();
} finally {
  writeFileSync(usersFile, original);
}
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(`Push benchmark (Node ${process.version})`);
console.log(
  `(1) ${PINGS} waiting Pings from ${PING_USERS} users, in-memory mail backend, server in its own process:`,
);
console.log(
  `    RSS per waiting device: ${(perDevice / 1024).toFixed(1)} KB (heap ${(perDeviceHeap / 1024).toFixed(1)} KB)  (goal ≤ 60 KB)`,
);
console.log(`(2) ${LATENCY_USERS} users on Dovecot, one Ping each; IMAP APPEND → Ping answer:`);
console.log(
  `    answered ${latencies.length}/${LATENCY_USERS}; p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms  (goal p99 < 1000 ms)`,
);
process.exit(0);
