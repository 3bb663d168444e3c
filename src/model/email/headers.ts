import type { MailAddress, MailMessage } from '../mail-message.js';
import { decodeHeaderText, decodeWords } from './decode.js';

// Envelope and header fields as MS-ASEMAIL shows them: address lists, dates, importance, topic.

function quoteName(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One address as RFC 5322 3.4 writes it: `"Name" <addr>`, or the bare address without a name. */
export function formatAddress(a: MailAddress): string | undefined {
  const address = a.address === undefined ? undefined : decodeWords(a.address).trim();
  if (!address) return undefined;
  const name = a.name === undefined ? '' : decodeWords(a.name).trim();
  return name && name !== address ? `${quoteName(name)} <${address}>` : address;
}

/** MS-ASEMAIL To / Cc / From / ReplyTo: a comma-separated RFC 5322 address list. */
export function formatAddressList(list: readonly MailAddress[]): string | undefined {
  const parts = list.map(formatAddress).filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** MS-ASEMAIL DisplayTo: the display names of the To recipients, separated by semicolons. */
export function displayTo(list: readonly MailAddress[]): string | undefined {
  const names = list
    .map(
      (a) => (a.name ? decodeWords(a.name).trim() : '') || (a.address ? decodeWords(a.address).trim() : ''),
    )
    .filter((s) => s !== '');
  return names.length > 0 ? names.join('; ') : undefined;
}

/** MS-ASDTYPE 2.3 dateTime, as EAS writes it: `YYYY-MM-DDTHH:MM:SS.000Z`. */
export function easDateTime(date: Date): string {
  const t = date.getTime();
  const safe = Number.isFinite(t) ? Math.floor(t / 1000) * 1000 : 0;
  return new Date(safe).toISOString();
}

export function headerText(msg: MailMessage, name: string): string | undefined {
  const raw = msg.headers[name];
  if (raw === undefined) return undefined;
  const text = decodeHeaderText(raw).trim();
  return text === '' ? undefined : text;
}

/** The subject, decoded if the backend left encoded words in it. */
export function subjectOf(msg: MailMessage): string | undefined {
  const s = msg.envelope.subject;
  return s === undefined ? undefined : decodeWords(s);
}

// Reply / forward prefixes in the languages mail clients commonly write them.
const PREFIX =
  /^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|ref|tr|rif|enc|res|odp|pd|r|i)\s*(?:\[\d+\])?\s*[:：]\s*)+/i;

/** The subject without reply/forward prefixes (MS-OXCMSG normalised subject). */
export function normalizeSubject(subject: string): string {
  let s = subject;
  for (let i = 0; i < 10; i++) {
    const next = s.replace(PREFIX, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

/** MS-ASEMAIL ThreadTopic: Outlook's Thread-Topic header when present, else the normalised subject. */
export function threadTopic(msg: MailMessage): string | undefined {
  const header = headerText(msg, 'thread-topic');
  if (header !== undefined) return header;
  const subject = subjectOf(msg);
  return subject === undefined ? undefined : normalizeSubject(subject);
}

/**
 * MS-ASEMAIL Importance: 0 low, 1 normal, 2 high. Read from Importance (RFC 2156), then
 * X-Priority (1-2 high, 4-5 low), X-MSMail-Priority and Priority (RFC 2156: urgent / non-urgent).
 */
export function importance(msg: MailMessage): 0 | 1 | 2 {
  const imp = headerText(msg, 'importance')?.toLowerCase();
  if (imp?.startsWith('high')) return 2;
  if (imp?.startsWith('low')) return 0;
  if (imp?.startsWith('normal')) return 1;
  const xp = /^\s*(\d)/.exec(headerText(msg, 'x-priority') ?? '')?.[1];
  if (xp !== undefined) {
    const n = Number(xp);
    if (n >= 1 && n <= 2) return 2;
    if (n >= 4 && n <= 5) return 0;
    if (n === 3) return 1;
  }
  const ms = headerText(msg, 'x-msmail-priority')?.toLowerCase();
  if (ms?.startsWith('high')) return 2;
  if (ms?.startsWith('low')) return 0;
  const p = headerText(msg, 'priority')?.toLowerCase();
  if (p?.startsWith('urgent')) return 2;
  if (p?.startsWith('non-urgent')) return 0;
  return 1;
}

/** Message-IDs (`<id>` tokens) of a References / In-Reply-To value, brackets removed. */
export function messageIds(value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!);
  if (ids.length > 0) return ids;
  const bare = value.trim();
  return bare && !/\s/.test(bare) ? [bare] : [];
}
