import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { BackendError } from './types.js';

/** What every backend connection takes from the operator's TLS settings. */
export type BackendTlsOptions = Pick<ConnectionOptions, 'rejectUnauthorized' | 'ca'>;

/**
 * TLS options for a backend: verification as configured, and the trusted roots with one more CA
 * file (PEM) when given. An explicit `ca` replaces Node's default store, so Node's bundled roots
 * and the certificates of NODE_EXTRA_CA_CERTS are added back.
 */
export function backendTlsOptions(verify: boolean, caFile: string | undefined): BackendTlsOptions {
  if (caFile === undefined) return { rejectUnauthorized: verify };
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  const ca = [
    ...rootCertificates,
    ...(extra ? [readFileSync(extra, 'utf8')] : []),
    readFileSync(caFile, 'utf8'),
  ];
  return { rejectUnauthorized: verify, ca };
}

/**
 * TLS was required and could not be had: the server offers no STARTTLS, the handshake failed, or
 * its certificate did not verify. 'temporary' (503 / a retry status for the device) since the
 * device can do nothing about it; the message says what the operator has to fix.
 */
export class BackendTlsError extends BackendError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('temporary', message, options);
  }
}

// OpenSSL's certificate verification results as Node reports them, and Node's own TLS codes.
const CERTIFICATE_CODE = /CERT|ISSUER|LEAF_SIGNATURE|SELF_SIGNED|HOSTNAME_MISMATCH|^ERR_(SSL|TLS)_/;

interface TlsErrorFields {
  readonly code?: unknown;
  /** nodemailer keeps the socket's code here (its own code is ESOCKET). */
  readonly originalCode?: unknown;
  readonly tlsFailed?: unknown;
  readonly cause?: unknown;
}

/**
 * Whether an error (or one of its causes) is a TLS failure: a certificate that did not verify, a
 * failed handshake, or imapflow's and nodemailer's "STARTTLS required but not possible"
 * (`tlsFailed`, code ETLS).
 */
export function isTlsFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const fields: TlsErrorFields = e;
    if (fields.tlsFailed === true || fields.code === 'ETLS') return true;
    for (const code of [fields.code, fields.originalCode])
      if (typeof code === 'string' && CERTIFICATE_CODE.test(code)) return true;
    e = fields.cause;
  }
  return false;
}
