import type { TagRef, WbxmlElement } from '../wbxml/index.js';
import { isElement } from '../wbxml/index.js';

// Values a server chooses, which differ from one run to the next: replay maps the recorded ones
// to the live ones, and the comparison of answers ignores them.
export const VOLATILE_TAGS: ReadonlySet<string> = new Set<TagRef>([
  'AirSync:SyncKey',
  'FolderHierarchy:SyncKey',
  'AirSync:ServerId',
  'AirSyncBase:FileReference',
  'AirSync:CollectionId',
  'FolderHierarchy:ServerId',
  'FolderHierarchy:ParentId',
  'Provision:PolicyKey',
  'Ping:Id',
  'GetItemEstimate:CollectionId',
  'Move:SrcMsgId',
  'Move:SrcFldId',
  'Move:DstFldId',
  'Move:DstMsgId',
  'ComposeMail:FolderId',
  'ComposeMail:ItemId',
  'MeetingResponse:CollectionId',
  'MeetingResponse:RequestId',
  'Search:LongId',
  // Derived from a Message-ID and date, new for every message a flow creates (a draft).
  'Email2:ConversationId',
  'Email2:ConversationIndex',
]);

/** Query parameters and headers that carry the same kind of values. */
export const VOLATILE_PARAMS: readonly string[] = ['CollectionId', 'ItemId', 'X-MS-PolicyKey'];

const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$|^\d{8}T\d{6}Z$/;

/** The text of every volatile element, in document order. */
export function volatileValues(e: WbxmlElement, out: string[] = []): string[] {
  for (const c of e.children) {
    if (!isElement(c)) continue;
    if (VOLATILE_TAGS.has(c.tag)) {
      const text = c.children.find((x): x is string => typeof x === 'string');
      if (text !== undefined) out.push(text);
    } else volatileValues(c, out);
  }
  return out;
}

/** Replaces volatile values through a mapping (recorded → live); other text stays. */
export function rewrite(e: WbxmlElement, map: ReadonlyMap<string, string>): WbxmlElement {
  return {
    tag: e.tag,
    children: e.children.map((c) => {
      if (!isElement(c)) return c;
      if (VOLATILE_TAGS.has(c.tag))
        return {
          tag: c.tag,
          children: c.children.map((x) => (typeof x === 'string' ? (map.get(x) ?? x) : x)),
        };
      return rewrite(c, map);
    }),
  };
}

/**
 * A comparable form: volatile values become placeholders numbered by first appearance (so "the
 * same key twice" still has to hold), timestamps become <date>.
 */
export function normalise(e: WbxmlElement, names: Map<string, string> = new Map()): WbxmlElement {
  return {
    tag: e.tag,
    children: e.children.map((c) => {
      if (typeof c === 'string') return DATE_RE.test(c) ? '<date>' : c;
      if (!isElement(c)) return c;
      if (VOLATILE_TAGS.has(c.tag)) {
        return {
          tag: c.tag,
          children: c.children.map((x) => {
            if (isElement(x)) return x;
            // Opaque values (ConversationId) are named by their bytes.
            const value = typeof x === 'string' ? x : `opaque:${Buffer.from(x).toString('base64')}`;
            if (!names.has(value)) names.set(value, `<${c.tag.split(':')[1]}#${names.size + 1}>`);
            return names.get(value)!;
          }),
        };
      }
      return normalise(c, names);
    }),
  };
}
