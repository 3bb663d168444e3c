import { BackendTlsError, isTlsFailure } from '../tls.js';
import { BackendError, type BackendErrorKind } from '../types.js';

// RFC 5530 response codes with a meaning of their own; any other NO or BAD is 'permanent'.
const KIND_OF_RESPONSE_CODE: Readonly<Record<string, BackendErrorKind>> = {
  ALREADYEXISTS: 'exists',
  NONEXISTENT: 'not-found',
  OVERQUOTA: 'quota',
  LIMIT: 'quota',
  AUTHENTICATIONFAILED: 'auth',
  AUTHORIZATIONFAILED: 'auth',
  EXPIRED: 'auth',
  UNAVAILABLE: 'temporary',
  INUSE: 'temporary',
  SERVERBUG: 'temporary',
};

// imapflow's codes for a connection that failed, closed or timed out, and Node's socket codes.
const TRANSPORT_CODES: ReadonlySet<string> = new Set([
  'NoConnection',
  'EConnectionClosed',
  'StateLogout',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'LockTimeout',
  'ETHROTTLE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The properties imapflow puts on its errors (imapflow's `ImapFlowError`), all optional. */
interface ImapFlowErrorFields {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly responseStatus?: unknown;
  readonly serverResponseCode?: unknown;
  readonly authenticationFailed?: unknown;
  readonly tlsFailed?: unknown;
}

export function kindOfImapError(err: unknown): BackendErrorKind {
  if (err instanceof BackendError) return err.kind;
  const e: ImapFlowErrorFields = typeof err === 'object' && err !== null ? err : {};
  const responseCode =
    typeof e.serverResponseCode === 'string' ? e.serverResponseCode.toUpperCase() : undefined;
  const byCode = responseCode === undefined ? undefined : KIND_OF_RESPONSE_CODE[responseCode];
  // Dovecot answers LOGIN with NO [UNAVAILABLE] when its auth backend is down: not a bad password.
  if (byCode === 'temporary') return byCode;
  if (e.authenticationFailed === true) return 'auth';
  if (byCode) return byCode;
  // imapflow's STATUS turns NO for a mailbox that LIST no longer shows into code NotFound.
  if (e.code === 'NotFound') return 'not-found';
  if (typeof e.code === 'string' && TRANSPORT_CODES.has(e.code)) return 'temporary';
  if (e.tlsFailed === true || e.name === 'TimeoutError') return 'temporary';
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') return 'permanent';
  return 'temporary';
}

/** Wraps whatever imapflow threw; a BackendError passes through unchanged. */
export function toBackendError(err: unknown, what: string): BackendError {
  if (err instanceof BackendError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const responseText =
    typeof err === 'object' && err !== null && 'responseText' in err ? err.responseText : undefined;
  const text = typeof responseText === 'string' && responseText !== '' ? responseText : detail;
  // A missing STARTTLS or a certificate that does not verify: never retried in plaintext.
  if (isTlsFailure(err)) return new BackendTlsError(`${what}: TLS required: ${text}`, { cause: err });
  return new BackendError(kindOfImapError(err), `${what}: ${text}`, { cause: err });
}
