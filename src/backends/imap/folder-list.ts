import type { MailFolder } from '../types.js';
import { assignRoles, segmentsOf } from './folder-roles.js';

/** One LIST entry, with the server's id for it (RFC 8474 MAILBOXID, Dovecot's GUID) if any. */
export interface ListedMailbox {
  readonly path: string;
  readonly delimiter: string;
  readonly flags: ReadonlySet<string>;
  readonly mailboxId: string | undefined;
  /**
   * The account's personal namespace prefix (RFC 2342), e.g. "INBOX." on Courier-IMAP; absent or ''
   * when folders live at the root. What is under it is shown at the top level.
   */
  readonly personalNamespace?: string;
}

/** EAS clients (Android) expect an Outbox (MS-ASCMD FolderSync Type 6); IMAP has none. */
export const OUTBOX_KEY = 'virtual:outbox';

export const OUTBOX: MailFolder = {
  key: OUTBOX_KEY,
  path: '',
  name: 'Outbox',
  parentKey: undefined,
  role: 'outbox',
};

/** The id survives RENAME (RFC 8474 section 4); the path is the fallback without one. */
export function folderKey(path: string, mailboxId: string | undefined): string {
  return mailboxId === undefined ? `imap:path:${path}` : `imap:id:${mailboxId}`;
}

/** Flags are atoms: compared case-insensitively (RFC 3501 section 9). */
export function hasFlag(m: ListedMailbox, flag: string): boolean {
  const lower = flag.toLowerCase();
  return [...m.flags].some((f) => f.toLowerCase() === lower);
}

export function isSelectable(m: ListedMailbox): boolean {
  // RFC 5258 section 3: \NonExistent implies \Noselect.
  return !hasFlag(m, '\\Noselect') && !hasFlag(m, '\\NonExistent');
}

/** The prefix `m.path` has below the personal namespace ('' when at the root). */
export function namespaceOf(m: ListedMailbox): string {
  const prefix = m.personalNamespace ?? '';
  return prefix !== '' && m.path.startsWith(prefix) ? prefix : '';
}

/**
 * The folders EAS sees, parents before children, then the virtual Outbox. \Noselect containers
 * are left out, since a client could not sync them; their children hang from the nearest listed
 * ancestor (or the root) and keep their own last name segment as name. Folders in an "INBOX."
 * personal namespace (Courier) are top-level folders, as the phone creates them at its root.
 */
export function buildFolders(listed: readonly ListedMailbox[]): MailFolder[] {
  const mailboxes = listed.filter(isSelectable);
  const roles = assignRoles(mailboxes);
  const keyOfPath = new Map(mailboxes.map((m) => [m.path, folderKey(m.path, m.mailboxId)]));
  const folders = mailboxes.map((m): MailFolder & { depth: number } => {
    const namespace = namespaceOf(m);
    const segments = segmentsOf(m.path.slice(namespace.length), m.delimiter);
    let parentKey: string | undefined;
    for (let n = segments.length - 1; n > 0 && parentKey === undefined; n--) {
      parentKey = keyOfPath.get(namespace + segments.slice(0, n).join(m.delimiter));
    }
    return {
      key: folderKey(m.path, m.mailboxId),
      path: m.path,
      name: segments[segments.length - 1] ?? m.path,
      parentKey,
      role: roles.get(m.path) ?? 'other',
      depth: segments.length,
    };
  });
  folders.sort((a, b) => a.depth - b.depth || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [...folders.map(({ depth: _depth, ...folder }) => folder), OUTBOX];
}
