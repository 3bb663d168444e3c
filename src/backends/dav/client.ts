import { BackendError, type Credentials } from '../types.js';
import { DEFAULT_DAV_TIMEOUT_MS } from './config.js';
import { httpError, networkError, type DavOperation } from './errors.js';
import {
  failedStatuses,
  parseMultistatusDocument,
  type DavResponse,
  type MultistatusDocument,
} from './multistatus.js';
import type { DavWriteCondition } from '../types.js';

export interface DavClientOptions {
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface DavRequest {
  readonly method: string;
  readonly url: URL;
  readonly operation: DavOperation;
  readonly body?: string;
  readonly contentType?: string;
  readonly depth?: '0' | '1';
  readonly headers?: Readonly<Record<string, string>>;
}

interface DavReply {
  readonly status: number;
  readonly body: string;
  readonly etag: string | undefined;
  /** The DAV header: compliance classes (RFC 4918 10.1). */
  readonly dav: string | undefined;
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

  /** REPORT (RFC 3253 3.6) answered with a multistatus, e.g. sync-collection or a multiget. */
  async report(url: URL, depth: '0' | '1', body: string, signal?: AbortSignal): Promise<MultistatusDocument> {
    const reply = await this.send({ method: 'REPORT', url, operation: 'read', body, depth }, signal);
    return this.document(reply, url, 'REPORT');
  }

  /** PUT of one item; returns the new ETag when the server sends one (RFC 4791 5.3.4 may omit it). */
  async put(
    url: URL,
    body: string,
    contentType: string,
    condition: DavWriteCondition,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const headers: Record<string, string> =
      'ifMatch' in condition ? { 'if-match': condition.ifMatch } : { 'if-none-match': condition.ifNoneMatch };
    const operation = 'ifMatch' in condition ? 'update' : 'create';
    const reply = await this.send({ method: 'PUT', url, operation, body, contentType, headers }, signal);
    return reply.etag;
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

  /** OPTIONS: the compliance classes the server names in its DAV header, lower-cased. */
  async options(url: URL, signal?: AbortSignal): Promise<string[]> {
    const reply = await this.send({ method: 'OPTIONS', url, operation: 'read' }, signal);
    return (reply.dav ?? '')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '');
  }

  async delete(url: URL, signal?: AbortSignal, ifMatch?: string): Promise<void> {
    const headers = ifMatch === undefined ? undefined : { 'if-match': ifMatch };
    const reply = await this.send({ method: 'DELETE', url, operation: 'delete', headers }, signal);
    // RFC 4918 9.6.1: a 207 lists members that could not be deleted.
    if (reply.status === 207) {
      this.throwOnFailedStatus(this.multistatus(reply, url, 'DELETE'), 'delete', url, 'DELETE');
    }
  }

  private async send(req: DavRequest, signal: AbortSignal | undefined): Promise<DavReply> {
    const what = `${req.method} ${req.url.pathname}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { ...req.headers, authorization: this.authorization };
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/xml; charset=utf-8';
    if (req.depth !== undefined) headers.depth = req.depth;
    let status: number;
    let body: string;
    let etag: string | undefined;
    let dav: string | undefined;
    try {
      const res = await this.fetchImpl(req.url, {
        method: req.method,
        headers,
        body: req.body,
        signal: combined,
      });
      status = res.status;
      etag = res.headers.get('etag') ?? undefined;
      dav = res.headers.get('dav') ?? undefined;
      body = await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new BackendError('temporary', `${what}: no answer in ${this.timeoutMs} ms`, { cause: err });
      }
      throw networkError(err, what);
    }
    if (status < 200 || status > 299) throw httpError(status, req.operation, what, body);
    return { status, body, etag, dav };
  }

  private multistatus(reply: DavReply, url: URL, method: string): DavResponse[] {
    return this.document(reply, url, method).responses;
  }

  private document(reply: DavReply, url: URL, method: string): MultistatusDocument {
    try {
      return parseMultistatusDocument(reply.body);
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
