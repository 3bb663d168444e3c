import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP forwarder on loopback in front of a real server, switched by the test:
 * - 'forward': passes every request on (headers the DAV client sends, body, status, ETag, DAV);
 * - 'down': drops the connection, as a server that crashed (fetch fails, no HTTP status);
 * - 'no-account': answers 401 to everything, as a server where the user has no account.
 */
export type ProxyMode = 'forward' | 'down' | 'no-account';

const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'depth', 'if-match', 'if-none-match'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'etag', 'dav'];

export class SwitchableProxy {
  mode: ProxyMode = 'forward';
  /** Requests seen, whatever the mode. */
  requests = 0;

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
  ) {}

  static async start(upstream: string): Promise<SwitchableProxy> {
    const server = createServer();
    const proxy = new SwitchableProxy(server, new URL(upstream));
    server.on('request', (req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    if (this.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (this.mode === 'no-account') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await fetch(new URL(req.url ?? '/', this.upstream), {
        method: req.method,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const out: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = answer.headers.get(name);
        if (value !== null) out[name] = value;
      }
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  }
}
