import nodemailer from 'nodemailer';
import { BackendTlsError, isTlsFailure, type BackendTlsOptions } from '../tls.js';
import {
  BackendError,
  type BackendErrorKind,
  type Credentials,
  type MailSubmitter,
  type SmtpEnvelope,
} from '../types.js';

// Submission (RFC 6409) as the user, with the credentials the device presented: the SMTP server
// applies its own sender checks. The message goes as it is (`raw`), so S/MIME signatures survive.

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (465, RFC 8314). */
  readonly secure: boolean;
  /**
   * Without `secure`: true requires STARTTLS (nodemailer's requireTLS: no AUTH before it), false
   * never upgrades, unset upgrades when the server offers it (an attacker can strip that offer).
   */
  readonly startTls?: boolean;
  /** Verification on unless `rejectUnauthorized: false`. */
  readonly tls?: BackendTlsOptions;
  readonly timeoutMs?: number;
}

export class NodemailerSubmitter implements MailSubmitter {
  constructor(
    private readonly config: SmtpConfig,
    private readonly credentials: Credentials,
  ) {}

  async submit(message: Uint8Array, envelope: SmtpEnvelope, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const timeout = this.config.timeoutMs ?? 30_000;
    const transport = nodemailer.createTransport({
      host: this.config.host,
      port: this.config.port,
      secure: this.config.secure,
      requireTLS: this.config.startTls === true,
      ignoreTLS: this.config.startTls === false,
      auth: { user: this.credentials.user, pass: this.credentials.password },
      tls: { rejectUnauthorized: true, ...this.config.tls },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    try {
      await transport.sendMail({
        envelope: { from: envelope.from, to: [...envelope.to] },
        raw: Buffer.from(message),
      });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (isTlsFailure(err)) {
        throw new BackendTlsError(`SMTP ${this.config.host}:${this.config.port}: TLS required: ${detail}`, {
          cause: err,
        });
      }
      throw new BackendError(kindOfSmtpError(err), `SMTP: ${detail}`, { cause: err });
    } finally {
      transport.close();
    }
  }
}

/** nodemailer's error codes and the SMTP reply code (RFC 5321 4.2.1: 4xx transient, 5xx permanent). */
export function kindOfSmtpError(err: unknown): BackendErrorKind {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    code?: unknown;
    responseCode?: unknown;
  };
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (e.code === 'EAUTH') return 'auth';
  if (reply === 552 || reply === 452) return 'quota';
  if (reply !== undefined && reply >= 400 && reply < 500) return 'temporary';
  if (e.code === 'EENVELOPE' && reply !== undefined && reply >= 500) return 'precondition';
  if (reply !== undefined && reply >= 500) return 'permanent';
  return 'temporary';
}
