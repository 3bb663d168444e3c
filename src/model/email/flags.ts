import { el, type WbxmlElement } from '../../wbxml/index.js';
import { categoriesOf, categoryForKeyword, keywordForCategory } from './categories.js';
import type { EmailChange, FlagState } from './change.js';
import { V14_0, type EmailRenderOptions } from './options.js';

// IMAP flags <-> the EAS properties a client changes on a message with a Sync Change: Read, Flag
// (MS-ASEMAIL 3.1.5.4.1, 3.2.5.4.2) and Categories.

export const SEEN = '\\Seen';
export const FLAGGED = '\\Flagged';
export const ANSWERED = '\\Answered';
export const DRAFT = '\\Draft';
export const FORWARDED = '$Forwarded';

/**
 * IMAP has no flag for a completed follow-up (MS-ASEMAIL 2.2.2.74 Status 1). "$Completed" marks
 * it. \Flagged is what every other IMAP client shows as the flag, so it decides: a message with
 * \Flagged is active whatever else it has (another client may have flagged it again), and
 * "$Completed" only means complete on a message without \Flagged. Starting with "$", it is never
 * taken for a category.
 */
export const COMPLETE_KEYWORD = '$Completed';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
export const hasFlag = (flags: readonly string[], flag: string): boolean => flags.some((f) => same(f, flag));

export function flagStateOf(flags: readonly string[]): FlagState {
  if (hasFlag(flags, FLAGGED)) return 'active';
  if (hasFlag(flags, COMPLETE_KEYWORD)) return 'complete';
  return 'cleared';
}

/**
 * MS-ASEMAIL 2.2.2.34 Flag: empty when not flagged ("<Flag/>"). IMAP keeps no dates for a flag,
 * so the optional start/due/complete times are left out.
 */
export function renderFlag(flags: readonly string[]): WbxmlElement {
  switch (flagStateOf(flags)) {
    case 'active':
      return el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', 'Flag for follow up'));
    case 'complete':
      return el('Email:Flag', el('Email:Status', 1), el('Email:FlagType', 'Flag for follow up'));
    case 'cleared':
      return el('Email:Flag');
  }
}

/**
 * MS-ASEMAIL 2.2.2.16 Categories (14.0+): an empty element when there are none, so that a client
 * clears categories it still shows.
 */
export function renderCategories(flags: readonly string[]): WbxmlElement {
  return el(
    'Email:Categories',
    categoriesOf(flags).map((c) => el('Email:Category', c)),
  );
}

/**
 * MS-ASEMAIL 2.2.2.44 LastVerbExecuted (14.0+): 1 reply to sender, 3 forward. IMAP records that a
 * message was answered (\Answered) and forwarded ($Forwarded, RFC 5550) but not which came last;
 * the reply is shown when both are set, since answering is what most users look for.
 */
export function lastVerbExecuted(flags: readonly string[]): 0 | 1 | 3 {
  if (hasFlag(flags, ANSWERED)) return 1;
  if (hasFlag(flags, FORWARDED)) return 3;
  return 0;
}

/**
 * The ApplicationData children of a server Change when only flags changed: Read, Flag, and on
 * 14.0+ Categories and LastVerbExecuted (0, "unknown", when neither flag is left, so a cleared
 * \Answered reaches the client too).
 */
export function renderEmailFlagFields(
  flags: readonly string[],
  opts: Pick<EmailRenderOptions, 'versionRank'>,
): WbxmlElement[] {
  const out = [el('Email:Read', hasFlag(flags, SEEN) ? 1 : 0), renderFlag(flags)];
  if (opts.versionRank >= V14_0) {
    out.push(renderCategories(flags), el('Email2:LastVerbExecuted', lastVerbExecuted(flags)));
  }
  return out;
}

/** IMAP flags to add and remove so the message reflects `change`, given its current flags. */
export function keywordChanges(
  current: readonly string[],
  change: EmailChange,
): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  const want = (flag: string, on: boolean): void => {
    const present = current.filter((f) => same(f, flag));
    if (on && present.length === 0) add.push(flag);
    if (!on) remove.push(...present);
  };
  if (change.read !== undefined) want(SEEN, change.read);
  if (change.flag !== undefined) {
    want(FLAGGED, change.flag === 'active');
    want(COMPLETE_KEYWORD, change.flag === 'complete');
  }
  if (change.categories !== undefined) {
    const desired = change.categories.filter((c) => c !== '');
    // A keyword stays when it stands for a wanted category, whether it is spelt the way this
    // module writes it or the way another client did.
    const matches = (keyword: string, category: string): boolean =>
      categoryForKeyword(keyword) === category || same(keywordForCategory(category), keyword);
    for (const f of current) {
      if (categoryForKeyword(f) === undefined) continue;
      if (!desired.some((c) => matches(f, c))) remove.push(f);
    }
    for (const c of desired) {
      const keyword = keywordForCategory(c);
      if (current.some((f) => categoryForKeyword(f) !== undefined && matches(f, c))) continue;
      if (!add.some((k) => same(k, keyword))) add.push(keyword);
    }
  }
  return { add, remove };
}
