import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { MailMessage } from '../mail-message.js';
import { headerText, messageIds, normalizeSubject, subjectOf } from './headers.js';

// MS-ASCON conversations. The server owns the ids (the client MUST NOT change them, MS-ASCON
// 2.2.2.3.3), so they only have to be stable and shared by every message of a thread.

/**
 * What identifies the thread: its first message. References lists the ancestors root first (RFC
 * 5322 3.6.4), a reply without References names its parent in In-Reply-To, a message that starts
 * a thread is its own root; mail without any ids is grouped by normalised subject.
 */
export function threadRoot(msg: MailMessage): string {
  const refs = messageIds(msg.headers['references']);
  if (refs.length > 0) return `id:${refs[0]!}`;
  const parent = messageIds(msg.headers['in-reply-to'] ?? msg.envelope.inReplyTo);
  if (parent.length > 0) return `id:${parent[0]!}`;
  const own = messageIds(msg.envelope.messageId);
  if (own.length > 0) return `id:${own[0]!}`;
  const subject = subjectOf(msg);
  if (subject !== undefined && normalizeSubject(subject) !== '')
    return `subject:${normalizeSubject(subject).toLowerCase()}`;
  return `uid:${msg.uid}:${msg.internalDate.getTime()}`;
}

/** MS-ASCON 2.2.2.3.3 ConversationId: 16 opaque bytes, here a hash of the thread root. */
export function conversationId(msg: MailMessage): Uint8Array {
  return createHash('sha256').update(threadRoot(msg), 'utf8').digest().subarray(0, 16);
}

/** 100 ns intervals from 1601-01-01 to 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;

/**
 * MS-ASCON 2.2.2.4 ConversationIndex: a 5-byte header derived from the time the thread started,
 * then 5 bytes per response level. Outlook's Thread-Index header (MS-OXOMSG 2.2.1.3: 22-byte
 * header with the time in bytes 1-5 and a GUID, then the same 5-byte levels) carries exactly that,
 * so it is used when present; otherwise the message's own date gives the header.
 */
export function conversationIndex(msg: MailMessage): Uint8Array {
  const fromHeader = fromThreadIndex(headerText(msg, 'thread-index'));
  if (fromHeader) return fromHeader;
  const date = msg.envelope.date ?? msg.internalDate;
  const ms = Number.isFinite(date.getTime()) ? BigInt(date.getTime()) : 0n;
  const filetime = ms * 10000n + FILETIME_UNIX_EPOCH;
  // The 40 most significant bits of the FILETIME, big-endian (MS-OXOMSG 2.2.1.3).
  const top = filetime >> 24n;
  const out = Buffer.alloc(5);
  for (let i = 0; i < 5; i++) out[i] = Number((top >> BigInt(8 * (4 - i))) & 0xffn);
  return out;
}

function fromThreadIndex(value: string | undefined): Uint8Array | undefined {
  if (value === undefined || !/^[A-Za-z0-9+/=\s]+$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/\s+/g, ''), 'base64');
  if (bytes.length < 22 || (bytes.length - 22) % 5 !== 0) return undefined;
  return Buffer.concat([bytes.subarray(1, 6), bytes.subarray(22)]);
}
