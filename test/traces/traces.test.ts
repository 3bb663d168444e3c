import { cpSync, mkdtempSync, readdirSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Backends } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { encodeBase64Query } from '../../src/http/query.js';
import type { StateStore } from '../../src/state/types.js';
import type { TraceMeta } from '../../src/trace/format.js';
import { replayTrace } from '../../src/trace/replay.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import {
  child,
  childText,
  decodeWbxml,
  elements,
  encodeWbxml,
  type WbxmlElement,
} from '../../src/wbxml/index.js';
import { basicAuth } from '../support/eas-client.js';
import { policyOf } from '../support/eas-requests.js';
import { missing, testBackends } from '../support/backend-matrix.js';
import { collectionsOf } from '../support/mail-sync.js';
import { FLOWS, newFlowState, type Flow, type FlowState } from './flows/index.js';

// The trace suite: recorded client sessions replayed against a fresh gateway over the real test
// servers. RECORD_TRACES=1 records them anew from test/traces/flows.ts (see test/traces/README.md).
const here = new URL('./', import.meta.url).pathname;
const recording = process.env.RECORD_TRACES === '1';
// Answers depend on the servers' layout (Cyrus and Xandikos bring default collections of their
// own, Courier has no SPECIAL-USE…): each selection of the backend matrix has its own recordings,
// Dovecot and Radicale's here, the others' under backends/<selection>/.
const selected = testBackends();
const root = selected.name === 'dovecot-radicale' ? here : join(here, 'backends', selected.name);
/** The flows the selected servers can serve; the others are reported as skipped with the reason. */
const runnable = FLOWS.filter((f) => missing(...(f.needs ?? [])) === '');

const CAPTURED_DEVICE = 'TRACECAPTUREDEMO';

interface Gateway {
  app: FastifyInstance;
  server: string;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A gateway over the test servers with in-memory state, recording what `trace` says. */
async function startGateway(trace: GatewayConfig['trace']): Promise<Gateway> {
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    listen: { host: '127.0.0.1', port: 0 },
    plainHttp: true,
    ...testBackends().gatewayBackends(),
    state: { driver: 'memory', path: '' },
    trace,
  };
  const state: StateStore = await openStateStore(config);
  const backends: Backends = createBackends(config);
  const built = await buildApp({ config, backends, state });
  const app = built.fastify;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return {
    app,
    server: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    flush: async () => built.capture?.flush(),
    close: async () => {
      await app.close();
      await backends.close();
      await state.close();
    },
  };
}

let gateway: Gateway;
let traceDir: string;

beforeAll(async () => {
  traceDir = mkdtempSync(join(tmpdir(), 'eas-traces-'));
  // Recording takes every device; otherwise only the one the capture test drives.
  gateway = await startGateway({
    dir: traceDir,
    all: recording,
    users: [],
    devices: [CAPTURED_DEVICE],
    // Recorded flows keep bodies (replay compares them); the capture test uses the default.
    redactBodies: !recording,
  });
  if (recording) {
    for (const flow of runnable) await record(flow);
    await gateway.flush();
    for (const flow of runnable) {
      const target = join(root, flow.name);
      rmSync(target, { recursive: true, force: true });
      cpSync(join(traceDir, `${userOf(flow)}@example.test`, deviceIdOf(flow)), target, { recursive: true });
      const meta = JSON.parse(readFileSync(join(target, 'meta.json'), 'utf8')) as TraceMeta;
      writeFileSync(
        join(target, 'meta.json'),
        `${JSON.stringify({ ...meta, client: flow.client, source: flow.source }, null, 2)}\n`,
      );
    }
  }
});

afterAll(async () => {
  await gateway?.close();
});

const userOf = (flow: Flow): string => flow.user ?? 'alice';

const deviceIdOf = (flow: Flow): string =>
  `TRACE${flow.name
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toUpperCase()}`;

async function record(flow: Flow, deviceId = deviceIdOf(flow)): Promise<void> {
  const state = newFlowState();
  for (const step of flow.steps) {
    const body = typeof step.body === 'function' ? step.body(state) : step.body;
    const key = step.withPolicyKey && state.policyKey !== '' ? state.policyKey : undefined;
    const headers: Record<string, string> = {
      authorization: basicAuth(userOf(flow), 'password'),
      'user-agent': flow.userAgent,
      'content-type': 'application/vnd.ms-sync.wbxml',
    };
    let query: string;
    if (flow.queryForm === 'base64') {
      query = encodeURIComponent(
        encodeBase64Query({
          cmd: step.cmd,
          deviceId,
          deviceType: flow.deviceType,
          protocolVersion: flow.version,
          policyKey: key,
          params: {},
        }),
      );
    } else {
      query = new URLSearchParams({
        Cmd: step.cmd,
        User: userOf(flow),
        DeviceId: deviceId,
        DeviceType: flow.deviceType,
      }).toString();
      headers['ms-asprotocolversion'] = flow.version;
      if (key !== undefined) headers['x-ms-policykey'] = key;
    }
    const res = await gateway.app.inject({
      method: 'POST',
      url: `/Microsoft-Server-ActiveSync?${query}`,
      headers,
      payload: body && Buffer.from(encodeWbxml(body)),
    });
    if (res.rawPayload.length > 0 && String(res.headers['content-type']).includes('vnd.ms-sync.wbxml'))
      learn(step.cmd, decodeWbxml(res.rawPayload), state);
  }
}

/** What a client keeps from an answer: the policy key, folder ids, SyncKeys and item ids. */
function learn(cmd: string, body: WbxmlElement, state: FlowState): void {
  if (cmd === 'Provision') {
    const got = childText(policyOf(body), 'Provision:PolicyKey');
    if (got !== undefined) state.policyKey = got;
  } else if (cmd === 'FolderSync') {
    const changes = child(body, 'FolderHierarchy:Changes');
    for (const add of changes ? elements(changes, 'FolderHierarchy:Add') : []) {
      state.folders.set(
        childText(add, 'FolderHierarchy:DisplayName')!,
        childText(add, 'FolderHierarchy:ServerId')!,
      );
    }
  } else if (cmd === 'Sync') {
    for (const [id, c] of collectionsOf(body)) {
      if (c.syncKey !== undefined) state.syncKeys.set(id, c.syncKey);
      state.items.set(id, [...(state.items.get(id) ?? []), ...c.adds.map((a) => a.serverId)]);
      for (const r of c.responses.filter((x) => x.tag === 'AirSync:Add')) {
        const serverId = childText(r, 'AirSync:ServerId');
        if (serverId !== undefined) state.added.set(childText(r, 'AirSync:ClientId')!, serverId);
      }
    }
  } else if (cmd === 'Search') {
    const store = child(child(body, 'Search:Response') ?? body, 'Search:Store');
    const ids = (store ? elements(store, 'Search:Result') : []).map((r) => childText(r, 'Search:LongId'));
    state.found = ids.filter((id): id is string => id !== undefined);
  } else if (cmd === 'MoveItems') {
    for (const r of elements(body, 'Move:Response')) {
      const moved = childText(r, 'Move:DstMsgId');
      if (moved !== undefined) state.moved.push(moved);
    }
  }
}

const traces = existsSync(root)
  ? readdirSync(root).filter((d) => existsSync(join(root, d, 'meta.json')))
  : [];

describe('recorded client sessions replay against a fresh gateway', () => {
  it('has a trace for every flow', () => {
    expect(traces.sort()).toEqual(runnable.map((f) => f.name).sort());
  });

  for (const flow of FLOWS.filter((f) => !runnable.includes(f))) {
    it.skip(`${flow.name} [skipped on ${missing(...(flow.needs ?? []))}]`, () => undefined);
  }

  it.each(traces)('%s', async (name) => {
    const result = await replayTrace(join(root, name), {
      server: gateway.server,
      user: userOf(FLOWS.find((f) => f.name === name)!),
      password: 'password',
      deviceId: `R${randomBytes(6).toString('hex')}`,
    });
    const diffs = result.exchanges.filter((e) => !e.matched).map((e) => `#${e.seq} ${e.cmd}\n${e.diff}`);
    expect(diffs.join('\n\n'), result.summary).toBe('');
  });

  it.skipIf(recording)(
    'a captured session (bodies redacted, the default) replays green against a fresh gateway',
    async () => {
      // A flow that gets bodies: PIM items, except on Xandikos, whose default address book and task
      // list (the folders the flow syncs) are empty; there an Inbox window and a whole-body fetch.
      const name =
        selected.davServer === 'xandikos' ? 'outlook-mobile-16.1-onboarding' : 'ios-16.1-calendar-contacts';
      const flow = FLOWS.find((f) => f.name === name)!;
      await record(flow, CAPTURED_DEVICE);
      await gateway.flush();
      const captured = join(traceDir, `${userOf(flow)}@example.test`, CAPTURED_DEVICE);
      const files = readdirSync(captured).map((f) => readFileSync(join(captured, f), 'utf8'));
      expect(files.join('\n')).toMatch(/Data>\[redacted \d+ bytes\]</);
      const fresh = await startGateway({ ...DEFAULT_CONFIG.trace });
      try {
        const result = await replayTrace(captured, {
          server: fresh.server,
          user: userOf(flow),
          password: 'password',
          deviceId: `R${randomBytes(6).toString('hex')}`,
        });
        const diffs = result.exchanges.filter((e) => !e.matched).map((e) => `#${e.seq} ${e.cmd}\n${e.diff}`);
        expect(diffs.join('\n\n'), result.summary).toBe('');
        expect(result.exchanges).toHaveLength(flow.steps.length);
      } finally {
        await fresh.close();
      }
    },
  );

  it('fails with a readable diff when the answer is not the recorded one', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'eas-broken-trace-'));
    cpSync(join(root, 'ios-16.1-onboarding'), broken, { recursive: true });
    const meta = JSON.parse(readFileSync(join(broken, 'meta.json'), 'utf8')) as TraceMeta;
    const folderSync = meta.exchanges.find((e) => e.request.query.Cmd === 'FolderSync')!;
    const file = join(broken, folderSync.response.body!);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '<DisplayName>Inbox</DisplayName>',
        '<DisplayName>Inbux</DisplayName>',
      ),
    );
    const result = await replayTrace(broken, {
      server: gateway.server,
      user: 'alice',
      password: 'password',
      deviceId: `R${randomBytes(6).toString('hex')}`,
    });
    expect(result.matched).toBe(false);
    expect(result.summary).toMatch(/3 exchanges, 2 matched, 1 differed$/);
    const diff = result.exchanges.find((e) => !e.matched)!.diff!;
    expect(diff).toMatch(/^- +<DisplayName>Inbux<\/DisplayName>$/m);
    expect(diff).toMatch(/^\+ +<DisplayName>Inbox<\/DisplayName>$/m);
  });
});
