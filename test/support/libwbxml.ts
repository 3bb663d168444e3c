import { readFileSync } from 'node:fs';
import type { CodePage } from '../../src/wbxml/codepage.js';
import { buildPageSet, type PageSet } from '../../src/wbxml/page-set.js';

// libwbxml's own ActiveSync table, dumped from the library (see the fixture's first line): reads
// the XML libwbxml writes, whose names differ from MS-ASWBXML in a few places.
const LIB_TABLE = readFileSync(
  new URL('../fixtures/wbxml/libwbxml-activesync-tags.txt', import.meta.url),
  'utf8',
);

export const LIB_PAGES: PageSet = buildPageSet(libwbxmlCodePages(LIB_TABLE));

function libwbxmlCodePages(table: string): CodePage[] {
  const pages = new Map<number, Record<string, readonly [number, 'all']>>();
  const namespaces = new Map<number, string>();
  for (const line of table.split('\n')) {
    const ns = /^NS (\d+) (\S+):$/.exec(line);
    if (ns) namespaces.set(Number(ns[1]), ns[2]!);
    const m = /^(\d+) 0x([0-9A-F]{2}) (\S+)$/.exec(line);
    if (!m) continue;
    const page = Number(m[1]);
    const token = parseInt(m[2]!, 16);
    const tags = pages.get(page) ?? {};
    pages.set(page, tags);
    // libwbxml also lists a second name for a token; it reads and writes the first.
    if (!Object.values(tags).some(([t]) => t === token)) tags[m[3]!] = [token, 'all'];
  }
  // Namespaces as libwbxml spells them (it says Gal where the spec says GAL).
  return [...pages].map(([page, tags]) => ({ page, namespace: namespaces.get(page) ?? `Page${page}`, tags }));
}
