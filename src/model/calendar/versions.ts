import { isElement, isTagValidIn, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import type { ProtocolVersionString } from '../../wbxml/index.js';

// Which elements a protocol version defines. The MS-ASWBXML tables (isTagValidIn) say when a tag
// exists at all; the class specs retire some in later versions, listed here.

const VERSION_OF_RANK: Readonly<Record<number, ProtocolVersionString>> = {
  120: '12.0',
  121: '12.1',
  140: '14.0',
  141: '14.1',
  160: '16.0',
  161: '16.1',
};

/** Last version rank an element is sent in ("Protocol Versions" tables of the class specs). */
const RETIRED_AFTER: Partial<Record<TagRef, number>> = {
  // MS-ASCAL 2.2.2.27: 16.x uses airsyncbase:Location instead.
  'Calendar:Location': 141,
  // MS-ASCAL 2.2.2.23: 16.x names an exception by airsyncbase:InstanceId instead.
  'Calendar:ExceptionStartTime': 141,
};

export function definedIn(tag: TagRef, versionRank: number): boolean {
  const retired = RETIRED_AFTER[tag];
  if (retired !== undefined && versionRank > retired) return false;
  const version = VERSION_OF_RANK[versionRank];
  return version === undefined || isTagValidIn(tag, version);
}

/** Drops, at any depth, the elements the version does not define. */
export function forVersion(elements: readonly WbxmlElement[], versionRank: number): WbxmlElement[] {
  const out: WbxmlElement[] = [];
  for (const e of elements) {
    if (!definedIn(e.tag, versionRank)) continue;
    const children = e.children.map((c) => (isElement(c) ? forVersion([c], versionRank)[0] : c));
    out.push({ tag: e.tag, children: children.filter((c) => c !== undefined) });
  }
  return out;
}
