import { Buffer } from 'node:buffer';

// MS-ASEMAIL 2.2.2.16 Categories are free text; IMAP keywords are atoms (RFC 3501 section 9:
// ASCII, no SP, CTL or "(){%*\"\\]"). The mapping between them is readable for categories that
// already are atoms and reversible for all others:
//
//  - a space becomes "_" (as Thunderbird writes tag keys);
//  - "&" becomes "&-", and every other character that is not a plain atom character ("_", the
//    atom-specials, controls, non-ASCII) is written as a run in IMAP modified UTF-7 (RFC 3501
//    5.1.3): "&" + modified base64 of the UTF-16BE code units + "-". "Büro" → "B&APw-ro".
//  - a leading "$" is encoded the same way, so no category can land on the "$" keywords that
//    servers and clients reserve ($Forwarded, $Junk, $label1, $MailFlagBit0…): every keyword
//    starting with "$" is therefore not a category;
//  - "Junk", "NonJunk" and "NotJunk" (spam-filter keywords written without "$") get their first
//    character encoded and are never read back as categories either.
//
// IMAP compares keywords case-insensitively (RFC 3501 9: "all alphabetic characters are
// case-insensitive"), so two categories that differ only in case share one keyword.

/** Keywords without "$" that spam filters and clients set; not user categories. */
const RESERVED_PLAIN = new Set(['junk', 'nonjunk', 'notjunk']);

/** RFC 3501 ATOM-CHAR minus "&" (the escape) and "_" (stands for space). */
function isPlain(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (ch.length !== 1 || c <= 0x20 || c >= 0x7f) return false;
  return !'(){%*"\\]&_'.includes(ch);
}

export function keywordForCategory(category: string): string {
  if (category === '') throw new RangeError('an empty category has no keyword');
  let out = '';
  let run = '';
  const flush = (): void => {
    if (run !== '') out += `&${modifiedBase64(run)}-`;
    run = '';
  };
  for (let i = 0; i < category.length; i++) {
    const ch = category[i]!;
    const escapeLeading = i === 0 && (ch === '$' || RESERVED_PLAIN.has(category.toLowerCase()));
    if (ch === ' ') {
      flush();
      out += '_';
    } else if (ch === '&') {
      flush();
      out += '&-';
    } else if (isPlain(ch) && !escapeLeading) {
      flush();
      out += ch;
    } else run += ch;
  }
  flush();
  return out;
}

/** The category a keyword stands for; undefined for system flags and reserved keywords. */
export function categoryForKeyword(keyword: string): string | undefined {
  if (keyword === '' || keyword.startsWith('\\') || keyword.startsWith('$')) return undefined;
  if (RESERVED_PLAIN.has(keyword.toLowerCase())) return undefined;
  return decodeKeyword(keyword) ?? keyword;
}

/** The categories a message's flags carry, in flag order, without duplicates. */
export function categoriesOf(flags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of flags) {
    const c = categoryForKeyword(f);
    if (c === undefined || seen.has(c)) continue;
    seen.add(c);
    out.push(c);
  }
  return out;
}

/** Modified base64 (RFC 3501 5.1.3): "," instead of "/", no padding. */
function modifiedBase64(text: string): string {
  const units = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) units.writeUInt16BE(text.charCodeAt(i), i * 2);
  return units.toString('base64').replace(/=+$/, '').replace(/\//g, ',');
}

/** Inverse of the encoding; undefined when the keyword is not valid in it (set by another client). */
function decodeKeyword(keyword: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < keyword.length) {
    const ch = keyword[i]!;
    if (ch === '_') {
      out += ' ';
      i++;
    } else if (ch === '&') {
      const end = keyword.indexOf('-', i + 1);
      if (end < 0) return undefined;
      const b64 = keyword.slice(i + 1, end);
      if (b64 === '') out += '&';
      else {
        const text = fromModifiedBase64(b64);
        if (text === undefined) return undefined;
        out += text;
      }
      i = end + 1;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function fromModifiedBase64(b64: string): string | undefined {
  if (!/^[A-Za-z0-9+,]+$/.test(b64) || b64.length % 4 === 1) return undefined;
  const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
  if (bytes.length % 2 !== 0) return undefined;
  let text = '';
  for (let i = 0; i < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
  return text;
}
