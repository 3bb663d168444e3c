import { createHash } from 'node:crypto';
import type { MailMessage } from '../mail-message.js';

// MS-ASEMAIL 2.2.2.15 ConversationId and 2.2.2.16 ConversationIndex (14.0+): phones group a thread
// by ConversationId. The thread's root Message-ID (first of References, else In-Reply-To, else the
// message's own) names it, so every reply lands in the conversation its root started.

export function conversationId(msg: MailMessage): Uint8Array {
  const root =
    firstMessageId(msg.headers.references) ??
    firstMessageId(msg.envelope.inReplyTo) ??
    msg.envelope.messageId ??
    normalisedSubject(msg.envelope.subject ?? '');
  return createHash('md5').update(root.toLowerCase()).digest();
}

/** Five bytes of the sent time as a FILETIME, as Outlook's Thread-Index header starts (MS-OXOMSG). */
export function conversationIndex(msg: MailMessage): Uint8Array {
  const date = msg.envelope.date ?? msg.internalDate;
  const filetime = (BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n;
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(filetime);
  return out.subarray(0, 5);
}

function firstMessageId(value: string | undefined): string | undefined {
  return value?.match(/<[^<>\s]+>/)?.[0];
}

function normalisedSubject(subject: string): string {
  return subject.replace(/^\s*((re|fw|fwd|aw|wg|sv|vs)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
}
