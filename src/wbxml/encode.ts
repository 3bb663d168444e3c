import { WbxmlEncodeError } from './errors.js';
import type { PageSet } from './page-set.js';
import { ACTIVESYNC_PAGES } from './codepages/index.js';
import { END, OPAQUE, STR_I, SWITCH_PAGE, TAG_CONTENT, WBXML_HEADER } from './tokens.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface EncodeOptions {
  pages?: PageSet;
}

// Characters XML 1.0 forbids (§2.2 Char): C0 controls other than TAB, LF and CR, and U+FFFE/U+FFFF.
// STR_I cannot hold NUL at all, and clients hand WBXML to XML layers that reject the others. Text
// reaches the encoder from clients (echoed ids) and from mail servers (subjects, bodies), so rather
// than throw, the encoder writes U+FFFD for each: one bad character must not lose a whole answer.
// Ids are checked earlier, at the protocol edge (src/protocol/ids.ts); this is the last line.
// Lone surrogates need nothing here: UTF-8 encoding already writes them as U+FFFD.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
const REPLACEMENT = '\uFFFD';

/** The text as it is written: characters XML 1.0 forbids become U+FFFD. */
export function xmlSafeText(s: string): string {
  XML_FORBIDDEN.lastIndex = 0;
  return XML_FORBIDDEN.test(s) ? s.replace(XML_FORBIDDEN, REPLACEMENT) : s;
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
    if (typeof c === 'string') size += 2 + utf8Bound(xmlSafeText(c));
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
      pos = writeUtf8(xmlSafeText(c), out, pos);
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
