import fc from 'fast-check';
import {
  ACTIVESYNC_PAGES,
  CODE_PAGES,
  type TagRef,
  type WbxmlElement,
  type WbxmlNode,
} from '../../src/wbxml/index.js';

// Every tag name that decoding yields (a token's older alias encodes but decodes to its current name).
export const ALL_TAGS: readonly TagRef[] = CODE_PAGES.flatMap((p) =>
  Object.keys(p.tags).map((t) => `${p.namespace}:${t}` as TagRef),
).filter((tag) => {
  const code = ACTIVESYNC_PAGES.tagCode(tag)!;
  return ACTIVESYNC_PAGES.tagName(code >> 8, code & 0xff) === tag;
});

// Text without NUL (STR_I cannot hold it) and without lone surrogates (not representable in UTF-8).
const textArb = fc
  .oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    // Long text takes the encoder's other path (measured by bound, written natively).
    fc.string({ unit: 'grapheme', minLength: 33, maxLength: 120 }),
    fc.constantFrom(
      '0',
      '1',
      '{5F3D-22}',
      'Funk, Don',
      'Grüße',
      '日本語',
      '🙂 emoji',
      '  spaced  ',
      'a&b<c>',
    ),
  )
  .map((s) => s.split('\0').join(''));

const opaqueArb = fc.uint8Array({ maxLength: 40 });

export interface TreeOptions {
  tags?: readonly TagRef[];
  opaque?: boolean;
  maxDepth?: number;
  text?: fc.Arbitrary<string>;
}

/** Random trees over the real code pages: leaves hold one string, one opaque run, or nothing. */
export function treeArb(options: TreeOptions = {}): fc.Arbitrary<WbxmlElement> {
  const tags = options.tags ?? ALL_TAGS;
  const tagArb = fc.constantFrom(...tags);
  const text = options.text ?? textArb;
  const leafContent: fc.Arbitrary<WbxmlNode[]> =
    options.opaque === false
      ? fc.oneof(
          fc.constant<WbxmlNode[]>([]),
          text.map((s) => [s]),
        )
      : fc.oneof(
          fc.constant<WbxmlNode[]>([]),
          text.map((s) => [s]),
          opaqueArb.map((b) => [b]),
        );
  const { tree } = fc.letrec<{ tree: WbxmlElement; node: WbxmlElement }>((tie) => ({
    tree: fc.record({ tag: tagArb, children: fc.array(tie('node'), { minLength: 0, maxLength: 4 }) }),
    node: fc.oneof(
      { depthSize: 'small', maxDepth: options.maxDepth ?? 5 },
      fc.record({ tag: tagArb, children: leafContent }),
      fc.record({ tag: tagArb, children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) }),
    ),
  }));
  return tree;
}
