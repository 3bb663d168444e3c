import type { CodePage, TagVersions } from './codepage.js';

/** Lookup tables over a list of code pages: (page, token) → "Namespace:Tag" and back. */
export interface PageSet {
  /** "Namespace:Tag" for a token on a page, or undefined when the page or token is unknown. */
  tagName(page: number, token: number): string | undefined;
  /** page * 256 + token for a "Namespace:Tag", or undefined when unknown. */
  tagCode(ref: string): number | undefined;
  versions(ref: string): TagVersions | undefined;
  namespace(page: number): string | undefined;
  /** The page number of a namespace, matched without regard to case. */
  pageOf(namespace: string): number | undefined;
}

export function buildPageSet(pages: readonly CodePage[]): PageSet {
  const names: (string | undefined)[][] = [];
  const codes = new Map<string, number>();
  const versions = new Map<string, TagVersions>();
  const namespaces: string[] = [];
  const byLowerNamespace = new Map<string, number>();
  for (const p of pages) {
    if (names[p.page]) throw new Error(`code page ${p.page} defined twice`);
    const row: (string | undefined)[] = new Array<string | undefined>(64).fill(undefined);
    for (const [tag, [token, v]] of Object.entries(p.tags) as [string, CodePage['tags'][string]][]) {
      const ref = `${p.namespace}:${tag}`;
      if (token < 0x05 || token > 0x3f) throw new Error(`${ref}: token ${token} outside 0x05..0x3F`);
      // The spec gives a few tokens a second name in other versions (Provision 0x10 is
      // DeviceEncryptionEnabled in 12.0, RequireStorageCardEncryption later): both names encode
      // to the token; decoding yields the name listed last, the current one.
      const previous = row[token];
      if (previous !== undefined && overlaps(versions.get(previous)!, v)) {
        throw new Error(`${ref}: token ${token} already used by ${previous} in the same versions`);
      }
      row[token] = ref;
      codes.set(ref, p.page * 256 + token);
      versions.set(ref, v);
    }
    names[p.page] = row;
    namespaces[p.page] = p.namespace;
    byLowerNamespace.set(p.namespace.toLowerCase(), p.page);
  }
  return {
    tagName: (page, token) => names[page]?.[token],
    tagCode: (ref) => codes.get(ref),
    versions: (ref) => versions.get(ref),
    namespace: (page) => namespaces[page],
    pageOf: (ns) => byLowerNamespace.get(ns.toLowerCase()),
  };
}

function overlaps(a: TagVersions, b: TagVersions): boolean {
  return a === 'all' || b === 'all' || a.some((v) => b.includes(v));
}
