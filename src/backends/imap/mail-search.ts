import type { ImapFlow, SearchObject } from 'imapflow';
import { UidSet } from '../../model/uid-set.js';
import { BackendError, type MailSearchHit, type MailSearchQuery } from '../types.js';
import { refreshView } from './messages.js';

// MS-ASCMD Search/Find on the mailbox store as IMAP UID SEARCH (RFC 3501 6.4.4) in the folder the
// caller has selected: every word of the free text must occur (TEXT: headers or body), received
// dates bound INTERNALDATE. The server does the searching; we only fetch INTERNALDATE of the hits
// to order them newest first across folders.

/** Words beyond this are ignored: each costs one more SEARCH over the previous hits. */
const MAX_WORDS = 8;

export interface FolderHit {
  readonly uid: number;
  readonly received: Date;
}

/**
 * The free text as words; "quoted phrases" stay one word. Control characters separate words:
 * an IMAP string cannot carry CR, LF or NUL (RFC 3501 4.3), and imapflow would throw on them.
 */
export function searchWords(freeText: string | undefined): string[] {
  if (freeText === undefined) return [];
  const words: string[] = [];
  // eslint-disable-next-line no-control-regex
  for (const m of freeText.replace(/[\u0000-\u001f\u007f]/g, ' ').matchAll(/"([^"]*)"|(\S+)/g)) {
    const w = (m[1] ?? m[2] ?? '').trim();
    if (w !== '') words.push(w);
  }
  return words.slice(0, MAX_WORDS);
}

/** The hits in the selected folder, oldest first. */
export async function searchFolder(client: ImapFlow, query: MailSearchQuery): Promise<FolderHit[]> {
  await refreshView(client);
  const [first, ...rest] = searchWords(query.freeText);
  const dates: SearchObject = {
    ...(query.receivedAfter ? { since: query.receivedAfter } : {}),
    ...(query.receivedBefore ? { before: query.receivedBefore } : {}),
  };
  let uids = await uidSearch(client, { ...dates, ...(first !== undefined ? { text: first } : {}) });
  for (const word of rest) {
    if (uids.length === 0) break;
    uids = await uidSearch(client, { uid: UidSet.of(uids).toString(), text: word });
  }
  if (uids.length === 0) return [];
  const rows = await client.fetchAll(
    UidSet.of(uids).toString(),
    { uid: true, internalDate: true },
    { uid: true },
  );
  const after = query.receivedAfter?.getTime() ?? -Infinity;
  const before = query.receivedBefore?.getTime() ?? Infinity;
  // SINCE/BEFORE compare whole days where the server lacks WITHIN (RFC 5032): trim to the instant.
  return rows
    .map((r) => ({ uid: r.uid, received: r.internalDate instanceof Date ? r.internalDate : new Date(0) }))
    .filter((h) => h.received.getTime() >= after && h.received.getTime() < before)
    .sort((a, b) => a.uid - b.uid);
}

async function uidSearch(client: ImapFlow, query: SearchObject): Promise<number[]> {
  const found = await client.search(Object.keys(query).length === 0 ? { all: true } : query, { uid: true });
  // imapflow resolves a NO or BAD (e.g. [BADCHARSET], a query the server will not run) to false.
  if (found === false) throw new BackendError('permanent', 'the IMAP server refused the SEARCH');
  return found ?? [];
}

/** Hits of all folders, newest first (ties: the higher UID, i.e. the later arrival, first). */
export function newestFirst(hits: readonly MailSearchHit[]): MailSearchHit[] {
  return [...hits].sort((a, b) => b.received.getTime() - a.received.getTime() || b.uid - a.uid);
}
