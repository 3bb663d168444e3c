// The gateway over an in-memory mail backend, for measuring what a waiting Ping costs. Any user
// name logs in with password "password"; every user has an INBOX with one message and a change
// feed that never fires (the Pings wait out their heartbeat). Prints its port; GET /bench-rss
// answers the process RSS after a full GC (run with --expose-gc).
import { buildApp } from '../../dist/app.js';
import { DEFAULT_CONFIG } from '../../dist/config.js';
import { MemoryStateStore } from '../../dist/state/memory/index.js';

const STATE = { uidValidity: 1, uidNext: 2, highestModseq: 5n, messages: 1 };
const INBOX = { key: 'inbox', path: 'INBOX', name: 'Inbox', parentKey: undefined, role: 'inbox' };
const mail = {
  listFolders: async () => [INBOX],
  mailboxState: async () => STATE,
  searchUids: async () => ({ state: STATE, uids: [1] }),
  changesSince: async () => ({ state: STATE, changed: [], vanished: [] }),
  listFlags: async () => ({ state: STATE, messages: [{ uid: 1, flags: [] }] }),
  fetchMessages: async () => [],
  fetchBodies: async () => new Map(),
};
const feed = { watching: false, watch: () => () => undefined };
const backends = {
  verifyLogin: async (c) => {
    if (c.password !== 'password') throw Object.assign(new Error('no'), { kind: 'auth' });
  },
  forUser: () => ({ mail, mailChanges: feed, close: async () => undefined }),
  close: async () => undefined,
};
const config = {
  ...DEFAULT_CONFIG,
  plainHttp: true,
  provisioning: { required: false, policy: {} },
  limits: { concurrentRequestsPerUser: 1000, devicesPerUser: 1000 },
  state: { driver: 'memory', path: '' },
};
const { fastify } = await buildApp({
  config,
  backends,
  state: new MemoryStateStore(),
  server: { logger: false },
});
fastify.get('/bench-rss', async () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
});
await fastify.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${fastify.server.address().port}\n`);
