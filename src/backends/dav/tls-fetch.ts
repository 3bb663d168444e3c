import { Agent, request } from 'node:https';
import type { BackendTlsOptions } from '../tls.js';

/**
 * A `fetch` for DavClient over node:https with TLS options of its own (an extra CA, verification
 * off). Node's global fetch takes no TLS options without the undici package's Agent; this covers
 * what DavClient uses: method, string headers and body, an AbortSignal; status, headers, text.
 * Like DavClient's servers, it follows no redirects (a 3xx is an answer of its own).
 */
export function tlsFetch(tls: BackendTlsOptions): typeof fetch {
  const agent = new Agent({ keepAlive: true, ...tls });
  const davFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = request(
        url,
        { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const reply = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : [value ?? '']) reply.append(name, v);
            }
            // The Fetch standard's null-body statuses take no body.
            const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: reply }));
          });
        },
      );
      req.on('error', reject);
      req.end(typeof init.body === 'string' ? init.body : undefined);
    });
  return davFetch as typeof fetch;
}
