import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encode as base64, wrap } from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import { childText, child, xmlSafeText, type TagRef, type WbxmlElement } from '../wbxml/index.js';

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
  // Free text the device reads back when it syncs the draft: characters XML forbids are replaced.
  const field = (tag: TagRef): string | undefined => {
    const v = childText(data, tag);
    return v === undefined ? undefined : xmlSafeText(v);
  };
  return {
    to: field('Email:To'),
    cc: field('Email:Cc'),
    bcc: field('Email2:Bcc'),
    subject: field('Email:Subject'),
    ...(importance !== undefined && /^[012]$/.test(importance) ? { importance: Number(importance) } : {}),
    bodyType: body ? Number(childText(body, 'AirSyncBase:Type') ?? 1) : 1,
    body: body ? xmlSafeText(childText(body, 'AirSyncBase:Data') ?? '') : '',
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

/**
 * The draft as RFC 5322, headers written by nodemailer's composer and addresses read by its
 * address parser, so no text of the device ends up in a header it did not belong to: line breaks
 * in a field are unfolded (RFC 5322 2.2.3) before parsing, display names become RFC 2047 words,
 * and each address list is written by the composer, not pasted. The body is base64 UTF-8.
 */
export function draftToMime(draft: DraftFields, from: string, now: Date): Uint8Array {
  const node = new MailComposer({
    from,
    to: addresses(draft.to),
    cc: addresses(draft.cc),
    bcc: addresses(draft.bcc),
    subject: unfold(draft.subject ?? ''),
    date: now,
    messageId: `<${randomBytes(12).toString('hex')}@eas-gateway.draft>`,
    ...(draft.importance !== undefined && draft.importance !== 1
      ? { headers: { Importance: IMPORTANCE_HEADER[draft.importance] ?? 'normal' } }
      : {}),
    ...(draft.bodyType === 2 ? { html: draft.body } : { text: draft.body }),
    // Also makes RFC 2047 words B-encoded, as before.
    textEncoding: 'base64',
  }).compile();
  // A draft keeps its Bcc (the device shows it when the draft is opened again); sending strips it.
  node.keepBcc = true;
  // The composer picks 7bit for ASCII text; the body below is always base64, so say so.
  node.setHeader('Content-Transfer-Encoding', 'base64');
  // buildHeaders is the composer's synchronous half; the single text part's body is its base64.
  return Buffer.from(`${node.buildHeaders()}\r\n\r\n${wrap(base64(draft.body), 76)}\r\n`, 'utf8');
}

function unfold(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

function addresses(list: string | undefined): addressparser.Address[] | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  // Devices separate with ';' as Outlook does; the parser reads ',' (and ';' only in groups).
  return addressparser(unfold(list).replace(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/g, ','), { flatten: true });
}
