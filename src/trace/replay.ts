import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { encodeBase64Query } from '../http/query.js';
import { decodeWbxml, encodeWbxml, fromXml, toXml, type WbxmlElement } from '../wbxml/index.js';
import { readTrace, type TraceExchange } from './format.js';
import { hasRedactedBodies, redact } from './redact.js';
import { normalise, rewrite, VOLATILE_PARAMS, volatileValues } from './volatile.js';

export interface ReplayOptions {
  server: string;
  user: string;
  password: string;
  /** Accept a self-signed certificate (the demo's). */
  insecure?: boolean;
  /** Replace the recorded DeviceId, so a replay starts as a new device. */
  deviceId?: string;
}

export interface ExchangeResult {
  seq: number;
  cmd: string;
  matched: boolean;
  /** A readable difference when the answer is not the recorded one. */
  diff?: string;
}

export interface ReplayResult {
  exchanges: ExchangeResult[];
  matched: boolean;
  summary: string;
}

interface LiveAnswer {
  status: number;
  body: Buffer;
}

/** Sends a trace's requests in order and compares each answer with the recording. */
export async function replayTrace(dir: string, options: ReplayOptions): Promise<ReplayResult> {
  const trace = await readTrace(dir);
  const map = new Map<string, string>();
  const results: ExchangeResult[] = [];
  for (const ex of trace.meta.exchanges) {
    const requestXml = await trace.body(ex.request.body);
    const requestTree = requestXml === null ? undefined : rewrite(fromXml(requestXml), map);
    const live = await send(ex, requestTree, map, options);
    const recordedXml = await trace.body(ex.response.body);
    const recorded = recordedXml === null ? undefined : fromXml(recordedXml);
    const liveTree = live.body.length > 0 && live.body[0] === 0x03 ? decodeWbxml(live.body) : undefined;
    learn(recorded, liveTree, map);
    results.push({
      seq: ex.seq,
      cmd: ex.request.query.Cmd ?? '?',
      ...compare(ex, recorded, live.status, liveTree),
    });
  }
  const differed = results.filter((r) => !r.matched);
  const summary = `${dir}: ${results.length} exchanges, ${results.length - differed.length} matched, ${differed.length} differed`;
  return { exchanges: results, matched: differed.length === 0, summary };
}

function learn(
  recorded: WbxmlElement | undefined,
  live: WbxmlElement | undefined,
  map: Map<string, string>,
): void {
  if (recorded === undefined || live === undefined) return;
  const a = volatileValues(recorded);
  const b = volatileValues(live);
  for (let i = 0; i < Math.min(a.length, b.length); i++) map.set(a[i]!, b[i]!);
}

function compare(
  ex: TraceExchange,
  recorded: WbxmlElement | undefined,
  status: number,
  live: WbxmlElement | undefined,
): { matched: boolean; diff?: string } {
  if (status !== ex.response.status)
    return { matched: false, diff: `HTTP status: recorded ${ex.response.status}, got ${status}` };
  const want = recorded === undefined ? '' : toXml(normalise(recorded));
  // A trace recorded with bodies redacted compares bodies by their size.
  const comparable = live && recorded && hasRedactedBodies(recorded) ? redact(live, true) : live;
  const got = comparable === undefined ? '' : toXml(normalise(comparable));
  if (want === got) return { matched: true };
  return { matched: false, diff: lineDiff(want, got) };
}

/** The first differing lines with a little context, marked - (recorded) and + (live). */
export function lineDiff(want: string, got: string, context = 2): string {
  const a = want.split('\n');
  const b = got.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA > start && endB > start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - context);
  const out = a.slice(from, start).map((l) => `  ${l}`);
  for (const l of a.slice(start, endA + 1)) out.push(`- ${l}`);
  for (const l of b.slice(start, endB + 1)) out.push(`+ ${l}`);
  out.push(...a.slice(endA + 1, endA + 1 + context).map((l) => `  ${l}`));
  return out.join('\n');
}

async function send(
  ex: TraceExchange,
  body: WbxmlElement | undefined,
  map: Map<string, string>,
  options: ReplayOptions,
): Promise<LiveAnswer> {
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(ex.request.query))
    query[k] = VOLATILE_PARAMS.includes(k) ? (map.get(v) ?? v) : v;
  query.User = options.user;
  if (options.deviceId !== undefined) query.DeviceId = options.deviceId;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ex.request.headers))
    headers[k] = VOLATILE_PARAMS.includes(k) ? (map.get(v) ?? v) : v;
  headers.Authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  let search: string;
  if (ex.request.queryForm === 'base64') {
    const { Cmd, User, DeviceId, DeviceType, ...params } = query;
    search = encodeURIComponent(
      encodeBase64Query({
        cmd: Cmd ?? '',
        user: User,
        deviceId: DeviceId ?? '',
        deviceType: DeviceType ?? '',
        protocolVersion: headers['MS-ASProtocolVersion'],
        policyKey: headers['X-MS-PolicyKey'],
        params,
      }),
    );
    delete headers['MS-ASProtocolVersion'];
    delete headers['X-MS-PolicyKey'];
  } else search = new URLSearchParams(query).toString();
  const url = new URL(`${options.server.replace(/\/+$/, '')}/Microsoft-Server-ActiveSync?${search}`);
  const payload = body === undefined ? undefined : Buffer.from(encodeWbxml(body));
  return new Promise<LiveAnswer>((resolve, reject) => {
    const call = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = call(
      url,
      { method: ex.request.method, headers, rejectUnauthorized: !options.insecure },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
