import { Buffer } from 'node:buffer';
import libmime from 'libmime';
import { decode as decodeCharset, normalizeCharset } from 'libmime/lib/charset.js';

// Turning what IMAP hands over (transfer-encoded bytes in some declared charset, raw header text)
// into Unicode. Everything here is total: mail in the wild is broken in every possible way and a
// phone must still get whatever can be read, so nothing throws.

/**
 * Undoes Content-Transfer-Encoding (RFC 2045 section 6). Tolerates what a partial fetch
 * (`BODY[1]<0.n>`) produces: base64 cut mid-quantum and quoted-printable cut mid-escape decode to
 * the bytes that are complete. Unknown encodings are passed through, as RFC 2045 6.4 advises.
 */
export function decodeTransferEncoding(raw: Uint8Array, encoding: string | undefined): Uint8Array {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(raw);
    case 'quoted-printable':
      return decodeQuotedPrintable(raw);
    default:
      return raw;
  }
}

function decodeBase64(raw: Uint8Array): Uint8Array {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  // Node stops at the first '=', but some mailers concatenate separately padded blocks; each
  // padded run ends a segment that decodes on its own. Non-alphabet bytes (line breaks, junk)
  // are skipped as RFC 2045 6.8 requires.
  const segments = text.replace(/[^A-Za-z0-9+/=]/g, '').split(/=+/);
  const parts: Buffer[] = [];
  for (const seg of segments) if (seg.length > 1) parts.push(Buffer.from(seg, 'base64'));
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const HEX = /^[0-9A-Fa-f]{2}$/;

function decodeQuotedPrintable(raw: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(raw.length);
  let o = 0;
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const b = raw[i]!;
    if (b === 0x3d /* = */) {
      // Soft line break, possibly with transport padding before it (RFC 2045 6.7 rule 3).
      let j = i + 1;
      while (j < n && (raw[j] === 0x20 || raw[j] === 0x09)) j++;
      if (j < n && (raw[j] === 0x0d || raw[j] === 0x0a)) {
        i = raw[j] === 0x0d && raw[j + 1] === 0x0a ? j + 2 : j + 1;
        continue;
      }
      // "=" or "=X" at the very end: a partial fetch cut the escape.
      if (i + 2 >= n) break;
      const hex = String.fromCharCode(raw[i + 1] ?? 0, raw[i + 2] ?? 0);
      if (HEX.test(hex)) {
        out[o++] = parseInt(hex, 16);
        i += 3;
        continue;
      }
      out[o++] = b;
      i++;
      continue;
    }
    if (b === 0x20 || b === 0x09) {
      // Trailing whitespace on a line is transport padding (RFC 2045 6.7 rule 3).
      let j = i;
      while (j < n && (raw[j] === 0x20 || raw[j] === 0x09)) j++;
      if (j < n && (raw[j] === 0x0d || raw[j] === 0x0a)) {
        i = j;
        continue;
      }
      for (; i < j; i++) out[o++] = raw[i]!;
      continue;
    }
    out[o++] = b;
    i++;
  }
  return out.subarray(0, o);
}

const supportedCache = new Map<string, boolean>();

/** Whether libmime can decode a charset (iconv-lite or encoding-japanese), UTF-7 excluded. */
function isKnownCharset(charset: string): boolean {
  let known = supportedCache.get(charset);
  if (known === undefined) {
    known = libmime.createDecodeStream(charset).supported;
    if (supportedCache.size < 256) supportedCache.set(charset, known);
  }
  return known;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Unicode text from bytes in `charset`; undeclared or unknown charsets are guessed (UTF-8, else windows-1252). */
export function bytesToText(bytes: Uint8Array, charset: string | undefined): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = charset?.trim().replace(/^["']|["']$/g, '');
  let text: string;
  if (declared === undefined || declared === '' || !isKnownCharset(declared)) {
    text = guessDecode(buf);
  } else {
    const name = normalizeCharset(declared);
    // us-ascii is normalised to windows-1252 by libmime; 8-bit bytes in "ASCII" mail are usually
    // UTF-8 from a misconfigured sender, so those are guessed rather than read as Latin-1.
    text = /^(?:us-)?ascii$/i.test(declared) ? guessDecode(buf) : decodeCharset(buf, name);
  }
  return stripUnsafe(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

function guessDecode(buf: Buffer): string {
  if (isValidUtf8(buf)) return buf.toString('utf8');
  // A partial fetch can end in the middle of a UTF-8 sequence; that alone is no reason to fall
  // back to Latin-1 for the whole text, provided the rest shows UTF-8 multi-byte sequences (a
  // Latin-1 text ending in "é" must not lose its last letter).
  const start = lastSequenceStart(buf);
  if (start > 0 && start < buf.length) {
    const head = buf.subarray(0, start);
    if (head.some((b) => b >= 0x80) && isValidUtf8(head)) return head.toString('utf8');
  }
  return decodeCharset(buf, 'windows-1252');
}

/** Where the last UTF-8 sequence starts if it is incomplete, else the buffer length. */
function lastSequenceStart(buf: Uint8Array): number {
  let p = buf.length - 1;
  let continuations = 0;
  while (p >= 0 && continuations < 3 && (buf[p]! & 0xc0) === 0x80) {
    p--;
    continuations++;
  }
  if (p < 0) return buf.length;
  const lead = buf[p]!;
  const expected = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return continuations + 1 < expected ? p : buf.length;
}

/**
 * Decodes a body part: transfer encoding, then charset, into a string with no NUL (WBXML inline
 * strings are NUL-terminated, MS-ASWBXML 2.1.1) and no byte-order mark.
 */
export function decodeText(
  raw: Uint8Array,
  encoding: string | undefined,
  charset: string | undefined,
): string {
  try {
    return bytesToText(decodeTransferEncoding(raw, encoding), charset);
  } catch {
    return stripUnsafe(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1'));
  }
}

/**
 * Decodes a header value as the backend reports it: unfolded, read byte-per-char (Latin-1), RFC
 * 2047 encoded words intact. Raw 8-bit header bytes (RFC 6532) are re-read as UTF-8 when valid.
 */
export function decodeHeaderText(raw: string): string {
  let text = raw;
  // eslint-disable-next-line no-control-regex
  if (/[\u0080-\u00ff]/.test(text) && !/[^\u0000-\u00ff]/.test(text)) {
    const bytes = Buffer.from(text, 'latin1');
    if (isValidUtf8(bytes)) text = bytes.toString('utf8');
  }
  return decodeWords(text);
}

/** RFC 2047 encoded words, left alone when there are none (values the backend already decoded). */
export function decodeWords(text: string): string {
  if (!/=\?[^?\s]+\?[bBqQ]\?/.test(text)) return stripControls(text);
  try {
    return stripControls(libmime.decodeWords(text));
  } catch {
    return stripControls(text);
  }
}

/** Header-derived values are single-line: controls become spaces, NUL disappears. */
function stripControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\0/g, '').replace(/[\u0001-\u001f\u007f]+/g, ' ');
}

/** Body text keeps line breaks and tabs but loses NUL and the other C0 controls. */
export function stripUnsafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000e-\u001f]/g, '');
}
