// A small namespace-aware XML reader, enough for WebDAV multistatus bodies (RFC 4918 14.16):
// elements, attributes, xmlns declarations, character data, CDATA, comments and the five
// predefined entities plus character references. DTDs are skipped, never expanded.

export interface XmlElement {
  /** Namespace URI ('' when none), e.g. 'DAV:'. */
  readonly ns: string;
  readonly local: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly (XmlElement | string)[];
}

export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const NAME = /[^\s/>=]+/y;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface OpenElement {
  readonly prefixed: string;
  readonly attributes: Map<string, string>;
  readonly scope: ReadonlyMap<string, string>;
  readonly children: (XmlElement | string)[];
  readonly ns: string;
  readonly local: string;
}

export function parseXml(text: string): XmlElement {
  const stack: OpenElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const fail = (message: string): never => {
    throw new XmlParseError(message, i);
  };
  const indexOrFail = (needle: string, from: number): number => {
    const at = text.indexOf(needle, from);
    return at < 0 ? fail(`missing ${needle}`) : at;
  };

  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt !== i) {
      const end = lt < 0 ? text.length : lt;
      const chunk = text.slice(i, end);
      if (top) top.children.push(decodeEntities(chunk, i));
      else if (chunk.trim() !== '') fail('text outside the root element');
      i = end;
      continue;
    }
    if (text.startsWith('<?', i)) {
      i = indexOrFail('?>', i) + 2;
    } else if (text.startsWith('<!--', i)) {
      i = indexOrFail('-->', i) + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = indexOrFail(']]>', i);
      if (!top) fail('CDATA outside the root element');
      top?.children.push(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<!', i)) {
      i = skipDeclaration(text, i, fail);
    } else if (text.startsWith('</', i)) {
      const end = indexOrFail('>', i);
      const name = text.slice(i + 2, end).trim();
      const open = stack.pop();
      if (!open || open.prefixed !== name) fail(`unexpected </${name}>`);
      i = end + 1;
      if (open) root = close(open, stack) ?? root;
    } else {
      i += 1;
      const parsed = readTag(text, i, fail);
      i = parsed.end;
      if (!top && root) fail('second root element');
      const open = openElement(parsed.name, parsed.attributes, top?.scope, fail);
      stack.push(open);
      if (parsed.selfClosing) root = close(stack.pop() ?? open, stack) ?? root;
    }
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]?.prefixed ?? ''}>`);
  return root ?? fail('no root element');
}

/** Appends a finished element to its parent; returns it when it was the root. */
function close(open: OpenElement, stack: OpenElement[]): XmlElement | undefined {
  const element: XmlElement = {
    ns: open.ns,
    local: open.local,
    attributes: open.attributes,
    children: mergeText(open.children),
  };
  const parent = stack[stack.length - 1];
  if (parent) {
    parent.children.push(element);
    return undefined;
  }
  return element;
}

function mergeText(children: (XmlElement | string)[]): (XmlElement | string)[] {
  const out: (XmlElement | string)[] = [];
  for (const c of children) {
    const last = out[out.length - 1];
    if (typeof c === 'string' && typeof last === 'string') out[out.length - 1] = last + c;
    else out.push(c);
  }
  return out;
}

function readTag(
  text: string,
  start: number,
  fail: (message: string) => never,
): { name: string; attributes: [string, string][]; selfClosing: boolean; end: number } {
  let i = start;
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) return fail('expected a name');
    i = NAME.lastIndex;
    return m[0];
  };
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  };
  const name = readName();
  const attributes: [string, string][] = [];
  for (;;) {
    skipSpace();
    if (text.startsWith('/>', i)) return { name, attributes, selfClosing: true, end: i + 2 };
    if (text[i] === '>') return { name, attributes, selfClosing: false, end: i + 1 };
    if (i >= text.length) fail('unterminated tag');
    const attr = readName();
    skipSpace();
    if (text[i] !== '=') fail(`attribute ${attr} without a value`);
    i += 1;
    skipSpace();
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return fail('unquoted attribute value');
    const close = text.indexOf(quote, i + 1);
    if (close < 0) fail('unterminated attribute value');
    attributes.push([attr, decodeEntities(text.slice(i + 1, close), i + 1)]);
    i = close + 1;
  }
}

function openElement(
  prefixed: string,
  rawAttributes: readonly [string, string][],
  parentScope: ReadonlyMap<string, string> | undefined,
  fail: (message: string) => never,
): OpenElement {
  let scope = parentScope ?? new Map([['xml', XML_NS]]);
  const declared = rawAttributes.filter(([n]) => n === 'xmlns' || n.startsWith('xmlns:'));
  if (declared.length > 0) {
    const next = new Map(scope);
    for (const [n, v] of declared) next.set(n === 'xmlns' ? '' : n.slice(6), v);
    scope = next;
  }
  const resolve = (name: string, useDefault: boolean): { ns: string; local: string } => {
    const colon = name.indexOf(':');
    if (colon < 0) return { ns: useDefault ? (scope.get('') ?? '') : '', local: name };
    const prefix = name.slice(0, colon);
    const ns = scope.get(prefix);
    if (ns === undefined) fail(`undeclared prefix ${prefix}`);
    return { ns: ns ?? '', local: name.slice(colon + 1) };
  };
  const attributes = new Map<string, string>();
  for (const [n, v] of rawAttributes) {
    if (n === 'xmlns' || n.startsWith('xmlns:')) continue;
    // Unprefixed attributes are in no namespace; DAV only uses those (e.g. C:comp name="VEVENT").
    const { ns, local } = resolve(n, false);
    attributes.set(ns === '' ? local : `{${ns}}${local}`, v);
  }
  const { ns, local } = resolve(prefixed, true);
  return { prefixed, attributes, scope, children: [], ns, local };
}

function skipDeclaration(text: string, start: number, fail: (message: string) => never): number {
  // <!DOCTYPE …> may hold an internal subset in brackets; nothing in it is used.
  let depth = 0;
  for (let i = start + 2; i < text.length; i += 1) {
    const c = text[i];
    if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  return fail('unterminated declaration');
}

function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY, (_m, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff) throw new XmlParseError(`bad character reference &${ref};`, offset);
      return String.fromCodePoint(code);
    }
    return NAMED[ref] ?? '';
  });
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c] ?? ''};`,
  );
}

export function children(parent: XmlElement | undefined, ns: string, local: string): XmlElement[] {
  if (!parent) return [];
  return parent.children.filter(
    (c): c is XmlElement => typeof c !== 'string' && c.ns === ns && c.local === local,
  );
}

export function child(parent: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  return children(parent, ns, local)[0];
}

export function elementsOf(parent: XmlElement | undefined): XmlElement[] {
  return parent ? parent.children.filter((c): c is XmlElement => typeof c !== 'string') : [];
}

/** The concatenated character data of an element, trimmed (hrefs and statuses carry no markup). */
export function textOf(element: XmlElement | undefined): string {
  if (!element) return '';
  return element.children
    .map((c) => (typeof c === 'string' ? c : textOf(c)))
    .join('')
    .trim();
}
