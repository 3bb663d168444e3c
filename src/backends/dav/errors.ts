import { BackendTlsError, isTlsFailure } from '../tls.js';
import { BackendError, type BackendErrorKind } from '../types.js';

/** What a request was doing: 403 and 405 mean "already there" only when creating. */
export type DavOperation = 'read' | 'create' | 'update' | 'delete';

export function kindOfHttpStatus(status: number, operation: DavOperation, body = ''): BackendErrorKind {
  if (status === 401) return 'auth';
  if (status === 404 || status === 410) return 'not-found';
  // RFC 4791 5.3.1.1, RFC 5689 3.3: MKCALENDAR / extended MKCOL name the precondition (Radicale
  // with 409, the RFCs' examples with 403).
  if (
    operation === 'create' &&
    (status === 403 || status === 409) &&
    body.includes('resource-must-be-null')
  ) {
    return 'exists';
  }
  if (status === 409) return 'conflict';
  if (status === 412) return 'precondition';
  if (status === 507) return 'quota';
  if (status === 408 || status === 423 || status === 429 || status >= 500) return 'temporary';
  // RFC 4918 9.3.1: MKCOL on an existing resource is 405 (and 409 above is a missing parent).
  if (operation === 'create' && status === 405) return 'exists';
  return 'permanent';
}

/** A failure the server answered with an HTTP status, kept for callers that tell 403 from 400. */
export class DavHttpError extends BackendError {
  constructor(
    readonly status: number,
    operation: DavOperation,
    what: string,
    body = '',
  ) {
    super(kindOfHttpStatus(status, operation, body), `${what}: HTTP ${status}`);
  }
}

export function httpError(status: number, operation: DavOperation, what: string, body = ''): BackendError {
  return new DavHttpError(status, operation, what, body);
}

/**
 * 401, 403 or 404 where the user's principal or home should be: the login is valid (the mail
 * server checked it) but this user has no DAV account there.
 */
export function meansNoAccount(err: unknown): boolean {
  if (!(err instanceof BackendError)) return false;
  if (err.kind === 'auth' || err.kind === 'not-found') return true;
  return err instanceof DavHttpError && err.status === 403;
}

/** fetch rejects with a TypeError whose cause is the socket error when the server is unreachable. */
export function networkError(err: unknown, what: string): BackendError {
  if (err instanceof BackendError) return err;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (isTlsFailure(err)) return new BackendTlsError(`${what}: TLS: ${detail}`, { cause: err });
  return new BackendError('temporary', `${what}: ${detail}`, { cause: err });
}
