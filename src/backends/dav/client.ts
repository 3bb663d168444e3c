import { BackendError, type Credentials } from '../types.js';
import { DEFAULT_DAV_TIMEOUT_MS } from './config.js';
import { httpError, networkError, type DavOperation } from './errors.js';
import { failedStatuses, parseMultistatus, type DavResponse } from './multistatus.js';

export interface DavClientOptions {
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface DavRequest {
  readonly method: string;
  readonly url: URL;
  readonly operation: DavOperation;
  readonly body?: string;
  readonly depth?: '0' | '1';
}

interface DavReply {
  readonly status: number;
  readonly body: string;
}

/** The WebDAV methods the collection store needs, over fetch, with Basic auth for one user. */
export class DavClient {
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(credentials: Credentials, options: DavClientOptions = {}) {
    const pair = Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64');
    this.authorization = `Basic ${pair}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DAV_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async propfind(url: URL, depth: '0' | '1', body: string, signal?: AbortSignal): Promise<DavResponse[]> {
    const reply = await this.send({ method: 'PROPFIND', url, operation: 'read', body, depth }, signal);
    return this.multistatus(reply, url, 'PROPFIND');
  }

  async mkcalendar(url: URL, body: string, signal?: AbortSignal): Promise<void> {
    await this.send({ method: 'MKCALENDAR', url, operation: 'create', body }, signal);
  }

  /** Extended MKCOL (RFC 5689) when a body is given. */
  async mkcol(url: URL, body: string, signal?: AbortSignal): Promise<void> {
    await this.send({ method: 'MKCOL', url, operation: 'create', body }, signal);
  }

  async proppatch(url: URL, body: string, signal?: AbortSignal): Promise<void> {
    const reply = await this.send({ method: 'PROPPATCH', url, operation: 'update', body }, signal);
    // RFC 4918 9.2: PROPPATCH answers 207 even when a property could not be set.
    if (reply.status === 207) {
      this.throwOnFailedStatus(this.multistatus(reply, url, 'PROPPATCH'), 'update', url, 'PROPPATCH');
    }
  }

  async delete(url: URL, signal?: AbortSignal): Promise<void> {
    const reply = await this.send({ method: 'DELETE', url, operation: 'delete' }, signal);
    // RFC 4918 9.6.1: a 207 lists members that could not be deleted.
    if (reply.status === 207) {
      this.throwOnFailedStatus(this.multistatus(reply, url, 'DELETE'), 'delete', url, 'DELETE');
    }
  }

  private async send(req: DavRequest, signal: AbortSignal | undefined): Promise<DavReply> {
    const what = `${req.method} ${req.url.pathname}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { authorization: this.authorization };
    if (req.body !== undefined) headers['content-type'] = 'application/xml; charset=utf-8';
    if (req.depth !== undefined) headers.depth = req.depth;
    let status: number;
    let body: string;
    try {
      const res = await this.fetchImpl(req.url, {
        method: req.method,
        headers,
        body: req.body,
        signal: combined,
      });
      status = res.status;
      body = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new BackendError('temporary', `${what}: no answer in ${this.timeoutMs} ms`, { cause: err });
      }
      throw networkError(err, what);
    }
    if (status < 200 || status > 299) throw httpError(status, req.operation, what, body);
    return { status, body };
  }

  private multistatus(reply: DavReply, url: URL, method: string): DavResponse[] {
    try {
      return parseMultistatus(reply.body);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new BackendError('permanent', `${method} ${url.pathname}: unreadable multistatus: ${detail}`, {
        cause: err,
      });
    }
  }

  private throwOnFailedStatus(
    responses: DavResponse[],
    operation: DavOperation,
    url: URL,
    method: string,
  ): void {
    // 424 Failed Dependency marks the properties that failed only because another one did.
    const failed = responses.flatMap(failedStatuses);
    const first = failed.find((s) => s !== 424) ?? failed[0];
    if (first !== undefined) throw httpError(first, operation, `${method} ${url.pathname}`);
  }
}
