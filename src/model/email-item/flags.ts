import { child, childText, elements, el, text, type WbxmlElement } from '../../wbxml/index.js';

// IMAP flags ↔ EAS Read, Flag and Categories (MS-ASEMAIL 2.2.2.34 Flag, 2.2.2.14 Categories).
// IMAP has only \Flagged; "complete" is kept as the keyword $Completed so a phone's completed
// follow-up survives a round trip (other IMAP clients just see the message unflagged).

export type FlagState = 'cleared' | 'active' | 'complete';

export interface EmailChange {
  readonly read?: boolean;
  readonly flag?: FlagState;
  readonly categories?: readonly string[];
}

export class EmailChangeError extends Error {
  override readonly name = 'EmailChangeError';
}

export const COMPLETE_KEYWORD = '$Completed';

// Keywords with a meaning of their own (RFC 5788 registry and common client use): never categories.
const NOT_CATEGORIES = new Set(
  [
    COMPLETE_KEYWORD,
    '$Forwarded',
    '$MDNSent',
    '$Junk',
    '$NotJunk',
    '$Phishing',
    '$SubmitPending',
    '$Submitted',
    '$Important',
    '$HasAttachment',
    '$HasNoAttachment',
    'Junk',
    'NonJunk',
    'NotJunk',
  ].map((k) => k.toLowerCase()),
);

// RFC 3501 atom-specials plus what may not start a keyword; everything else outside printable
// ASCII is escaped as _XX hex of its UTF-8 bytes, and '_' itself as _5F, space as a plain '_'.
const NEEDS_ESCAPE = /[^\x21-\x7e]|[(){%*"\\\]_]/u;

export function keywordForCategory(category: string): string {
  if (
    !NEEDS_ESCAPE.test(category) &&
    !category.startsWith('$') &&
    !NOT_CATEGORIES.has(category.toLowerCase())
  )
    return category;
  let out = '';
  for (const ch of category) {
    if (ch === ' ') out += '_';
    else if (ch === '_' || NEEDS_ESCAPE.test(ch) || (out === '' && ch === '$')) {
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

export function categoryForKeyword(keyword: string): string | undefined {
  if (keyword.startsWith('\\') || keyword.startsWith('$') || NOT_CATEGORIES.has(keyword.toLowerCase()))
    return undefined;
  if (!keyword.includes('_')) return keyword;
  const bytes: number[] = [];
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword[i] as string;
    const hex = keyword.slice(i + 1, i + 3);
    if (c === '_' && /^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '_') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function categoriesOf(flags: readonly string[]): string[] {
  return flags.flatMap((f) => {
    const c = categoryForKeyword(f);
    return c === undefined ? [] : [c];
  });
}

export function flagStateOf(flags: readonly string[]): FlagState {
  if (flags.includes('\\Flagged')) return 'active';
  return flags.some((f) => f.toLowerCase() === COMPLETE_KEYWORD.toLowerCase()) ? 'complete' : 'cleared';
}

/** MS-ASEMAIL 2.2.2.34: an empty Flag element means "not flagged". */
export function renderFlag(flags: readonly string[]): WbxmlElement {
  const state = flagStateOf(flags);
  if (state === 'cleared') return el('Email:Flag');
  return el(
    'Email:Flag',
    el('Email:Status', state === 'active' ? 2 : 1),
    el('Email:FlagType', 'Flag for follow up'),
  );
}

/** Read, Flag and (14.0+) Categories: what a server-side flag change updates on the device. */
export function renderEmailFlagFields(
  flags: readonly string[],
  opts: { readonly versionRank: number },
): WbxmlElement[] {
  const categories = categoriesOf(flags);
  return [
    el('Email:Read', flags.includes('\\Seen') ? 1 : 0),
    renderFlag(flags),
    opts.versionRank >= 140 &&
      el(
        'Email:Categories',
        categories.map((c) => el('Email:Category', c)),
      ),
  ].filter((e): e is WbxmlElement => e !== false);
}

export function parseEmailChange(data: WbxmlElement): EmailChange {
  const read = childText(data, 'Email:Read');
  if (read !== undefined && read !== '0' && read !== '1')
    throw new EmailChangeError(`Read "${read}" is not 0 or 1`);
  const flag = child(data, 'Email:Flag');
  let flagState: FlagState | undefined;
  if (flag !== undefined) {
    const status = childText(flag, 'Email:Status');
    if (status === undefined || status === '0') flagState = 'cleared';
    else if (status === '1') flagState = 'complete';
    else if (status === '2') flagState = 'active';
    else throw new EmailChangeError(`Flag Status "${status}" is not 0, 1 or 2`);
  }
  const categories = child(data, 'Email:Categories');
  return {
    ...(read !== undefined ? { read: read === '1' } : {}),
    ...(flagState !== undefined ? { flag: flagState } : {}),
    ...(categories !== undefined
      ? {
          categories: elements(categories, 'Email:Category')
            .map((c) => text(c) ?? '')
            .filter((c) => c !== ''),
        }
      : {}),
  };
}

export function keywordChanges(
  current: readonly string[],
  change: EmailChange,
): { add: string[]; remove: string[] } {
  const has = (f: string) => current.some((c) => c.toLowerCase() === f.toLowerCase());
  const add: string[] = [];
  const remove: string[] = [];
  const want = (f: string, on: boolean) => {
    if (on && !has(f)) add.push(f);
    if (!on && has(f)) remove.push(...current.filter((c) => c.toLowerCase() === f.toLowerCase()));
  };
  if (change.read !== undefined) want('\\Seen', change.read);
  if (change.flag !== undefined) {
    want('\\Flagged', change.flag === 'active');
    want(COMPLETE_KEYWORD, change.flag === 'complete');
  }
  if (change.categories !== undefined) {
    const wanted = new Set(change.categories.map(keywordForCategory));
    for (const f of current) if (categoryForKeyword(f) !== undefined && !wanted.has(f)) remove.push(f);
    for (const k of wanted) if (!current.includes(k)) add.push(k);
  }
  return { add, remove };
}
