import { randomBytes } from 'node:crypto';
import { childText, child, type WbxmlElement } from '../wbxml/index.js';

// MS-ASEMAIL 3.1.5.3 (16.0+): a client saves a draft as an Email Add in the Drafts folder with
// To/Cc/Bcc, Subject, Importance and a Body. IMAP stores messages, so the draft becomes a MIME
// message (RFC 5322 with RFC 2047 words for non-ASCII headers) appended with \Draft.

export interface DraftFields {
  readonly to?: string;
  readonly cc?: string;
  readonly bcc?: string;
  readonly subject?: string;
  /** 0 low, 1 normal, 2 high (MS-ASEMAIL 2.2.2.39). */
  readonly importance?: number;
  /** AirSyncBase:Type of the body: 1 plain text, 2 HTML. */
  readonly bodyType: number;
  readonly body: string;
}

export function draftFieldsOf(data: WbxmlElement): DraftFields {
  const body = child(data, 'AirSyncBase:Body');
  const importance = childText(data, 'Email:Importance');
  return {
    to: childText(data, 'Email:To'),
    cc: childText(data, 'Email:Cc'),
    bcc: childText(data, 'Email2:Bcc'),
    subject: childText(data, 'Email:Subject'),
    ...(importance !== undefined && /^[012]$/.test(importance) ? { importance: Number(importance) } : {}),
    bodyType: body ? Number(childText(body, 'AirSyncBase:Type') ?? 1) : 1,
    body: body ? (childText(body, 'AirSyncBase:Data') ?? '') : '',
  };
}

// What a 16.x Change may edit in a draft (MS-ASEMAIL 3.1.5.3); Read, Flag and Categories are flags.
const DRAFT_TAGS = [
  'Email:To',
  'Email:Cc',
  'Email2:Bcc',
  'Email:Subject',
  'Email:Importance',
  'AirSyncBase:Body',
  'Email2:Send',
] as const;

export function editsDraft(data: WbxmlElement): boolean {
  return DRAFT_TAGS.some((t) => child(data, t) !== undefined);
}

/** The draft as it is, with what the Change sends replacing it field by field. */
export function mergeDraft(existing: DraftFields, data: WbxmlElement): DraftFields {
  const changed = draftFieldsOf(data);
  const has = (tag: (typeof DRAFT_TAGS)[number]) => child(data, tag) !== undefined;
  return {
    to: has('Email:To') ? changed.to : existing.to,
    cc: has('Email:Cc') ? changed.cc : existing.cc,
    bcc: has('Email2:Bcc') ? changed.bcc : existing.bcc,
    subject: has('Email:Subject') ? changed.subject : existing.subject,
    ...((changed.importance ?? existing.importance) !== undefined
      ? { importance: changed.importance ?? existing.importance }
      : {}),
    bodyType: has('AirSyncBase:Body') ? changed.bodyType : existing.bodyType,
    body: has('AirSyncBase:Body') ? changed.body : existing.body,
  };
}

const IMPORTANCE_HEADER = ['low', 'normal', 'high'] as const;

export function draftToMime(draft: DraftFields, from: string, now: Date): Uint8Array {
  const headers = [
    `From: ${from}`,
    draft.to && `To: ${encodeAddresses(draft.to)}`,
    draft.cc && `Cc: ${encodeAddresses(draft.cc)}`,
    draft.bcc && `Bcc: ${encodeAddresses(draft.bcc)}`,
    `Subject: ${encodeHeader(draft.subject ?? '')}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@eas-gateway.draft>`,
    draft.importance !== undefined && draft.importance !== 1
      ? `Importance: ${IMPORTANCE_HEADER[draft.importance]}`
      : undefined,
    'MIME-Version: 1.0',
    `Content-Type: ${draft.bodyType === 2 ? 'text/html' : 'text/plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: base64',
  ].filter((h): h is string => typeof h === 'string' && h !== '');
  const body = Buffer.from(draft.body, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8');
}

/** Encodes only display names: an encoded word may not stand for an address (RFC 2047 5). */
function encodeAddresses(list: string): string {
  const items = list.match(/(?:"[^"]*"|[^,;])+/g) ?? [];
  return items
    .map((item) => {
      const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(item);
      if (!m) return item.trim();
      const name = (m[1] ?? '').trim();
      if (name === '') return `<${m[2]}>`;
      return `${isAscii(name) ? `"${name.replace(/"/g, '')}"` : encodeHeader(name)} <${m[2]}>`;
    })
    .filter((a) => a !== '')
    .join(', ');
}

function isAscii(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value);
}

/** RFC 2047 B-encoding for a header value with non-ASCII text; ASCII passes unchanged. */
function encodeHeader(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (isAscii(clean)) return clean;
  return `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}
