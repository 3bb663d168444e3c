import type { BodyFetch, FetchedBodies, MailMessage, MimePart } from '../mail-message.js';
import { bodyFetchKey } from '../mail-message.js';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { decodeText } from './decode.js';
import { htmlToText, textToHtml } from './html.js';
import { decodedSize, encodedBytesFor, type MessageParts } from './parts.js';

// MS-ASAIRS 2.2.2.9 Body and 2.2.2.8 BodyPreference: which body type the device gets, cut how.

export interface BodyPreference {
  readonly type: number;
  readonly truncationSize?: number;
  readonly allOrNone?: boolean;
  readonly preview?: number;
}

export interface BodyOptions {
  readonly versionRank: number;
  readonly bodyPreferences: readonly BodyPreference[];
  readonly mimeSupport: 0 | 1 | 2;
}

export const BodyType = { Plain: 1, Html: 2, Rtf: 3, Mime: 4 } as const;

// HTML shrinks when its tags go: fetch this much more of it to fill a plain-text truncation.
const HTML_TO_TEXT_MARGIN = 4;

interface BodyChoice {
  readonly type: number;
  readonly pref: BodyPreference;
  /** Where the text comes from; undefined for MIME (the whole source). */
  readonly part: MimePart | undefined;
}

export function chooseBody(parts: MessageParts, opts: BodyOptions): BodyChoice {
  const prefs = opts.bodyPreferences;
  const wants = (t: number) => prefs.find((p) => p.type === t);
  const mime = wants(BodyType.Mime);
  // MS-ASAIRS 2.2.2.8: MIME goes to clients that support it; MIMESupport 1 limits it to S/MIME.
  if (mime && (opts.mimeSupport === 2 || (opts.mimeSupport === 1 && parts.smime !== undefined)))
    return { type: BodyType.Mime, pref: mime, part: undefined };
  const html = wants(BodyType.Html);
  const plain = wants(BodyType.Plain);
  const nativeHtml = parts.html !== undefined && parts.plain === undefined;
  if (html && (nativeHtml || !plain))
    return { type: BodyType.Html, pref: html, part: parts.html ?? parts.plain };
  if (plain) return { type: BodyType.Plain, pref: plain, part: parts.plain ?? parts.html };
  return { type: BodyType.Plain, pref: { type: BodyType.Plain }, part: parts.plain ?? parts.html };
}

export function nativeBodyType(parts: MessageParts): number {
  return parts.html !== undefined ? BodyType.Html : BodyType.Plain;
}

export function bodyFetches(choice: BodyChoice, wantsPreview: boolean): BodyFetch[] {
  const limit = choice.pref.truncationSize;
  if (choice.type === BodyType.Mime)
    return [{ section: undefined, ...(limit !== undefined ? { maxBytes: limit } : {}) }];
  const part = choice.part;
  if (part === undefined) return [];
  let bytes = limit;
  if (bytes !== undefined && choice.type === BodyType.Plain && part.type === 'text/html')
    bytes *= HTML_TO_TEXT_MARGIN;
  // A preview needs a little text even when the body itself is withheld (AllOrNone).
  if (bytes !== undefined && wantsPreview) bytes = Math.max(bytes, 1024);
  return [
    { section: part.section, ...(bytes !== undefined ? { maxBytes: encodedBytesFor(part, bytes) } : {}) },
  ];
}

export function renderBody(
  msg: MailMessage,
  parts: MessageParts,
  choice: BodyChoice,
  bodies: FetchedBodies,
  opts: BodyOptions,
): WbxmlElement {
  const limit = choice.pref.truncationSize;
  let data: Buffer;
  let fullSize: number;
  let complete: boolean;
  if (choice.type === BodyType.Mime) {
    data = Buffer.from(bodies.get(bodyFetchKey({ section: undefined })) ?? new Uint8Array());
    fullSize = msg.size;
    complete = data.length >= msg.size;
  } else {
    const part = choice.part;
    const raw = part && bodies.get(bodyFetchKey({ section: part.section }));
    let text = part && raw ? decodeText(raw, part.encoding, part.params.charset) : '';
    if (choice.type === BodyType.Plain && part?.type === 'text/html') text = htmlToText(text);
    if (choice.type === BodyType.Html && part?.type === 'text/plain') text = textToHtml(text);
    if (parts.smime === 'encrypted')
      text = 'This message is encrypted (S/MIME). Open it in a mail app that can decrypt it.';
    data = Buffer.from(text, 'utf8');
    const encodedFull = part?.size ?? 0;
    complete = raw === undefined || raw.length >= encodedFull;
    fullSize = complete ? data.length : Math.max(data.length, part ? decodedSize(part) : 0);
  }
  const overLimit = limit !== undefined && fullSize > limit;
  const cut = limit !== undefined ? truncateUtf8(data, limit) : data;
  const withheld = overLimit && choice.pref.allOrNone === true;
  const truncated = overLimit || (!complete && cut.length < fullSize);
  const preview =
    opts.versionRank >= 140 && choice.pref.preview !== undefined && choice.pref.preview > 0
      ? previewOf(choice, data, choice.pref.preview)
      : undefined;
  return el(
    'AirSyncBase:Body',
    el('AirSyncBase:Type', choice.type),
    el('AirSyncBase:EstimatedDataSize', fullSize),
    truncated && el('AirSyncBase:Truncated', 1),
    !withheld && el('AirSyncBase:Data', cut.toString('utf8')),
    preview !== undefined && el('AirSyncBase:Preview', preview),
  );
}

function previewOf(choice: BodyChoice, data: Buffer, chars: number): string {
  let text = data.toString('utf8');
  if (choice.type === BodyType.Html) text = htmlToText(text);
  if (choice.type === BodyType.Mime) text = '';
  return [...text.replace(/\s+/g, ' ').trim()].slice(0, Math.min(chars, 255)).join('');
}

/** At most `limit` bytes, never splitting a UTF-8 sequence. */
export function truncateUtf8(data: Buffer, limit: number): Buffer {
  if (data.length <= limit) return data;
  let end = limit;
  while (end > 0 && ((data[end] as number) & 0xc0) === 0x80) end--;
  return data.subarray(0, end);
}
