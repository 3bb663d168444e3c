import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACTIVESYNC_PAGES,
  decodeWbxml,
  encodeWbxml,
  fromXml,
  toXml,
  type WbxmlElement,
} from '../../../src/wbxml/index.js';
import type { PageSet } from '../../../src/wbxml/page-set.js';
import { LIB_PAGES } from '../../support/libwbxml.js';

// Golden pairs: requests real clients sent (TbSync against Z-Push and SOGo, iOS at 16.1), as
// libwbxml printed them, and the WBXML libwbxml's xml2wbxml makes of that XML. Our codec must
// produce the same bytes and read them back to the same document.
const dir = new URL('../../fixtures/wbxml/golden/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => f.slice(0, -4));

type Tokens = { code: number; children: (Tokens | string)[] };
const tokens = (e: WbxmlElement, pages: PageSet): Tokens => ({
  code: pages.tagCode(e.tag)!,
  children: e.children.map((c) =>
    typeof c === 'string'
      ? c
      : c instanceof Uint8Array
        ? Buffer.from(c).toString('base64')
        : tokens(c, pages),
  ),
});

describe('golden WBXML from real clients', () => {
  it('has fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(30);
  });

  it.each(names)('%s', (name) => {
    const wbxml = readFileSync(new URL(`${name}.wbxml`, dir));
    const decoded = decodeWbxml(wbxml);
    expect(Buffer.from(encodeWbxml(decoded)).equals(wbxml)).toBe(true);
    const asLibwbxmlWroteIt = fromXml(readFileSync(new URL(`${name}.xml`, dir), 'utf8'), {
      pages: LIB_PAGES,
    });
    expect(tokens(decoded, ACTIVESYNC_PAGES)).toEqual(tokens(asLibwbxmlWroteIt, LIB_PAGES));
    expect(fromXml(toXml(decoded))).toEqual(decoded);
  });
});
