import { WbxmlEncodeError } from './errors.js';
import type { PageSet } from './page-set.js';
import { ACTIVESYNC_PAGES } from './codepages/index.js';
import { END, OPAQUE, STR_I, SWITCH_PAGE, TAG_CONTENT, WBXML_HEADER } from './tokens.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface EncodeOptions {
  pages?: PageSet;
}

// STR_I is NUL-terminated (WBXML 1.3 §5.8.4.1), so a NUL cannot be written; text reaches the
// encoder from clients (echoed values) and from mail servers (subjects, bodies), so rather than
// throw and lose the whole answer, each NUL is written as U+FFFD. Other control characters stay:
// they are legitimate in some content (ESC in ISO-2022-JP MIME sent as AirSyncBase:Data), and
// ids, where they are not, are refused at the protocol edge (src/protocol/ids.ts).
const NUL = /\0/g;
const REPLACEMENT = '\uFFFD';

function writable(s: string): string {
  return s.includes('\0') ? s.replace(NUL, REPLACEMENT) : s;
}

/**
 * Encodes a tree as ActiveSync WBXML: header 03 01 6A 00, no string table (MS-ASWBXML 2.1.1).
 * Two passes: the first measures (exactly for short text, an upper bound for long text, which
 * saves transcoding it twice), so the output is one allocation.
 */
export function encodeWbxml(root: WbxmlElement, options: EncodeOptions = {}): Uint8Array {
  const pages = options.pages ?? ACTIVESYNC_PAGES;
  const bound = WBXML_HEADER.length + measure(root, pages, { page: 0 });
  const out = Buffer.allocUnsafe(bound);
  out.set(WBXML_HEADER, 0);
  const end = write(root, pages, out, WBXML_HEADER.length, { page: 0 });
  return end === bound ? out : out.subarray(0, end);
}

function codeOf(e: WbxmlElement, pages: PageSet): number {
  const code = pages.tagCode(e.tag);
  if (code === undefined) throw new WbxmlEncodeError(`unknown tag ${String(e.tag)}`);
  return code;
}

/** UTF-8 length of short text (ids, keys, numbers), or at most 3 bytes per UTF-16 unit for long text. */
function utf8Bound(s: string): number {
  if (s.length > 32) return s.length * 3;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function mbLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function measure(e: WbxmlElement, pages: PageSet, state: { page: number }): number {
  const code = codeOf(e, pages);
  let size = 1;
  if (code >> 8 !== state.page) {
    size += 2;
    state.page = code >> 8;
  }
  const children = e.children;
  if (children.length === 0) return size;
  for (const c of children) {
    if (typeof c === 'string') size += 2 + utf8Bound(writable(c));
    else if (c instanceof Uint8Array) size += 1 + mbLength(c.length) + c.length;
    else if (isElement(c)) size += measure(c, pages, state);
    else throw new WbxmlEncodeError(`invalid node of type ${typeof c}`);
  }
  return size + 1;
}

function write(e: WbxmlElement, pages: PageSet, out: Buffer, pos: number, state: { page: number }): number {
  const code = codeOf(e, pages);
  const page = code >> 8;
  if (page !== state.page) {
    out[pos++] = SWITCH_PAGE;
    out[pos++] = page;
    state.page = page;
  }
  const children = e.children;
  if (children.length === 0) {
    out[pos++] = code & 0xff;
    return pos;
  }
  out[pos++] = (code & 0xff) | TAG_CONTENT;
  for (const c of children) {
    if (typeof c === 'string') {
      out[pos++] = STR_I;
      pos = writeUtf8(writable(c), out, pos);
      out[pos++] = 0;
    } else if (c instanceof Uint8Array) {
      out[pos++] = OPAQUE;
      pos = writeMbUint32(c.length, out, pos);
      out.set(c, pos);
      pos += c.length;
    } else pos = write(c as WbxmlElement, pages, out, pos, state);
  }
  out[pos++] = END;
  return pos;
}

function writeUtf8(s: string, out: Buffer, pos: number): number {
  if (s.length <= 32) {
    let i = 0;
    for (; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) break;
      out[pos + i] = ch;
    }
    if (i === s.length) return pos + i;
  }
  return pos + out.write(s, pos, 'utf8');
}

// mb_u_int32 (WBXML 1.3 §5.1): seven bits per byte, most significant first.
function writeMbUint32(n: number, out: Buffer, pos: number): number {
  const len = mbLength(n);
  for (let i = len - 1; i >= 0; i--) {
    out[pos + i] = (n & 0x7f) | (i === len - 1 ? 0 : 0x80);
    n = Math.floor(n / 128);
  }
  return pos + len;
}

function isElement(n: WbxmlNode): n is WbxmlElement {
  return typeof n === 'object' && n !== null && 'tag' in n;
}
