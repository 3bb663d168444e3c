// A code page is data: the MS-ASWBXML table for one namespace. Tag names are spelled exactly as
// the spec spells them; the token is the byte without the content bit (0x40).

export const PROTOCOL_VERSIONS = ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'] as const;
export type ProtocolVersionString = (typeof PROTOCOL_VERSIONS)[number];

/** Versions in which a tag may appear; `'all'` when the spec's table says "All". */
export type TagVersions = 'all' | readonly ProtocolVersionString[];

/** One row of an MS-ASWBXML code-page table: token, and the versions the spec lists for it. */
export type TagDef = readonly [token: number, versions: TagVersions];

export interface CodePage<N extends string = string, T extends string = string> {
  readonly page: number;
  readonly namespace: N;
  readonly tags: Readonly<Record<T, TagDef>>;
}

export function defineCodePage<const N extends string, const T extends string>(
  page: number,
  namespace: N,
  tags: Record<T, TagDef>,
): CodePage<N, T> {
  return { page, namespace, tags };
}

export const ALL = 'all' as const;
