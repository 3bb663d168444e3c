import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import {
  BackendError,
  type BackendErrorKind,
  type Credentials,
  type MailSubmitter,
  type SmtpEnvelope,
  type SubmitOutcome,
} from '../types.js';

// Submission (RFC 6409) as the user, with the credentials the device presented: the SMTP server
// applies its own sender checks. The message goes as it is (`raw`), so S/MIME signatures survive.

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (465); otherwise STARTTLS when offered. */
  readonly secure: boolean;
  readonly rejectUnauthorized?: boolean;
  readonly timeoutMs?: number;
}

export class NodemailerSubmitter implements MailSubmitter {
  constructor(
    private readonly config: SmtpConfig,
    private readonly credentials: Credentials,
  ) {}

  async submit(message: Uint8Array, envelope: SmtpEnvelope, signal?: AbortSignal): Promise<SubmitOutcome> {
    signal?.throwIfAborted();
    const timeout = this.config.timeoutMs ?? 30_000;
    // The server's bytes after nodemailer read the message to its end: the only reply that can
    // come then is the one to the message itself (RFC 5321 4.1.1.4), so a failure after some of it
    // arrived means the server had the whole message. Seen on our own socket, which nodemailer
    // connects (and upgrades to TLS) itself.
    const socket = new Socket();
    const transport = nodemailer.createTransport({
      host: this.config.host,
      port: this.config.port,
      secure: this.config.secure,
      auth: { user: this.credentials.user, pass: this.credentials.password },
      tls: { rejectUnauthorized: this.config.rejectUnauthorized ?? true },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      getSocket: (_options, callback) => callback(null, { socket }),
    });
    let readAtEnd: number | undefined;
    const raw = Readable.from([Buffer.from(message)]).on('end', () => (readAtEnd = socket.bytesRead));
    try {
      await transport.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw });
      return 'accepted';
    } catch (err) {
      const kind = kindOfSmtpError(err);
      const answered = readAtEnd !== undefined && socket.bytesRead > readAtEnd;
      if (answered && kind === 'temporary' && replyCodeOf(err) === undefined) return 'unconfirmed';
      throw new BackendError(kind, `SMTP: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    } finally {
      transport.close();
    }
  }
}

function replyCodeOf(err: unknown): number | undefined {
  const code =
    typeof err === 'object' && err !== null ? (err as { responseCode?: unknown }).responseCode : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** nodemailer's error codes and the SMTP reply code (RFC 5321 4.2.1: 4xx transient, 5xx permanent). */
export function kindOfSmtpError(err: unknown): BackendErrorKind {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown };
  const reply = replyCodeOf(err);
  if (e.code === 'EAUTH') return 'auth';
  if (reply === 552 || reply === 452) return 'quota';
  if (reply !== undefined && reply >= 400 && reply < 500) return 'temporary';
  if (e.code === 'EENVELOPE' && reply !== undefined && reply >= 500) return 'precondition';
  if (reply !== undefined && reply >= 500) return 'permanent';
  return 'temporary';
}
