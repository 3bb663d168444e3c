import { createWriteStream } from 'node:fs';
import { buildApp } from '../../../src/app.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../../src/config.js';
import { encodeBase64Query } from '../../../src/http/query.js';
import { openStateStore } from '../../../src/wire.js';
import { decodeWbxml, type WbxmlElement } from '../../../src/wbxml/index.js';
import { basicAuth } from '../eas-client.js';
import { FakeDirectory, fakeBackends } from '../fake-backends.js';
import type { Backends } from '../../../src/backends/types.js';
import { MailDevice } from '../mail-sync.js';
import {
  COMMAND_NAMES,
  commandRequest,
  hostileId,
  Pick,
  prng,
  type FuzzRequest,
  type KnownIds,
} from './corpus.js';
import { encodeHostile } from './raw-wbxml.js';

// Drives generated requests through the real fastify app over the in-memory backends and counts
// what came back. A request that would wait (Ping, Sync with Wait) is ended at once, as a newer
// request from the device would end it, so no run depends on a timer.

/** Characters XML 1.0 (§2.2 Char) forbids; a client's XML layer rejects a document holding one. */
export const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface FuzzStats {
  bodies: number;
  /** HTTP status → count; for WBXML answers also `<status> Status <n>` of the top level. */
  statuses: Record<string, number>;
  /** 5xx answers other than 501. */
  serverErrors: number;
  /**
   * 501: MS-ASHTTP's answer to a real EAS command this server does not implement (ValidateCert,
   * reachable through a mutated base64 query). Not a failure; counted to show it.
   */
  notImplemented: number;
  /** Answers holding a character XML 1.0 forbids (outside message content). */
  forbiddenInAnswers: number;
  /**
   * Answers whose message content (AirSyncBase:Data: a body or whole MIME, e.g. a message the fuzz
   * sent earlier) holds one. Content passes through as the mail store has it (ESC is part of
   * ISO-2022-JP MIME); counted, not a failure.
   */
  forbiddenInMessageContent: number;
  /** WBXML answers the client could not decode. */
  undecodable: number;
  /** The first few problems, for the failure message. */
  examples: string[];
  /** Milliseconds spent per command (or Autodiscover, or a query naming none). */
  msByRequest: Record<string, number>;
  /** Whether a plain FolderSync still worked after the run. */
  stillAnswering: boolean;
}

const VERSIONS = ['12.1', '14.0', '14.1', '16.0', '16.1'];
const WBXML = 'application/vnd.ms-sync.wbxml';

export async function runFuzz(options: { bodies: number; seed: number }): Promise<FuzzStats> {
  const world = fakeBackends();
  for (let i = 1; i <= 20; i++) world.mail.deliver('m:inbox', `Inbox ${i}`);
  world.mail.deliver('m:drafts', 'A draft');
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    state: { driver: 'memory', path: '' },
    limits: { ...DEFAULT_CONFIG.limits, devicesPerUser: 1_000_000 },
  };
  const state = await openStateStore(config);
  // FUZZ_LOG=<file> keeps the gateway's error log lines (the stack of each 500) for debugging.
  const logFile = process.env.FUZZ_LOG;
  const server = logFile ? { logger: { level: 'error', stream: createWriteStream(logFile) } } : undefined;
  // Mailbox search and a GAL, so Search, Find and ResolveRecipients reach their real paths.
  const directory = new FakeDirectory([
    'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Julia Schmidt\r\nEMAIL:julia.schmidt@example.test\r\nEND:VCARD\r\n',
  ]);
  const backends: Backends = {
    ...world,
    forUser: (c) => ({ ...world.forUser(c), mailSearch: world.mail, directory }),
  };
  const { fastify: app, queue } = await buildApp({ config, backends, state, server });
  await app.ready();
  // End every wait as soon as it starts: what a newer request from the device does (MS-ASCMD 2.2.1.13).
  const run = queue.run.bind(queue);
  queue.run = (key, work, signal) =>
    run(
      key,
      (s, markWaiting) =>
        work(s, (waiting) => {
          markWaiting(waiting);
          // After the waiting request has started listening for the end (change-wait.ts
          // subscribes to its signal only after markWaiting resolves).
          if (waiting) setImmediate(() => queue.supersede(key));
        }),
      signal,
    );

  const stats: FuzzStats = {
    bodies: 0,
    statuses: {},
    serverErrors: 0,
    notImplemented: 0,
    forbiddenInAnswers: 0,
    forbiddenInMessageContent: 0,
    undecodable: 0,
    examples: [],
    msByRequest: {},
    stillAnswering: false,
  };
  const note = (what: string): void => {
    if (stats.examples.length < Number(process.env.FUZZ_EXAMPLES ?? 20)) stats.examples.push(what);
  };
  try {
    const device = new MailDevice(app, 'alice', '14.1', 'FUZZDEVICE1');
    await device.onboard();
    const inbox = device.idOf('Inbox');
    const first = await device.initialSync(inbox);
    const serverId = first.adds[0]!.serverId;
    const known: KnownIds = {
      inbox,
      drafts: device.idOf('Drafts'),
      sent: device.idOf('Sent'),
      trash: device.idOf('Trash'),
      calendar: device.idsOfType(8)[0]!,
      contacts: device.idsOfType(9)[0]!,
      tasks: device.idsOfType(7)[0]!,
      serverId,
      fileReference: `${serverId}:2`,
      syncKey: first.syncKey,
      folderSyncKey: '1',
    };
    const p = new Pick(prng(options.seed));
    for (let n = 0; n < options.bodies; n++) {
      const req = generate(p, known, device.policyKey);
      const t0 = performance.now();
      const res = await app.inject(req);
      const cmd = /Cmd=(\w+)/.exec(req.url)?.[1] ?? '';
      const what = req.url.startsWith('/autodiscover')
        ? 'Autodiscover'
        : COMMAND_NAMES.includes(cmd)
          ? cmd
          : 'other query';
      stats.msByRequest[what] = (stats.msByRequest[what] ?? 0) + performance.now() - t0;
      stats.bodies++;
      const type = String(res.headers['content-type'] ?? '');
      let key = String(res.statusCode);
      if (res.statusCode === 501) stats.notImplemented++;
      else if (res.statusCode >= 500) {
        stats.serverErrors++;
        note(`${res.statusCode} for ${describe(req)}`);
      }
      if (type.startsWith(WBXML) && res.rawPayload.length > 0) {
        try {
          const doc = decodeWbxml(res.rawPayload);
          key += ` ${doc.tag}`;
          const where = forbiddenIn(doc);
          if (where.includes(CONTENT)) stats.forbiddenInMessageContent++;
          const outside = where.filter((tag) => tag !== CONTENT);
          if (outside.length > 0) {
            stats.forbiddenInAnswers++;
            note(`forbidden character in ${outside.join(', ')} of the ${doc.tag} answer to ${describe(req)}`);
          }
        } catch (e) {
          stats.undecodable++;
          note(`undecodable answer (${String(e)}) to ${describe(req)}`);
        }
      } else if (XML_FORBIDDEN.test(res.body)) {
        stats.forbiddenInAnswers++;
        note(`forbidden character in the ${type} answer to ${describe(req)}`);
      }
      stats.statuses[key] = (stats.statuses[key] ?? 0) + 1;
    }
    const after = await app.inject(
      easRequest({ cmd: 'FolderSync', deviceId: 'FUZZAFTER1', version: '14.1', provision: false }),
    );
    stats.stillAnswering = after.statusCode === 200 || after.statusCode === 449;
  } finally {
    await app.close();
    await state.close();
  }
  return stats;
}

type InjectRequest = {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  payload?: Buffer | string;
};

function describe(r: InjectRequest): string {
  const body =
    r.payload === undefined ? '' : ` body ${Buffer.from(r.payload).toString('base64').slice(0, 300)}`;
  return `${r.method} ${JSON.stringify(r.url).slice(0, 300)}${body}`;
}

const CONTENT = 'AirSyncBase:Data';

/** The tags of the elements whose text holds a character XML 1.0 forbids. */
function forbiddenIn(e: WbxmlElement, found: string[] = []): string[] {
  for (const c of e.children) {
    if (typeof c === 'string') {
      if (XML_FORBIDDEN.test(c)) found.push(e.tag);
    } else if (!(c instanceof Uint8Array)) forbiddenIn(c, found);
  }
  return found;
}

/** One request: mostly commands with hostile ids, then raw query forms, Autodiscover, byte mutations. */
function generate(p: Pick, k: KnownIds, policyKey: string): InjectRequest {
  const roll = p.random();
  const version = p.one(VERSIONS);
  if (roll < 0.7) {
    const req = commandRequest(p, p.one(COMMAND_NAMES), k, 0.3);
    return easRequest({
      ...req,
      deviceId: 'FUZZDEVICE1',
      version,
      policyKey,
      mutate: p.chance(0.1) ? p : undefined,
    });
  }
  if (roll < 0.85) return hostileQuery(p, k, version, policyKey);
  return autodiscover(p);
}

function easRequest(
  r: FuzzRequest & {
    deviceId: string;
    version: string;
    policyKey?: string;
    provision?: boolean;
    mutate?: Pick;
    query?: string;
  },
): InjectRequest {
  const query =
    r.query ??
    new URLSearchParams({
      Cmd: r.cmd,
      User: 'alice',
      DeviceId: r.deviceId,
      DeviceType: 'Fuzz',
      ...r.params,
    }).toString();
  const headers: Record<string, string> = {
    authorization: basicAuth('alice', 'password'),
    'ms-asprotocolversion': r.version,
    'content-type': r.mime ? 'message/rfc822' : WBXML,
  };
  if (r.policyKey) headers['x-ms-policykey'] = r.policyKey;
  let payload: Buffer | undefined = r.mime ?? (r.body ? Buffer.from(encodeHostile(r.body)) : undefined);
  if (payload && r.mutate) payload = mutateBytes(r.mutate, payload);
  return { method: 'POST', url: `/Microsoft-Server-ActiveSync?${query}`, headers, payload };
}

function mutateBytes(p: Pick, bytes: Buffer): Buffer {
  const b = [...bytes];
  for (let i = 0, n = 1 + p.int(3); i < n; i++) {
    const at = p.int(b.length + 1);
    switch (p.int(4)) {
      case 0:
        if (at < b.length) b[at] = p.int(256);
        break;
      case 1:
        b.splice(at, 0, p.int(256));
        break;
      case 2:
        b.splice(at, 1);
        break;
      default:
        b.length = Math.max(4, at);
    }
  }
  return Buffer.from(b);
}

const PARAMS = ['AttachmentName', 'CollectionId', 'ItemId', 'LongId', 'Occurrence', 'SaveInSent'];

function hostileQuery(p: Pick, k: KnownIds, version: string, policyKey: string): InjectRequest {
  const cmd = p.chance(0.9) ? p.one(COMMAND_NAMES) : hostileId(p, 'Sync');
  const base = commandRequest(p, p.one(COMMAND_NAMES), k, 0.2);
  const deviceId = p.chance(0.5) ? hostileId(p, 'FUZZDEVICE1') : 'FUZZDEVICE1';
  const deviceType = p.chance(0.3) ? hostileId(p, 'Fuzz') : 'Fuzz';
  const params: Record<string, string> = {};
  if (p.chance(0.5)) params[p.one(PARAMS)] = hostileId(p, p.one([k.inbox, k.serverId, k.fileReference]));
  const form = p.int(4);
  let query: string;
  if (form === 0) {
    query = new URLSearchParams({
      Cmd: cmd,
      User: p.chance(0.8) ? 'alice' : hostileId(p, 'alice'),
      DeviceId: deviceId,
      DeviceType: deviceType,
      ...params,
    }).toString();
  } else if (form === 1) {
    // Raw bytes where percent-encoding is expected: broken escapes, bare controls.
    query = `Cmd=${cmd}&User=alice&DeviceId=${p.one(['%', '%zz', '%00', '%C0%80', '%ED%A0%80', 'A%0aB', 'FUZZDEVICE1'])}&DeviceType=Fuzz${p.chance(0.5) ? '&CollectionId=%FF%FE' : ''}`;
  } else {
    let b64: string;
    try {
      b64 = encodeBase64Query({
        cmd: COMMAND_NAMES.includes(cmd) && cmd !== 'Find' ? cmd : 'Sync',
        user: 'alice',
        deviceId,
        deviceType,
        protocolVersion: version,
        params: {},
        policyKey,
      });
    } catch {
      b64 = Buffer.from(deviceId).toString('base64');
    }
    const bytes = Buffer.from(b64, 'base64');
    query =
      form === 2
        ? encodeURIComponent(mutateBytes(p, bytes).toString('base64'))
        : p.one(['%', '%E0%A4%A', '!!!!', 'AAAA', '%2', b64.slice(0, p.int(b64.length))]);
  }
  const headers: Record<string, string> = {
    authorization: basicAuth('alice', 'password'),
    'ms-asprotocolversion': version,
    'content-type': WBXML,
    'x-ms-policykey': policyKey,
  };
  return {
    method: 'POST',
    url: `/Microsoft-Server-ActiveSync?${query}`,
    headers,
    payload: base.body ? Buffer.from(encodeHostile(base.body)) : undefined,
  };
}

const MOBILESYNC = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** Every UTF-8 byte percent-encoded; unlike encodeURIComponent, a lone surrogate does not throw. */
function percentEncoded(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function autodiscover(p: Pick): InjectRequest {
  if (p.chance(0.3)) {
    const email = p.one([
      'alice@example.test',
      '%',
      '%00',
      '%zz',
      'a%0Ab',
      hostileId(p, 'alice@example.test'),
    ]);
    const protocol = p.one(['ActiveSync', 'AutodiscoverV1', 'x', '%FF', '%00', '']);
    const raw = p.chance(0.5);
    const q = raw
      ? `Email=${email}&Protocol=${protocol}`
      : new URLSearchParams({ Email: email, Protocol: protocol }).toString();
    const path = p.chance(0.5)
      ? '/autodiscover/autodiscover.json'
      : `/autodiscover/autodiscover.json/v1.0/${raw ? email : percentEncoded(email)}`;
    return { method: 'GET', url: `${path}?${q}`, headers: {} };
  }
  const email = p.one([
    'alice@example.test',
    '&#99999999;',
    '&#x110000;',
    '&#xD800;',
    '&#0;',
    '&#1;',
    'al&#105;ce@example.test',
    '&#xFFFE;',
    '&amp;&lt;&gt;',
    '&bogus;',
    '<![CDATA[alice@example.test]]>',
    '<![CDATA[\u0001]]>',
    hostileId(p, 'alice@example.test'),
  ]);
  const schema = p.one([MOBILESYNC, OUTLOOK, '', 'x', '&#99999999;']);
  const body = p.chance(0.1)
    ? p.one(['', '<', '<Autodiscover>', '{"json": true}', '\0\0\0', '<Autodiscover><Request><EMailAddress>'])
    : `<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"><Request><EMailAddress>${email}</EMailAddress><AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request></Autodiscover>`;
  return {
    method: 'POST',
    url: '/autodiscover/autodiscover.xml',
    headers: {
      authorization: basicAuth('alice', 'password'),
      'content-type': p.one(['text/xml', 'application/json', 'application/xml; charset=utf-8']),
    },
    payload: body,
  };
}
