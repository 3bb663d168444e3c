import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

// A trace is a directory a person can read and git can diff:
//   meta.json              what was sent and answered, in order (this type)
//   NNN.request.xml        the request body, WBXML decoded to XML (opaque data as base64)
//   NNN.response.xml       the response body, likewise
//   NNN.request.body       a non-WBXML body (12.x SendMail MIME), as received
export const TRACE_FORMAT = 'eas-gateway-trace/1';

export interface TraceExchange {
  seq: number;
  at: string;
  durationMs: number;
  request: {
    method: string;
    /** Cmd, User, DeviceId, DeviceType and the command parameters, decoded. */
    query: Record<string, string>;
    /** How the client wrote the query (MS-ASHTTP 2.2.1.1.1): replay writes it the same way. */
    queryForm: 'plain' | 'base64';
    /** MS-ASProtocolVersion, X-MS-PolicyKey, User-Agent, Content-Type (never Authorization). */
    headers: Record<string, string>;
    body: string | null;
  };
  response: {
    status: number;
    headers: Record<string, string>;
    body: string | null;
  };
}

export interface TraceMeta {
  format: typeof TRACE_FORMAT;
  /** Where the trace's shape comes from (a capture, a client's documented behaviour, …). */
  source: string;
  client?: string;
  exchanges: TraceExchange[];
}

export const bodyFile = (seq: number, side: 'request' | 'response', ext = 'xml'): string =>
  `${String(seq).padStart(3, '0')}.${side}.${ext}`;

export async function readTrace(
  dir: string,
): Promise<{ meta: TraceMeta; body(name: string | null): Promise<string | null> }> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as TraceMeta;
  if (meta.format !== TRACE_FORMAT)
    throw new Error(`${dir}: not an ${TRACE_FORMAT} trace (format ${String(meta.format)})`);
  return { meta, body: async (name) => (name === null ? null : readFile(join(dir, name), 'utf8')) };
}

export async function writeTraceMeta(dir: string, meta: TraceMeta): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
}
