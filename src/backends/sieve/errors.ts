import { BackendTlsError, isTlsFailure } from '../tls.js';
import { BackendError, type BackendErrorKind } from '../types.js';
import type { SieveResult } from './protocol.js';

// RFC 5804 1.3 response codes with a meaning of their own.
const KIND_OF_CODE: Readonly<Record<string, BackendErrorKind>> = {
  NONEXISTENT: 'not-found',
  ALREADYEXISTS: 'exists',
  ACTIVE: 'conflict',
  QUOTA: 'quota',
  TRYLATER: 'temporary',
  // A refused login for these reasons is the gateway's configuration, not the user's password.
  'AUTH-TOO-WEAK': 'permanent',
  'ENCRYPT-NEEDED': 'permanent',
  'TRANSITION-NEEDED': 'permanent',
  REFERRAL: 'permanent',
};

/** A NO or BYE as a BackendError; a NO to AUTHENTICATE is a bad login unless it says TRYLATER. */
export function resultError(result: SieveResult, command: string): BackendError {
  const base = result.code?.split('/')[0];
  const byCode = base === undefined ? undefined : KIND_OF_CODE[base];
  let kind: BackendErrorKind;
  if (result.status === 'BYE') kind = 'temporary';
  else if (byCode) kind = byCode;
  else if (command === 'AUTHENTICATE') kind = 'auth';
  else kind = 'permanent';
  const code = result.code ? ` (${result.code})` : '';
  const text = result.text.trim() === '' ? '' : `: ${result.text.trim()}`;
  return new BackendError(kind, `ManageSieve ${command} ${result.status}${code}${text}`);
}

/** A socket or TLS failure: the server may be back on the next attempt. */
export function transportError(err: unknown, what: string): BackendError {
  if (err instanceof BackendError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (isTlsFailure(err)) return new BackendTlsError(`ManageSieve ${what}: TLS: ${detail}`, { cause: err });
  return new BackendError('temporary', `ManageSieve ${what}: ${detail}`, { cause: err });
}
