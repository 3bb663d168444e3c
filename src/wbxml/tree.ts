import type { TagRef } from './codepages/index.js';

/** A decoded WBXML document: elements, inline strings and opaque byte runs (MS-ASWBXML 2.1.1). */
export type WbxmlNode = WbxmlElement | string | Uint8Array;

export interface WbxmlElement {
  readonly tag: TagRef;
  readonly children: readonly WbxmlNode[];
}

type Child = WbxmlNode | number | bigint | boolean | null | undefined | readonly Child[];

/**
 * Builds an element. Numbers and booleans become their EAS text form (`true` → "1"); `null`,
 * `undefined` and `false`-y optional parts are dropped so replies can be written declaratively:
 * `el('AirSync:Status', 1)`, `el('AirSync:Collection', cond && el(...))`.
 */
export function el(tag: TagRef, ...children: Child[]): WbxmlElement {
  const out: WbxmlNode[] = [];
  pushChildren(out, children);
  return { tag, children: out };
}

function pushChildren(out: WbxmlNode[], children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (c === true) out.push('1');
    else if (typeof c === 'number' || typeof c === 'bigint') out.push(String(c));
    else if (Array.isArray(c)) pushChildren(out, c);
    else out.push(c as WbxmlNode);
  }
}

export function isElement(node: WbxmlNode): node is WbxmlElement {
  return typeof node === 'object' && !(node instanceof Uint8Array);
}

/** Child elements, optionally only those with the given tag. */
export function elements(parent: WbxmlElement, tag?: TagRef): WbxmlElement[] {
  const out: WbxmlElement[] = [];
  for (const c of parent.children) if (isElement(c) && (tag === undefined || c.tag === tag)) out.push(c);
  return out;
}

/** The first child element with that tag. */
export function child(parent: WbxmlElement, tag: TagRef): WbxmlElement | undefined {
  for (const c of parent.children) if (isElement(c) && c.tag === tag) return c;
  return undefined;
}

/** Text content of an element (its string children joined); opaque children are decoded as UTF-8. */
export function text(node: WbxmlElement | undefined): string | undefined {
  if (node === undefined) return undefined;
  let s = '';
  for (const c of node.children) {
    if (typeof c === 'string') s += c;
    else if (c instanceof Uint8Array) s += Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('utf8');
  }
  return s;
}

/** Text of the first child with that tag. */
export function childText(parent: WbxmlElement, tag: TagRef): string | undefined {
  return text(child(parent, tag));
}

/** Opaque bytes of an element (MS-ASWBXML OPAQUE), or its string encoded as UTF-8. */
export function opaque(node: WbxmlElement | undefined): Uint8Array | undefined {
  if (node === undefined) return undefined;
  const parts: Uint8Array[] = [];
  for (const c of node.children) {
    if (c instanceof Uint8Array) parts.push(c);
    else if (typeof c === 'string') parts.push(Buffer.from(c, 'utf8'));
  }
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts);
}
