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

/** One ActiveSync request through fastify's inject(), as a device would send it. */
export async function eas(app: FastifyInstance, call: EasCall): Promise<EasAnswer> {
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
  const res = await app.inject({
    method: 'POST',
    url: `/Microsoft-Server-ActiveSync?${query}`,
    headers,
    payload,
  });
  const isWbxml = String(res.headers['content-type'] ?? '').startsWith('application/vnd.ms-sync.wbxml');
  return {
    status: res.statusCode,
    headers: res.headers,
    body: isWbxml && res.rawPayload.length > 0 ? decodeWbxml(res.rawPayload) : undefined,
    text: isWbxml ? '' : res.body,
  };
}
