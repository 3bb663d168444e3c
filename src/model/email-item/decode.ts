import libmime from 'libmime';
import { decode as decodeCharset } from 'libmime/lib/charset.js';

// Content-Transfer-Encoding and charsets (RFC 2045, RFC 2047). Bodies may be cut short by a
// partial fetch, so decoding is tolerant: a truncated base64 quantum or "=" escape is dropped.

export function decodeTransferEncoding(raw: Uint8Array, encoding: string | undefined): Uint8Array {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64': {
      // Node decodes a cut-off last quantum to the whole bytes it holds, which is what we want.
      const clean = buf.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, '');
      return Buffer.from(clean, 'base64');
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(buf);
    default:
      return buf;
  }
}

function decodeQuotedPrintable(buf: Buffer): Buffer {
  const out = Buffer.alloc(buf.length);
  let n = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i] as number;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const a = buf[i + 1];
    const b = buf[i + 2];
    if (a === 0x0d && b === 0x0a)
      i += 2; // soft line break
    else if (a === 0x0a) i += 1;
    else if (a !== undefined && b !== undefined && isHex(a) && isHex(b)) {
      out[n++] = parseInt(String.fromCharCode(a, b), 16);
      i += 2;
    } else if (a === undefined || b === undefined)
      break; // cut by a partial fetch
    else out[n++] = c;
  }
  return out.subarray(0, n);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Text of a part in any charset libmime knows (ISO-2022-JP included); unknown ones read as UTF-8. */
export function decodeText(
  raw: Uint8Array,
  encoding: string | undefined,
  charset: string | undefined,
): string {
  const bytes = Buffer.from(decodeTransferEncoding(raw, encoding));
  try {
    return decodeCharset(bytes, charset || 'utf-8');
  } catch {
    return bytes.toString('utf8');
  }
}

/** RFC 2047 encoded words in a header value; a broken word is left as it is. */
export function decodeHeaderText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
