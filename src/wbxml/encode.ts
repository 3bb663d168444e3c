import { WbxmlEncodeError } from './errors.js';
import type { PageSet } from './page-set.js';
import { ACTIVESYNC_PAGES } from './codepages/index.js';
import { END, OPAQUE, STR_I, SWITCH_PAGE, TAG_CONTENT, WBXML_HEADER } from './tokens.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface EncodeOptions {
  pages?: PageSet;
}

/** Encodes a tree as ActiveSync WBXML: header 03 01 6A 00, no string table (MS-ASWBXML 2.1.1). */
export function encodeWbxml(root: WbxmlElement, options: EncodeOptions = {}): Uint8Array {
  const w = new Writer(options.pages ?? ACTIVESYNC_PAGES);
  w.bytes(WBXML_HEADER);
  w.element(root);
  return w.result();
}

class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;
  private page = 0;

  constructor(private readonly pages: PageSet) {}

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  element(e: WbxmlElement): void {
    const code = this.pages.tagCode(e.tag);
    if (code === undefined) throw new WbxmlEncodeError(`unknown tag ${String(e.tag)}`);
    const page = code >> 8;
    this.reserve(3);
    if (page !== this.page) {
      this.buf[this.pos++] = SWITCH_PAGE;
      this.buf[this.pos++] = page;
      this.page = page;
    }
    const children = e.children;
    if (children.length === 0) {
      this.buf[this.pos++] = code & 0xff;
      return;
    }
    this.buf[this.pos++] = (code & 0xff) | TAG_CONTENT;
    for (const c of children) this.node(c);
    this.reserve(1);
    this.buf[this.pos++] = END;
  }

  private node(c: WbxmlNode): void {
    if (typeof c === 'string') {
      // STR_I is NUL-terminated, so a NUL inside the text cannot be represented.
      if (c.includes('\0')) throw new WbxmlEncodeError('string contains a NUL character');
      this.reserve(c.length * 3 + 2);
      this.buf[this.pos++] = STR_I;
      this.pos += c.length === 0 ? 0 : this.buf.write(c, this.pos, 'utf8');
      this.buf[this.pos++] = 0;
    } else if (c instanceof Uint8Array) {
      this.reserve(6 + c.length);
      this.buf[this.pos++] = OPAQUE;
      this.mbUint32(c.length);
      this.buf.set(c, this.pos);
      this.pos += c.length;
    } else if (typeof c === 'object' && c !== null && 'tag' in c) {
      this.element(c);
    } else {
      throw new WbxmlEncodeError(`invalid node of type ${typeof c}`);
    }
  }

  private mbUint32(n: number): void {
    let shift = 28;
    while (shift > 0 && n >>> shift === 0) shift -= 7;
    for (; shift > 0; shift -= 7) this.buf[this.pos++] = ((n >>> shift) & 0x7f) | 0x80;
    this.buf[this.pos++] = n & 0x7f;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
