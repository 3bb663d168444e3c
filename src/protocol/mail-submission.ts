import { BackendError } from '../backends/types.js';
import type { OutgoingMessage } from '../model/outgoing.js';
import type { CommandContext } from './context.js';
import { CommonStatus, EasError } from './status.js';

// Handing a prepared message to SMTP and filing the Sent copy: shared by SendMail, SmartReply,
// SmartForward and a 16.x draft sent from Sync (Email2:Send).

// Common status codes of MS-ASCMD 2.2.2 that only sending uses.
export const SendStatus = {
  MessageHasNoRecipient: 119,
  MailSubmissionFailed: 120,
  SendQuotaExceeded: 115,
} as const;

export async function submitMessage(ctx: CommandContext, out: OutgoingMessage): Promise<void> {
  const submitter = ctx.backends.submitter;
  if (submitter === undefined) throw new EasError(CommonStatus.ServerError, 'no SMTP server is configured');
  try {
    await submitter.submit(out.message, { from: out.from, to: out.recipients }, ctx.signal);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.metrics?.backendError(err.kind);
    // MS-ASCMD 2.2.2: a transient SMTP failure is "retry later"; nothing was sent or stored.
    if (err.kind === 'temporary')
      throw new EasError(CommonStatus.ServerErrorRetryLater, err.message, { cause: err });
    if (err.kind === 'quota') throw new EasError(SendStatus.SendQuotaExceeded, err.message, { cause: err });
    throw new EasError(SendStatus.MailSubmissionFailed, err.message, { cause: err });
  }
  ctx.metrics?.itemsSent('Email', 'submitted', 1);
}

/** The copy in Sent (SPECIAL-USE \Sent) every device then syncs; the mail is out, so this only logs. */
export async function fileInSent(ctx: CommandContext, out: OutgoingMessage): Promise<void> {
  if (ctx.settings.smtpSavesSent === true) return;
  const store = ctx.backends.mail;
  try {
    const sent = (await store.listFolders(ctx.signal)).find((f) => f.role === 'sent');
    if (sent !== undefined) await store.appendMessage(sent.key, out.message, ['\\Seen'], ctx.signal);
  } catch (err) {
    ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sent, but the Sent copy failed');
  }
}
