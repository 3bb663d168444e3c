import { WbxmlDecodeError } from './errors.js';
import type { PageSet } from './page-set.js';
import { ACTIVESYNC_PAGES, type TagRef } from './codepages/index.js';
import {
  CHARSET_UTF8,
  END,
  ENTITY,
  OPAQUE,
  STR_I,
  SWITCH_PAGE,
  TAG_ATTRIBUTES,
  TAG_CONTENT,
  TAG_MASK,
  UNSUPPORTED_TOKENS,
} from './tokens.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface DecodeLimits {
  /** Deepest element nesting accepted. */
  maxDepth: number;
  /** Total elements in one document. */
  maxElements: number;
  /** Bytes of one inline string (STR_I). */
  maxStringBytes: number;
  /** Bytes of one OPAQUE run. */
  maxOpaqueBytes: number;
}

// Real requests nest about a dozen levels and hold a few thousand elements; the limits leave room
// for large Sync batches while keeping a hostile document's tree small.
export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = {
  maxDepth: 48,
  maxElements: 500_000,
  maxStringBytes: 16 * 1024 * 1024,
  maxOpaqueBytes: 64 * 1024 * 1024,
};

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
  pages?: PageSet;
}

interface MutableElement {
  tag: TagRef;
  children: WbxmlNode[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an ActiveSync WBXML document (MS-ASWBXML 2.1.1). Opaque data is returned as zero-copy
 * subarrays of `bytes`. Throws only WbxmlDecodeError.
 */
export function decodeWbxml(bytes: Uint8Array, options: DecodeOptions = {}): WbxmlElement {
  const limits = options.limits ? { ...DEFAULT_DECODE_LIMITS, ...options.limits } : DEFAULT_DECODE_LIMITS;
  const pages = options.pages ?? ACTIVESYNC_PAGES;
  const len = bytes.length;
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    throw new WbxmlDecodeError(message, at);
  };
  const readByte = (): number => {
    if (pos >= len) fail('unexpected end of document');
    return bytes[pos++]!;
  };
  // mb_u_int32 (WBXML §5.1): 7 bits per byte, high bit = continuation, at most 5 bytes.
  const readMbUint32 = (): number => {
    const start = pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = readByte();
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) fail('mb_u_int32 out of range', start);
        return value;
      }
    }
    return fail('mb_u_int32 longer than 5 bytes', start);
  };

  // Header: version, public id, charset, string table length.
  const version = readByte();
  if (version > 0x03) fail(`unsupported WBXML version 0x${version.toString(16)}`, 0);
  const publicIdAt = pos;
  const publicId = readMbUint32();
  if (publicId === 0)
    fail('public id given as a string table reference (string tables are not supported)', publicIdAt);
  const charsetAt = pos;
  const charset = readMbUint32();
  // Charset 0 means "unknown"; ActiveSync clients always send UTF-8 (106).
  if (charset !== CHARSET_UTF8 && charset !== 0)
    fail(`unsupported charset ${charset} (only UTF-8)`, charsetAt);
  const tableAt = pos;
  if (readMbUint32() !== 0) fail('string tables are not supported', tableAt);

  let page = 0;
  let elementCount = 0;
  let root: MutableElement | undefined;
  const stack: MutableElement[] = [];

  const appendText = (parent: MutableElement, s: string): void => {
    const last = parent.children.length - 1;
    // Adjacent strings are one text node, as XML would see them.
    if (last >= 0 && typeof parent.children[last] === 'string') parent.children[last] += s;
    else parent.children.push(s);
  };

  while (pos < len) {
    const at = pos;
    const token = bytes[pos++]!;
    if (token === SWITCH_PAGE) {
      const p = readByte();
      if (pages.namespace(p) === undefined) fail(`unknown code page ${p}`, at);
      page = p;
      continue;
    }
    if (token === END) {
      const done = stack.pop();
      if (done === undefined) fail('END without an open element', at);
      if (stack.length === 0) break;
      continue;
    }
    const parent = stack[stack.length - 1];
    if (token === STR_I) {
      if (parent === undefined) fail('text outside the root element', at);
      let end = pos;
      while (end < len && bytes[end] !== 0) end++;
      if (end >= len) fail('unterminated inline string', at);
      if (end - pos > limits.maxStringBytes)
        fail(`inline string longer than ${limits.maxStringBytes} bytes`, at);
      appendText(parent!, decodeUtf8(bytes, pos, end, at));
      pos = end + 1;
      continue;
    }
    if (token === OPAQUE) {
      if (parent === undefined) fail('opaque data outside the root element', at);
      const n = readMbUint32();
      if (n > limits.maxOpaqueBytes) fail(`opaque data longer than ${limits.maxOpaqueBytes} bytes`, at);
      if (pos + n > len) fail('opaque data runs past the end of the document', at);
      // A plain view, not a Buffer (even when a Buffer came in): zero-copy and one type for callers.
      parent!.children.push(new Uint8Array(bytes.buffer, bytes.byteOffset + pos, n));
      pos += n;
      continue;
    }
    if (token === ENTITY) {
      if (parent === undefined) fail('entity outside the root element', at);
      const cp = readMbUint32();
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(`invalid character entity ${cp}`, at);
      appendText(parent!, String.fromCodePoint(cp));
      continue;
    }
    const unsupported = UNSUPPORTED_TOKENS[token];
    if (unsupported !== undefined) fail(`unsupported token ${unsupported}`, at);
    if ((token & TAG_ATTRIBUTES) !== 0) fail('attributes are not supported', at);

    const name = pages.tagName(page, token & TAG_MASK);
    if (name === undefined) fail(`unknown tag 0x${(token & TAG_MASK).toString(16)} on code page ${page}`, at);
    if (root !== undefined && stack.length === 0) fail('content after the root element', at);
    if (++elementCount > limits.maxElements) fail(`more than ${limits.maxElements} elements`, at);
    const element: MutableElement = { tag: name as TagRef, children: [] };
    if (parent === undefined) root = element;
    else parent.children.push(element);
    if ((token & TAG_CONTENT) !== 0) {
      if (stack.length >= limits.maxDepth) fail(`elements nested deeper than ${limits.maxDepth}`, at);
      stack.push(element);
    }
  }
  if (root === undefined) fail('document has no root element');
  if (stack.length > 0) fail(`document ends inside ${stack[stack.length - 1]!.tag}`);
  if (pos < len) fail('content after the root element');
  return root!;
}

function decodeUtf8(bytes: Uint8Array, start: number, end: number, at: number): string {
  // Short ASCII strings (ids, keys, statuses) dominate; building them directly skips TextDecoder's call cost.
  if (end - start <= 32) {
    let s = '';
    let i = start;
    for (; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === end) return s;
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    throw new WbxmlDecodeError('inline string is not valid UTF-8', at);
  }
}
