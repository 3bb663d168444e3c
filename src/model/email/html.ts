// HTML <-> plain text for clients that ask for a body type the message does not have
// (MS-ASAIRS 2.2.2.9: the server converts the body to the requested Type). Only what a phone needs
// to show the text: no CSS, no layout, just words and line breaks.

const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'center',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tr',
  'ul',
]);

// Block boundaries leave markers that collapse into one line break (LINE) or one blank line
// (PARAGRAPH), however many boundaries meet; <br> is a real line break and always counts.
const LINE = '\u0001';
const PARAGRAPH = '\u0002';

/** Elements whose content is never text to show. */
const SKIPPED = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'object', 'svg']);

const TOKEN =
  /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>?/g;

/** Plain text of an HTML document: tags, scripts and styles dropped, entities decoded, block breaks kept. */
export function htmlToText(html: string): string {
  const out: string[] = [];
  const links: { href: string; start: number }[] = [];
  let pre = 0;
  let last = 0;
  const token = new RegExp(TOKEN.source, 'g');
  let m: RegExpExecArray | null;
  while ((m = token.exec(html)) !== null) {
    if (m.index > last) out.push(textRun(html.slice(last, m.index), pre > 0));
    last = token.lastIndex;
    const name = m[2]?.toLowerCase();
    if (name === undefined) continue;
    const closing = m[1] === '/';
    if (!closing && SKIPPED.has(name)) {
      // Skip to the matching end tag; an unterminated script swallows the rest, as a browser would.
      const end = new RegExp(`</${name}\\s*>`, 'ig');
      end.lastIndex = last;
      const found = end.exec(html);
      last = found ? end.lastIndex : html.length;
      token.lastIndex = last;
      continue;
    }
    if (name === 'br') out.push('\n');
    else if (name === 'pre') {
      pre = Math.max(0, pre + (closing ? -1 : 1));
      out.push(PARAGRAPH);
    } else if (name === 'p') out.push(PARAGRAPH);
    else if (name === 'li' && !closing) out.push(`${LINE}• `);
    else if (name === 'td' || name === 'th') {
      if (!closing) out.push('\t');
    } else if (name === 'img' && !closing) {
      const alt = attribute(m[3] ?? '', 'alt');
      if (alt) out.push(decodeEntities(alt));
    } else if (name === 'a' && !closing) {
      const href = attribute(m[3] ?? '', 'href');
      const target = href && /^(?:https?|mailto):/i.test(href.trim()) ? decodeEntities(href.trim()) : '';
      links.push({ href: target, start: out.length });
    } else if (name === 'a' && closing) {
      // A phone showing plain text cannot follow a link, so its target is written after the
      // link text unless the text already is the target.
      const link = links.pop();
      if (link?.href) {
        const shown = out.slice(link.start).join('');
        if (!shown.includes(link.href.replace(/^mailto:/i, ''))) out.push(` <${link.href}>`);
      }
    } else if (BLOCK.has(name)) out.push(LINE);
  }
  if (last < html.length) out.push(textRun(html.slice(last), pre > 0));
  return tidy(out.join(''));
}

function textRun(raw: string, preformatted: boolean): string {
  const text = decodeEntities(raw);
  return preformatted ? text.replace(/\r\n?/g, '\n') : text.replace(/[ \t\r\n\f]+/g, ' ');
}

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function tidy(text: string): string {
  return (
    text
      .replace(/\u00a0/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[ \t]*(?:[\u0001\u0002\n][ \t]*)+/g, (run) => {
        const hard = run.split('\n').length - 1;
        const soft = run.includes(PARAGRAPH) ? 2 : run.includes(LINE) ? 1 : 0;
        return '\n'.repeat(Math.max(hard, soft));
      })
      .replace(/\n{3,}/g, '\n\n')
      .replace(/^\s+|\s+$/g, '')
  );
}

/** Escapes text and wraps it in a minimal HTML document that keeps its line breaks. */
export function textToHtml(text: string): string {
  return (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>' +
    '<pre style="white-space:pre-wrap;word-wrap:break-word;font-family:inherit">' +
    escapeHtml(text) +
    '</pre></body></html>'
  );
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;',
  );
}

// HTML 4 named entities of ISO-8859-1 (160..255) in code point order, plus the common others.
const LATIN1_NAMES =
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'.split(
    ' ',
  );

const ENTITIES = new Map<string, number>([
  ['amp', 38],
  ['lt', 60],
  ['gt', 62],
  ['quot', 34],
  ['apos', 39],
  ['OElig', 338],
  ['oelig', 339],
  ['Scaron', 352],
  ['scaron', 353],
  ['Yuml', 376],
  ['fnof', 402],
  ['circ', 710],
  ['tilde', 732],
  ['ensp', 8194],
  ['emsp', 8195],
  ['thinsp', 8201],
  ['zwnj', 8204],
  ['zwj', 8205],
  ['lrm', 8206],
  ['rlm', 8207],
  ['ndash', 8211],
  ['mdash', 8212],
  ['lsquo', 8216],
  ['rsquo', 8217],
  ['sbquo', 8218],
  ['ldquo', 8220],
  ['rdquo', 8221],
  ['bdquo', 8222],
  ['dagger', 8224],
  ['Dagger', 8225],
  ['bull', 8226],
  ['hellip', 8230],
  ['permil', 8240],
  ['prime', 8242],
  ['lsaquo', 8249],
  ['rsaquo', 8250],
  ['euro', 8364],
  ['trade', 8482],
  ['larr', 8592],
  ['uarr', 8593],
  ['rarr', 8594],
  ['darr', 8595],
  ['minus', 8722],
  ['le', 8804],
  ['ge', 8805],
  ['ne', 8800],
  ...LATIN1_NAMES.map((n, i): [string, number] => [n, 160 + i]),
]);

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/g,
    (all, dec, hex, name) => {
      if (name !== undefined) {
        const cp = ENTITIES.get(name as string) ?? ENTITIES.get((name as string).toLowerCase());
        return cp === undefined ? all : String.fromCodePoint(cp);
      }
      const cp = dec !== undefined ? parseInt(dec as string, 10) : parseInt(hex as string, 16);
      // Invalid, NUL and other control references become U+FFFD (the HTML parser does so for
      // NUL and surrogates; controls would not survive in a WBXML string either).
      const control = cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d;
      if (control || cp === 0x7f || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    },
  );
}
