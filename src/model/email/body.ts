import { Buffer } from 'node:buffer';
import libmime from 'libmime';
import { bodyFetchKey, type BodyFetch, type FetchedBodies, type MimePart } from '../mail-message.js';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { decodeText } from './decode.js';
import { htmlToText, textToHtml } from './html.js';
import { V14_0, type BodyPreference, type EmailRenderOptions, type RenderedBodyType } from './options.js';
import { estimateDecodedSize, type MessageParts } from './structure.js';

// MS-ASAIRS 2.2.2.9 Body: choosing the body type from the client's BodyPreference list, deciding
// which bytes the backend must fetch for it, and building the element with truncation.

export interface TextSource {
  readonly part: MimePart;
  readonly format: 'plain' | 'html';
}

export type BodyContent =
  | { readonly kind: 'mime' }
  | { readonly kind: 'part'; readonly source: TextSource }
  /** Text the server writes itself (an encrypted message it cannot show). */
  | { readonly kind: 'notice'; readonly text: string }
  | { readonly kind: 'empty' };

export interface BodyPlan {
  readonly type: RenderedBodyType;
  /** The preference whose truncation settings apply. */
  readonly pref: BodyPreference;
  readonly content: BodyContent;
  /** Characters of Preview to send (14.0+), and the text they come from. */
  readonly preview?: { readonly chars: number; readonly source?: TextSource };
}

const ENCRYPTED_NOTICE =
  'This message is encrypted with S/MIME. It can only be read on a device that has the recipient\u2019s certificate and private key.';

/** MS-ASAIRS 2.2.2.35.4: a Preview is at most 255 characters. */
const MAX_PREVIEW = 255;

export function planBody(parts: MessageParts, opts: EmailRenderOptions): BodyPlan {
  const prefs = opts.bodyPreferences;
  // MS-ASCMD 2.2.3.110.3 MIMESupport: 2 asks for MIME for every message, 1 only for S/MIME ones.
  // With it the client states outright that it wants MIME, so a type 4 preference wins over the
  // others wherever it is in the list; S/MIME messages must reach the client untouched this way.
  const mimeAllowed = opts.mimeSupport === 2 || (opts.mimeSupport === 1 && parts.smime !== 'none');
  const mimePref = prefs.find((p) => p.type === 4);
  const textPref = prefs.find((p) => p.type === 1 || p.type === 2);
  let type: RenderedBodyType;
  let pref: BodyPreference;
  if (mimeAllowed && mimePref) {
    type = 4;
    pref = mimePref;
  } else {
    // RTF (3) is not offered: IMAP mail has no RTF body, and converting to RTF helps nobody.
    // With no usable preference at all the client gets plain text, untruncated unless the
    // preference it did send says otherwise.
    pref = textPref ?? prefs[0] ?? { type: 1 };
    type = textPref?.type === 2 ? 2 : 1;
  }
  const previewSource = source(parts.plain, 'plain') ?? source(parts.html, 'html');
  let content: BodyContent;
  if (type === 4) content = { kind: 'mime' };
  else if (parts.smime === 'opaque') {
    type = 1;
    content = { kind: 'notice', text: ENCRYPTED_NOTICE };
  } else {
    const chosen =
      type === 2
        ? (source(parts.html, 'html') ?? source(parts.plain, 'plain'))
        : (source(parts.plain, 'plain') ?? source(parts.html, 'html'));
    content = chosen ? { kind: 'part', source: chosen } : { kind: 'empty' };
  }
  const chars = opts.versionRank >= V14_0 ? Math.min(pref.preview ?? 0, MAX_PREVIEW) : 0;
  return {
    type,
    pref,
    content,
    ...(chars > 0 ? { preview: { chars, ...(previewSource ? { source: previewSource } : {}) } } : {}),
  };
}

function source(part: MimePart | undefined, format: 'plain' | 'html'): TextSource | undefined {
  return part ? { part, format } : undefined;
}

/** Fetches for the body and its preview: the chosen part, or the whole source for MIME. */
export function bodyFetches(plan: BodyPlan, messageSize: number): BodyFetch[] {
  const out: BodyFetch[] = [];
  const { truncationSize } = plan.pref;
  if (plan.content.kind === 'mime') {
    // MIME truncation counts bytes of the message source (MS-ASAIRS 2.2.2.40.2).
    const cut = truncationSize !== undefined && truncationSize < messageSize;
    if (!(cut && plan.pref.allOrNone))
      out.push({ section: undefined, ...(cut ? { maxBytes: truncationSize } : {}) });
  } else if (plan.content.kind === 'part') {
    const { part, format } = plan.content.source;
    // One byte past the limit tells whether the body exceeds it.
    const need = truncationSize === undefined ? undefined : truncationSize + 1;
    out.push(partFetch(part, need, format === 'html' && plan.type === 1));
  }
  if (plan.preview?.source) {
    const { part, format } = plan.preview.source;
    out.push(partFetch(part, plan.preview.chars * 4, format === 'html'));
  }
  return mergeFetches(out);
}

/** A fetch of `part` large enough for `decodedBytes` of UTF-8 text after decoding (all of it if undefined). */
function partFetch(part: MimePart, decodedBytes: number | undefined, fromHtml: boolean): BodyFetch {
  if (decodedBytes === undefined) return { section: part.section };
  // Tags, styles and scripts vanish when HTML becomes text; how much is unknowable beforehand.
  let n = fromHtml ? decodedBytes * 4 + 16_384 : decodedBytes;
  const charset = (part.params.charset ?? '').toLowerCase();
  // UTF-8 output is at least as long as single-byte input; UTF-16/32 and ISO-2022 escapes are not.
  if (/^(?:utf-?(?:16|32)|ucs)/.test(charset)) n *= 4;
  else if (/2022/.test(charset)) n *= 2;
  if (part.encoding === 'base64') n = Math.ceil(n / 3) * 4 * (78 / 76);
  else if (part.encoding === 'quoted-printable') n *= 3;
  const maxBytes = Math.ceil(n) + 256;
  if (part.size !== undefined && maxBytes >= part.size) return { section: part.section };
  return { section: part.section, maxBytes };
}

function mergeFetches(fetches: readonly BodyFetch[]): BodyFetch[] {
  const byKey = new Map<string, BodyFetch>();
  for (const f of fetches) {
    const key = bodyFetchKey(f);
    const prev = byKey.get(key);
    if (prev === undefined) byKey.set(key, f);
    else if (prev.maxBytes !== undefined && (f.maxBytes === undefined || f.maxBytes > prev.maxBytes))
      byKey.set(key, f);
  }
  return [...byKey.values()];
}

/** Decoded text of a fetched part, and whether it is all of the part. */
export function readPart(
  part: MimePart,
  bodies: FetchedBodies,
): { text: string; complete: boolean } | undefined {
  const raw = bodies.get(part.section);
  if (raw === undefined) return undefined;
  const complete = part.size === undefined || raw.length >= part.size;
  let text = decodeText(raw, part.encoding, part.params.charset);
  // A partial fetch can cut a multi-byte character; its remains decode to U+FFFD.
  if (!complete) text = text.replace(/\ufffd+$/, '');
  if (part.type === 'text/plain' && (part.params.format ?? '').toLowerCase() === 'flowed') {
    // RFC 3676: soft line breaks are for the wire; a phone wraps lines itself.
    text = libmime.decodeFlowed(text, (part.params.delsp ?? '').toLowerCase() === 'yes');
  }
  return { text, complete };
}

function convert(text: string, from: 'plain' | 'html', type: RenderedBodyType): string {
  if (from === 'html' && type === 1) return htmlToText(text);
  if (from === 'plain' && type === 2) return textToHtml(text);
  return text;
}

export interface BodyRenderInput {
  readonly plan: BodyPlan;
  readonly bodies: FetchedBodies;
  readonly messageSize: number;
  /** Text to show when the message has no text part (an invitation's DESCRIPTION). */
  readonly fallbackText?: string;
}

export function renderBody(input: BodyRenderInput): WbxmlElement {
  const { plan } = input;
  // The preview often comes from the part the body does; decode it once.
  const decoded = new Map<MimePart, ReturnType<typeof readPart>>();
  const read = (part: MimePart): ReturnType<typeof readPart> => {
    if (!decoded.has(part)) decoded.set(part, readPart(part, input.bodies));
    return decoded.get(part);
  };
  const preview = previewText(input, read);
  if (plan.content.kind === 'mime')
    return mimeBody(plan, input.bodies.get(bodyFetchKey({ section: undefined })), input.messageSize, preview);
  let text: string | undefined;
  let complete = true;
  let estimate: number | undefined;
  if (plan.content.kind === 'part') {
    const { part, format } = plan.content.source;
    const got = read(part);
    estimate = estimateDecodedSize(part);
    if (got !== undefined) {
      text = convert(got.text, format, plan.type);
      complete = got.complete;
    }
  } else if (plan.content.kind === 'notice') text = plan.content.text;
  else text = input.fallbackText === undefined ? '' : convert(input.fallbackText, 'plain', plan.type);
  return textBody(plan, text, complete, estimate, preview);
}

function textBody(
  plan: BodyPlan,
  text: string | undefined,
  complete: boolean,
  estimate: number | undefined,
  preview: string | undefined,
): WbxmlElement {
  const { truncationSize, allOrNone } = plan.pref;
  if (text === undefined) {
    // The backend did not deliver the part: say so with Truncated, the client can fetch it later.
    return bodyElement(plan.type, estimate ?? 0, true, undefined, preview);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  const size = complete ? bytes : Math.max(estimate ?? 0, bytes);
  if (truncationSize === undefined) return bodyElement(plan.type, size, !complete, text, preview);
  if (bytes <= truncationSize && complete) return bodyElement(plan.type, size, false, text, preview);
  // MS-ASAIRS 2.2.2.3.2: with AllOrNone the client would rather have nothing than a part.
  if (allOrNone) return bodyElement(plan.type, size, true, undefined, preview);
  return bodyElement(plan.type, size, true, truncateUtf8(text, truncationSize), preview);
}

function mimeBody(
  plan: BodyPlan,
  raw: Uint8Array | undefined,
  messageSize: number,
  preview: string | undefined,
): WbxmlElement {
  const { truncationSize, allOrNone } = plan.pref;
  const size = Math.max(messageSize, raw?.length ?? 0);
  if (raw === undefined) return bodyElement(4, size, true, undefined, preview);
  const over = truncationSize !== undefined && size > truncationSize;
  if (over && allOrNone) return bodyElement(4, size, true, undefined, preview);
  const cut = over ? raw.subarray(0, truncationSize) : raw;
  return bodyElement(4, size, over || raw.length < messageSize, mimeData(cut, over), preview);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * MIME data goes out as a string when it is UTF-8 (nearly always: 7-bit ASCII); 8-bit bytes in
 * another charset are sent as opaque data so that signatures over them still verify.
 */
function mimeData(bytes: Uint8Array, truncated: boolean): string | Uint8Array {
  let data = bytes;
  if (truncated) {
    // Do not end the string inside a multi-byte character.
    let end = data.length;
    let continuations = 0;
    while (end > 0 && continuations < 3 && (data[end - 1]! & 0xc0) === 0x80) {
      end--;
      continuations++;
    }
    const lead = end > 0 ? data[end - 1]! : 0;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (continuations + 1 < length) data = data.subarray(0, end - 1);
  }
  try {
    const text = utf8Strict.decode(data);
    if (!text.includes('\0')) return text;
  } catch {
    // Not UTF-8: keep the bytes.
  }
  return bytes;
}

function bodyElement(
  type: RenderedBodyType,
  estimatedSize: number,
  truncated: boolean,
  data: string | Uint8Array | undefined,
  preview: string | undefined,
): WbxmlElement {
  // MS-ASAIRS 2.2.2.9: Type, EstimatedDataSize, Truncated, Data, Preview, in this order.
  // MS-ASAIRS 2.2.2.35.1: no Preview beside plain-text Data, which already is the preview.
  const showPreview = preview !== undefined && !(type === 1 && data !== undefined && data !== '');
  return el(
    'AirSyncBase:Body',
    el('AirSyncBase:Type', type),
    el('AirSyncBase:EstimatedDataSize', estimatedSize),
    el('AirSyncBase:Truncated', truncated ? 1 : 0),
    data !== undefined && el('AirSyncBase:Data', data),
    showPreview && el('AirSyncBase:Preview', preview),
  );
}

function previewText(
  input: BodyRenderInput,
  read: (part: MimePart) => ReturnType<typeof readPart>,
): string | undefined {
  const { plan } = input;
  if (plan.preview === undefined) return undefined;
  let text: string | undefined;
  if (plan.content.kind === 'notice') text = plan.content.text;
  else if (plan.preview.source) {
    const got = read(plan.preview.source.part);
    if (got) text = plan.preview.source.format === 'html' ? htmlToText(got.text) : got.text;
  } else text = input.fallbackText;
  if (text === undefined) return undefined;
  return firstChars(text.replace(/\s+/g, ' ').trim(), plan.preview.chars);
}

function firstChars(text: string, n: number): string {
  if (text.length <= n) return text;
  return Array.from(text).slice(0, n).join('');
}

/** The longest prefix of `text` whose UTF-8 form fits in `maxBytes`, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}
