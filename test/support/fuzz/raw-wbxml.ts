import { ACTIVESYNC_PAGES, type WbxmlElement } from '../../../src/wbxml/index.js';
import {
  END,
  ENTITY,
  OPAQUE,
  STR_I,
  SWITCH_PAGE,
  TAG_CONTENT,
  WBXML_HEADER,
} from '../../../src/wbxml/tokens.js';

// A client's encoder that can say anything the WBXML grammar can: characters that STR_I cannot
// hold (NUL) or that XML 1.0 forbids travel as ENTITY tokens (WBXML 1.3 §5.8.4.3), as a hostile
// client would send them. The gateway's own encoder replaces those, so the fuzz cannot use it.

// eslint-disable-next-line no-control-regex
const AS_ENTITY = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

export function encodeHostile(root: WbxmlElement): Uint8Array {
  const out: number[] = [...WBXML_HEADER];
  let page = 0;
  const mb = (n: number): void => {
    const bytes = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) bytes.unshift((n & 0x7f) | 0x80);
    out.push(...bytes);
  };
  const str = (s: string): void => {
    let run = '';
    const flush = (): void => {
      if (run === '') return;
      out.push(STR_I, ...Buffer.from(run, 'utf8'), 0);
      run = '';
    };
    for (const ch of s) {
      if (AS_ENTITY.test(ch)) {
        flush();
        out.push(ENTITY);
        mb(ch.codePointAt(0)!);
      } else run += ch;
    }
    flush();
  };
  const write = (e: WbxmlElement): void => {
    const code = ACTIVESYNC_PAGES.tagCode(e.tag);
    if (code === undefined) throw new Error(`unknown tag ${e.tag}`);
    if (code >> 8 !== page) {
      page = code >> 8;
      out.push(SWITCH_PAGE, page);
    }
    if (e.children.length === 0) {
      out.push(code & 0xff);
      return;
    }
    out.push((code & 0xff) | TAG_CONTENT);
    for (const c of e.children) {
      if (typeof c === 'string') str(c);
      else if (c instanceof Uint8Array) {
        out.push(OPAQUE);
        mb(c.length);
        out.push(...c);
      } else write(c);
    }
    out.push(END);
  };
  write(root);
  return Uint8Array.from(out);
}
