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
import { testEnv } from '../support/test-env.js';
import { collectionsOf } from '../support/mail-sync.js';
import { FLOWS, type Flow, type FlowState } from './flows.js';

// The trace suite: recorded client sessions replayed against a fresh gateway over the real test
// servers. RECORD_TRACES=1 records them anew from test/traces/flows.ts (see test/traces/README.md).
const here = new URL('./', import.meta.url).pathname;
const recording = process.env.RECORD_TRACES === '1';

let app: FastifyInstance;
let state: StateStore;
let backends: Backends;
let server: string;
let traceDir: string;

beforeAll(async () => {
  const env = testEnv();
  traceDir = mkdtempSync(join(tmpdir(), 'eas-traces-'));
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    listen: { host: '127.0.0.1', port: 0 },
    plainHttp: true,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort },
    davUrl: `http://${env.host}:${env.davPort}/`,
    sieve: { host: env.host, port: env.sievePort },
    state: { driver: 'memory', path: '' },
    trace: { dir: recording ? traceDir : undefined, all: true, users: [], devices: [], redactBodies: false },
  };
  state = await openStateStore(config);
  backends = createBackends(config);
  const built = await buildApp({ config, backends, state });
  app = built.fastify;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  server = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  if (recording) {
    for (const flow of FLOWS) await record(flow);
    await built.capture!.flush();
    for (const flow of FLOWS) {
      const device = readdirSync(join(traceDir, 'alice@example.test')).find((d) => d === deviceIdOf(flow))!;
      const target = join(here, flow.name);
      rmSync(target, { recursive: true, force: true });
      cpSync(join(traceDir, 'alice@example.test', device), target, { recursive: true });
      const meta = JSON.parse(readFileSync(join(target, 'meta.json'), 'utf8')) as TraceMeta;
      writeFileSync(
        join(target, 'meta.json'),
        `${JSON.stringify({ ...meta, client: flow.client, source: flow.source }, null, 2)}\n`,
      );
    }
  }
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
  await state?.close();
});

const deviceIdOf = (flow: Flow): string =>
  `TRACE${flow.name
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toUpperCase()}`;

async function record(flow: Flow): Promise<void> {
  const state: FlowState = { policyKey: '', folders: new Map(), syncKeys: new Map(), items: new Map() };
  for (const step of flow.steps) {
    const body = typeof step.body === 'function' ? step.body(state) : step.body;
    const key = step.withPolicyKey && state.policyKey !== '' ? state.policyKey : undefined;
    const headers: Record<string, string> = {
      authorization: basicAuth('alice', 'password'),
      'user-agent': flow.userAgent,
      'content-type': 'application/vnd.ms-sync.wbxml',
    };
    let query: string;
    if (flow.queryForm === 'base64') {
      query = encodeURIComponent(
        encodeBase64Query({
          cmd: step.cmd,
          deviceId: deviceIdOf(flow),
          deviceType: flow.deviceType,
          protocolVersion: flow.version,
          policyKey: key,
          params: {},
        }),
      );
    } else {
      query = new URLSearchParams({
        Cmd: step.cmd,
        User: 'alice',
        DeviceId: deviceIdOf(flow),
        DeviceType: flow.deviceType,
      }).toString();
      headers['ms-asprotocolversion'] = flow.version;
      if (key !== undefined) headers['x-ms-policykey'] = key;
    }
    const res = await app.inject({
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
    }
  }
}

const traces = readdirSync(here).filter((d) => existsSync(join(here, d, 'meta.json')));

describe('recorded client sessions replay against a fresh gateway', () => {
  it('has a trace for every flow', () => {
    expect(traces.sort()).toEqual(FLOWS.map((f) => f.name).sort());
  });

  it.each(traces)('%s', async (name) => {
    const result = await replayTrace(join(here, name), {
      server,
      user: 'alice',
      password: 'password',
      deviceId: `R${randomBytes(6).toString('hex')}`,
    });
    const diffs = result.exchanges.filter((e) => !e.matched).map((e) => `#${e.seq} ${e.cmd}\n${e.diff}`);
    expect(diffs.join('\n\n'), result.summary).toBe('');
  });

  it('fails with a readable diff when the answer is not the recorded one', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'eas-broken-trace-'));
    cpSync(join(here, 'ios-16.1-onboarding'), broken, { recursive: true });
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
      server,
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
