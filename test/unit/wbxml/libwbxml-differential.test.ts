import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIVESYNC_PAGES,
  decodeWbxml,
  encodeWbxml,
  fromXml,
  toXml,
  type TagRef,
  type WbxmlElement,
} from '../../../src/wbxml/index.js';
import type { PageSet } from '../../../src/wbxml/page-set.js';
import { LIB_PAGES } from '../../support/libwbxml.js';
import { treeArb } from '../../support/wbxml-arbitrary.js';

// Differential test against libwbxml (Debian libwbxml2-utils), compared at token level: both
// trees become (page, token) codes with their text, so the few names libwbxml spells differently
// from MS-ASWBXML (ComposeMail MIME, Email Reply-To) do not matter. libwbxml trims text and writes
// opaque data as base64 text, so the comparison does the same to both sides.

const hasLibwbxml = spawnSync('wbxml2xml', [], { encoding: 'utf8' }).error === undefined;
const SEED = 20261123;

/** Our tags that libwbxml knows under the same (page, token). */
const SHARED_TAGS: TagRef[] = [];
for (let page = 0; page < 32; page++) {
  for (let token = 5; token < 64; token++) {
    const ours = ACTIVESYNC_PAGES.tagName(page, token);
    if (ours !== undefined && LIB_PAGES.tagName(page, token) !== undefined) SHARED_TAGS.push(ours as TagRef);
  }
}

type TokenTree = { code: number; children: (TokenTree | string)[] };

function tokens(e: WbxmlElement, pages: PageSet): TokenTree {
  const children: (TokenTree | string)[] = [];
  for (const c of e.children) {
    const s =
      typeof c === 'string' ? c : c instanceof Uint8Array ? Buffer.from(c).toString('base64') : undefined;
    if (s === undefined) children.push(tokens(c as WbxmlElement, pages));
    else if (s.trim() !== '') children.push(s.trim());
  }
  return { code: pages.tagCode(e.tag)!, children };
}

/** Our tree with libwbxml's names, so its XML reader knows every element. */
function renamed(e: WbxmlElement): WbxmlElement {
  const code = ACTIVESYNC_PAGES.tagCode(e.tag)!;
  return {
    tag: LIB_PAGES.tagName(code >> 8, code & 0xff) as TagRef,
    children: e.children.map((c) => (typeof c === 'object' && !(c instanceof Uint8Array) ? renamed(c) : c)),
  };
}

const printableText = fc
  .string({
    unit: fc.constantFrom(...'abcXYZ019 .,:;-_!?&<>"\'éüß日本'.split('')),
    minLength: 1,
    maxLength: 16,
  })
  .map((s) => s.trim())
  .filter((s) => s !== '');
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('');
const DOCTYPE = '<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">';

describe.skipIf(!hasLibwbxml)('WBXML codec against libwbxml', () => {
  it('libwbxml reads what we write', () => {
    fc.assert(
      // libwbxml writes opaque data raw into its XML unless it knows the element as opaque, and it
      // does not escape control characters: the trees here hold printable text only.
      fc.property(treeArb({ tags: SHARED_TAGS, maxDepth: 4, opaque: false, text: printableText }), (tree) => {
        const xml = execFileSync('wbxml2xml', ['-m', '0', '-l', 'ACTIVESYNC', '-o', '-', '-'], {
          input: encodeWbxml(tree),
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'ignore'],
        });
        const theirs = fromXml(xml.slice(0, xml.lastIndexOf('>') + 1), { pages: LIB_PAGES });
        const ours = tokens(tree, ACTIVESYNC_PAGES);
        expect(alignOpaqueText(tokens(theirs, LIB_PAGES), ours)).toEqual(ours);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('we read what libwbxml writes', () => {
    // Text made of whole base64 groups reads the same as a string and as opaque data, whichever
    // libwbxml chooses for an element.
    const base64Text = fc.integer({ min: 1, max: 5 }).chain((groups) =>
      fc.string({
        unit: fc.constantFrom(...BASE64_ALPHABET),
        minLength: 4 * groups,
        maxLength: 4 * groups,
      }),
    );
    fc.assert(
      fc.property(treeArb({ tags: SHARED_TAGS, maxDepth: 4, opaque: false, text: base64Text }), (tree) => {
        const xml = toXml(renamed(tree), { pages: LIB_PAGES }).replace('?>\n', `?>\n${DOCTYPE}\n`);
        const run = spawnSync('xml2wbxml', ['-n', '-a', '-v', '1.3', '-o', '-', '-'], { input: xml });
        // libwbxml reads some elements (AirSyncBase:Content, ComposeMail:Mime, …) as base64 opaque
        // data and refuses element content inside them: such generated trees say nothing about us.
        fc.pre(!String(run.stderr).includes('Base64') && !String(run.stdout).includes('Base64'));
        expect(run.status).toBe(0);
        const bytes = run.stdout;
        expect([...bytes.subarray(0, 4)]).toEqual([0x03, 0x01, 0x6a, 0x00]);
        expect(tokens(decodeWbxml(bytes), ACTIVESYNC_PAGES)).toEqual(tokens(tree, ACTIVESYNC_PAGES));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

/** libwbxml writes the text of elements it takes for opaque (AirSyncBase:Content, …) as base64. */
function alignOpaqueText(theirs: TokenTree, ours: TokenTree): TokenTree {
  return {
    code: theirs.code,
    children: theirs.children.map((c, i) => {
      const o = ours.children[i];
      if (typeof c !== 'string') return typeof o === 'object' ? alignOpaqueText(c, o) : c;
      return typeof o === 'string' && c !== o && Buffer.from(c, 'base64').toString('utf8') === o ? o : c;
    }),
  };
}
