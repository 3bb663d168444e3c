import { WbxmlDecodeError } from './errors.js';
import type { PageSet } from './page-set.js';
import { ACTIVESYNC_PAGES, type TagRef } from './codepages/index.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

// XML form of a WBXML tree, for logs, fixtures and traces. Namespaces are written as the spec's
// examples and libwbxml write them (`xmlns="AirSync:"`); opaque data is base64 text marked with
// the attribute `opaque="base64"` so that it converts back to OPAQUE, not to a string.

export interface XmlOptions {
  pages?: PageSet;
  /** Indentation per level; '' writes everything on one line. */
  indent?: string;
}

export function toXml(root: WbxmlElement, options: XmlOptions = {}): string {
  const pages = options.pages ?? ACTIVESYNC_PAGES;
  const indent = options.indent ?? '  ';
  const rootNs = namespaceOf(root.tag);
  const used = new Set<string>();
  collectNamespaces(root, used);
  used.delete(rootNs);
  const decls = [`xmlns="${rootNs}:"`, ...[...used].sort().map((ns) => `xmlns:${prefixOf(ns)}="${ns}:"`)];
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  writeElement(root, 0, ` ${decls.join(' ')}`);
  return out.join('');

  function writeElement(e: WbxmlElement, depth: number, extra = ''): void {
    const ns = namespaceOf(e.tag);
    if (pages.tagCode(e.tag) === undefined) throw new WbxmlDecodeError(`unknown tag ${e.tag}`, 0);
    const name = ns === rootNs ? localOf(e.tag) : `${prefixOf(ns)}:${localOf(e.tag)}`;
    const pad = indent === '' ? '' : indent.repeat(depth);
    const nl = indent === '' ? '' : '\n';
    const kids = e.children;
    if (kids.length === 0) {
      out.push(`${pad}<${name}${extra}/>${nl}`);
      return;
    }
    if (kids.length === 1 && !isElementNode(kids[0]!)) {
      const only = kids[0]!;
      if (typeof only === 'string') out.push(`${pad}<${name}${extra}>${escapeText(only)}</${name}>${nl}`);
      else out.push(`${pad}<${name}${extra} opaque="base64">${toBase64(only)}</${name}>${nl}`);
      return;
    }
    out.push(`${pad}<${name}${extra}>${nl}`);
    for (const c of kids) {
      if (isElementNode(c)) writeElement(c, depth + 1);
      else if (typeof c === 'string') out.push(`${pad}${indent}${escapeText(c)}${nl}`);
      else out.push(`${pad}${indent}<![CDATA[opaque:${toBase64(c)}]]>${nl}`);
    }
    out.push(`${pad}</${name}>${nl}`);
  }
}

function collectNamespaces(e: WbxmlElement, into: Set<string>): void {
  into.add(namespaceOf(e.tag));
  for (const c of e.children) if (isElementNode(c)) collectNamespaces(c, into);
}

const namespaceOf = (tag: string): string => tag.slice(0, tag.indexOf(':'));
const localOf = (tag: string): string => tag.slice(tag.indexOf(':') + 1);
const prefixOf = (ns: string): string => ns.toLowerCase();
const isElementNode = (n: WbxmlNode): n is WbxmlElement =>
  typeof n === 'object' && !(n instanceof Uint8Array);
const toBase64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function escapeText(s: string): string {
  // eslint-disable-next-line no-control-regex -- XML 1.0 cannot hold these characters as they are.
  return s.replace(/[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    if (c === '&') return '&amp;';
    if (c === '<') return '&lt;';
    if (c === '>') return '&gt;';
    return `&#x${c.charCodeAt(0).toString(16)};`;
  });
}

/**
 * Parses the XML form back into a tree. Accepts what toXml writes, libwbxml's output
 * (`wbxml2xml`), and hand-written fixtures where a prefix may be the namespace name itself
 * (`<AirSyncBase:Body>` without a declaration). Throws WbxmlDecodeError with the character offset.
 */
export function fromXml(xml: string, options: Pick<XmlOptions, 'pages'> = {}): WbxmlElement {
  return new XmlReader(xml, options.pages ?? ACTIVESYNC_PAGES).document();
}

interface OpenElement {
  name: string;
  tag: TagRef;
  children: WbxmlNode[];
  scope: Map<string, string>;
  opaque: boolean;
  text: string;
  textAt: number;
}

const NAME_RE = /[A-Za-z_][\w.:-]*/y;
const ATTR_RE = /\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/y;

class XmlReader {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly pages: PageSet,
  ) {}

  private fail(message: string, at = this.pos): never {
    throw new WbxmlDecodeError(`XML: ${message}`, at);
  }

  document(): WbxmlElement {
    const stack: OpenElement[] = [];
    let root: WbxmlElement | undefined;
    const src = this.src;
    while (this.pos < src.length) {
      const lt = src.indexOf('<', this.pos);
      const top = stack[stack.length - 1];
      const textEnd = lt === -1 ? src.length : lt;
      if (textEnd > this.pos) {
        const raw = src.slice(this.pos, textEnd);
        if (top === undefined) {
          if (raw.trim() !== '') this.fail('text outside the root element');
        } else {
          if (top.text === '') top.textAt = this.pos;
          top.text += decodeEntities(raw, this.pos, (m, at) => this.fail(m, at));
        }
        this.pos = textEnd;
      }
      if (lt === -1) break;
      if (src.startsWith('<?', lt)) {
        this.skipPast('?>');
      } else if (src.startsWith('<!--', lt)) {
        this.skipPast('-->');
      } else if (src.startsWith('<![CDATA[', lt)) {
        const end = src.indexOf(']]>', lt);
        if (end === -1) this.fail('unterminated CDATA section', lt);
        if (top === undefined) this.fail('CDATA outside the root element', lt);
        const body = src.slice(lt + 9, end);
        if (body.startsWith('opaque:')) {
          this.flushText(top!);
          top!.children.push(fromBase64(body.slice(7)));
        } else {
          if (top!.text === '') top!.textAt = lt;
          top!.text += body;
        }
        this.pos = end + 3;
      } else if (src.startsWith('<!', lt)) {
        this.skipDoctype(lt);
      } else if (src.startsWith('</', lt)) {
        this.pos = lt + 2;
        const name = this.readName();
        this.skipSpace();
        if (src[this.pos] !== '>') this.fail('expected >');
        this.pos++;
        if (top === undefined || top.name !== name) this.fail(`unexpected </${name}>`, lt);
        const done = this.close(stack.pop()!);
        const parent = stack[stack.length - 1];
        if (parent) {
          this.flushText(parent);
          parent.children.push(done);
        } else root = done;
      } else {
        if (root !== undefined) this.fail('content after the root element', lt);
        this.pos = lt + 1;
        const open = this.openTag(top, lt);
        if (top) this.flushText(top);
        if (open.selfClosing) {
          const done = this.close(open.element);
          if (top) top.children.push(done);
          else root = done;
        } else stack.push(open.element);
      }
    }
    if (stack.length > 0) this.fail(`document ends inside <${stack[stack.length - 1]!.name}>`);
    if (root === undefined) this.fail('document has no root element');
    return root!;
  }

  private openTag(
    parent: OpenElement | undefined,
    at: number,
  ): { element: OpenElement; selfClosing: boolean } {
    const name = this.readName();
    const attrs: [string, string][] = [];
    for (;;) {
      ATTR_RE.lastIndex = this.pos;
      const m = ATTR_RE.exec(this.src);
      if (!m) break;
      attrs.push([m[1]!, decodeEntities(m[3] ?? m[4] ?? '', this.pos, (msg, a) => this.fail(msg, a))]);
      this.pos = ATTR_RE.lastIndex;
    }
    this.skipSpace();
    let selfClosing = false;
    if (this.src.startsWith('/>', this.pos)) {
      selfClosing = true;
      this.pos += 2;
    } else if (this.src[this.pos] === '>') this.pos++;
    else this.fail(`malformed start tag <${name}>`);

    const scope = new Map(parent?.scope ?? []);
    let opaque = false;
    for (const [k, v] of attrs) {
      if (k === 'xmlns') scope.set('', v);
      else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
      else if (k === 'opaque' && v === 'base64') opaque = true;
      else this.fail(`attribute ${k} is not allowed (WBXML for ActiveSync has no attributes)`, at);
    }
    const colon = name.indexOf(':');
    const prefix = colon === -1 ? '' : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    const declared = scope.get(prefix);
    const nsName = (declared ?? prefix).replace(/:$/, '');
    if (nsName === '') this.fail(`element <${name}> has no namespace`, at);
    const page = this.pages.pageOf(nsName);
    if (page === undefined) this.fail(`unknown namespace ${nsName}`, at);
    const tag = `${this.pages.namespace(page!)}:${local}`;
    if (this.pages.tagCode(tag) === undefined) this.fail(`unknown tag ${tag}`, at);
    return {
      element: { name, tag: tag as TagRef, children: [], scope, opaque, text: '', textAt: at },
      selfClosing,
    };
  }

  private flushText(e: OpenElement): void {
    // Whitespace between child elements is layout, not content.
    if (e.text.trim() !== '') e.children.push(e.opaque ? fromBase64(e.text.trim()) : e.text.trim());
    e.text = '';
  }

  private close(e: OpenElement): WbxmlElement {
    if (e.text !== '') {
      if (e.children.length === 0 || e.text.trim() !== '') {
        if (e.children.length > 0) e.text = e.text.trim();
        e.children.push(e.opaque ? fromBase64(e.text) : e.text);
      }
    } else if (e.children.length === 0 && this.src[this.pos - 2] !== '/') {
      // `<A></A>` is an element with one empty string; `<A/>` is an empty element.
      e.children.push(e.opaque ? new Uint8Array(0) : '');
    }
    return { tag: e.tag, children: e.children };
  }

  private readName(): string {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.src);
    if (!m) this.fail('expected a name');
    this.pos = NAME_RE.lastIndex;
    return m![0];
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private skipPast(end: string): void {
    const i = this.src.indexOf(end, this.pos);
    if (i === -1) this.fail(`missing ${end}`);
    this.pos = i + end.length;
  }

  private skipDoctype(at: number): void {
    // <!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "..."> possibly with [ ... ].
    let depth = 0;
    for (let i = at + 2; i < this.src.length; i++) {
      const c = this.src[i];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth === 0) {
        this.pos = i + 1;
        return;
      }
    }
    this.fail('unterminated declaration', at);
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string, base: number, fail: (m: string, at: number) => never): string {
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s]*);?/g, (whole, name: string, offset: number) => {
    if (!whole.endsWith(';')) fail('unterminated entity', base + offset);
    const named = ENTITIES[name];
    if (named !== undefined) return named;
    const cp = name.startsWith('#x')
      ? parseInt(name.slice(2), 16)
      : name.startsWith('#')
        ? parseInt(name.slice(1), 10)
        : NaN;
    if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      fail(`unknown entity &${name};`, base + offset);
    }
    return String.fromCodePoint(cp);
  });
}

function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'base64'));
}

// Characters XML 1.0 forbids (§2.2 Char): C0 controls other than TAB, LF and CR, U+FFFE, U+FFFF.
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

/** Text for an XML 1.0 document written by hand (Autodiscover): forbidden characters become U+FFFD. */
export function xmlSafeText(s: string): string {
  XML_FORBIDDEN.lastIndex = 0;
  return XML_FORBIDDEN.test(s) ? s.replace(XML_FORBIDDEN, '\uFFFD') : s;
}
