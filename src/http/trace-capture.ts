import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from '../protocol/context.js';
import {
  bodyFile,
  TRACE_FORMAT,
  writeTraceMeta,
  type TraceExchange,
  type TraceMeta,
} from '../trace/format.js';
import { redact, redactedBody } from '../trace/redact.js';
import { toXml, type WbxmlElement } from '../wbxml/index.js';
import type { EasQuery } from './query.js';

export interface CaptureConfig {
  /** Where traces go: <dir>/<user>/<deviceId>/ (one trace per device, appended to). */
  dir: string;
  all: boolean;
  users: readonly string[];
  devices: readonly string[];
  /** Replace message bodies and MIME with their size. */
  redactBodies: boolean;
}

const KEPT_HEADERS = ['MS-ASProtocolVersion', 'X-MS-PolicyKey', 'User-Agent', 'Content-Type'];

export interface CapturedExchange {
  user: string;
  query: EasQuery;
  queryForm: 'plain' | 'base64';
  method: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  request: WbxmlElement | Buffer | undefined;
  status: number;
  responseHeaders: Record<string, string>;
  response: WbxmlElement | undefined;
  startedAt: Date;
  durationMs: number;
}

/** Records the exchanges of chosen devices as traces (see src/trace/format.ts). */
export class TraceCapture {
  private readonly traces = new Map<string, Promise<TraceMeta>>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: CaptureConfig,
    private readonly log: Log,
  ) {}

  wants(user: string, deviceId: string): boolean {
    return this.config.all || this.config.users.includes(user) || this.config.devices.includes(deviceId);
  }

  /** Queues the write; a failure is logged, never thrown into the request. */
  record(ex: CapturedExchange): void {
    this.queue = this.queue
      .then(() => this.write(ex))
      .catch((e: unknown) => this.log.warn({ err: e }, 'could not write a trace'));
  }

  /** Resolves when every queued exchange is on disk. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async write(ex: CapturedExchange): Promise<void> {
    const dir = join(this.config.dir, safe(ex.user), safe(ex.query.deviceId));
    let meta = this.traces.get(dir);
    if (meta === undefined) {
      meta = readFile(join(dir, 'meta.json'), 'utf8').then(
        (text) => JSON.parse(text) as TraceMeta,
        () => ({
          format: TRACE_FORMAT,
          source: `captured by eas-gateway from ${ex.query.deviceType}`,
          exchanges: [],
        }),
      );
      this.traces.set(dir, meta);
    }
    const m = await meta;
    const seq = (m.exchanges.at(-1)?.seq ?? 0) + 1;
    await mkdir(dir, { recursive: true });
    const requestBody = await this.writeBody(dir, seq, 'request', ex.request);
    const responseBody = await this.writeBody(dir, seq, 'response', ex.response);
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const v = ex.headers[name.toLowerCase()];
      if (typeof v === 'string') headers[name] = v;
    }
    if (ex.queryForm === 'base64') {
      if (ex.query.protocolVersion !== undefined) headers['MS-ASProtocolVersion'] = ex.query.protocolVersion;
      if (ex.query.policyKey !== undefined) headers['X-MS-PolicyKey'] = ex.query.policyKey;
    }
    const entry: TraceExchange = {
      seq,
      at: ex.startedAt.toISOString(),
      durationMs: Math.round(ex.durationMs),
      request: {
        method: ex.method,
        query: {
          Cmd: ex.query.cmd,
          ...(ex.query.user !== undefined ? { User: ex.query.user } : {}),
          DeviceId: ex.query.deviceId,
          DeviceType: ex.query.deviceType,
          ...ex.query.params,
        },
        queryForm: ex.queryForm,
        headers,
        body: requestBody,
      },
      response: { status: ex.status, headers: ex.responseHeaders, body: responseBody },
    };
    m.exchanges.push(entry);
    await writeTraceMeta(dir, m);
  }

  private async writeBody(
    dir: string,
    seq: number,
    side: 'request' | 'response',
    body: WbxmlElement | Buffer | undefined,
  ): Promise<string | null> {
    if (body === undefined) return null;
    if (Buffer.isBuffer(body)) {
      const name = bodyFile(seq, side, 'body');
      await writeFile(join(dir, name), this.config.redactBodies ? `${redactedBody(body.length)}\n` : body);
      return name;
    }
    const name = bodyFile(seq, side);
    await writeFile(join(dir, name), toXml(redact(body, this.config.redactBodies)));
    return name;
  }
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9@._-]/g, '_');
