import type { FastifyInstance } from 'fastify';
import { decodeWbxml, encodeWbxml, type WbxmlElement } from '../../src/wbxml/index.js';

export interface EasCall {
  cmd: string;
  version?: string;
  body?: WbxmlElement;
  rawBody?: Buffer;
  contentType?: string;
  policyKey?: string;
  deviceId?: string;
  deviceType?: string;
  user?: string;
  password?: string;
  /** Overrides the query string (e.g. a base64 query). */
  query?: string;
}

export interface EasAnswer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: WbxmlElement | undefined;
  text: string;
}

export const basicAuth = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Where requests go: an app in this process (fastify's inject()), or a gateway over HTTP. */
export type EasTarget = FastifyInstance | { readonly baseUrl: string; readonly timeoutMs?: number };

/** One ActiveSync request, as a device would send it. */
export async function eas(app: EasTarget, call: EasCall): Promise<EasAnswer> {
  const user = call.user ?? 'alice';
  const query =
    call.query ??
    new URLSearchParams({
      Cmd: call.cmd,
      User: user,
      DeviceId: call.deviceId ?? 'TESTDEVICE1',
      DeviceType: call.deviceType ?? 'TestPhone',
    }).toString();
  const headers: Record<string, string> = {
    authorization: basicAuth(user, call.password ?? 'password'),
    'ms-asprotocolversion': call.version ?? '14.1',
    'content-type': call.contentType ?? 'application/vnd.ms-sync.wbxml',
    'user-agent': 'eas-gateway-tests/1.0',
  };
  if (call.policyKey !== undefined) headers['x-ms-policykey'] = call.policyKey;
  const payload = call.rawBody ?? (call.body ? Buffer.from(encodeWbxml(call.body)) : undefined);
  const url = `/Microsoft-Server-ActiveSync?${query}`;
  if ('baseUrl' in app) return overHttp(app, url, headers, payload);
  const res = await app.inject({ method: 'POST', url, headers, payload });
  return answerOf(res.statusCode, res.headers, res.rawPayload);
}

async function overHttp(
  target: { readonly baseUrl: string; readonly timeoutMs?: number },
  url: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
): Promise<EasAnswer> {
  const res = await fetch(new URL(url, target.baseUrl), {
    method: 'POST',
    headers,
    ...(payload ? { body: payload } : {}),
    signal: AbortSignal.timeout(target.timeoutMs ?? 60_000),
  });
  const raw = Buffer.from(await res.arrayBuffer());
  return answerOf(res.status, Object.fromEntries(res.headers), raw);
}

function answerOf(status: number, headers: EasAnswer['headers'], raw: Buffer): EasAnswer {
  const isWbxml = String(headers['content-type'] ?? '').startsWith('application/vnd.ms-sync.wbxml');
  return {
    status,
    headers,
    body: isWbxml && raw.length > 0 ? decodeWbxml(raw) : undefined,
    text: isWbxml ? '' : raw.toString(),
  };
}
