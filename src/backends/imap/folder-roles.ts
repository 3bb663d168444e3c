import type { MailFolderRole } from '../../model/folder-type.js';

export interface RoleCandidate {
  readonly path: string;
  readonly delimiter: string;
  readonly flags: ReadonlySet<string>;
}

type SpecialRole = 'drafts' | 'sent' | 'trash' | 'junk' | 'archive';

// RFC 6154 section 2; flags are atoms, so compared case-insensitively.
const ROLE_OF_SPECIAL_USE: ReadonlyArray<readonly [SpecialRole, string]> = [
  ['drafts', '\\drafts'],
  ['sent', '\\sent'],
  ['trash', '\\trash'],
  ['junk', '\\junk'],
  ['archive', '\\archive'],
];

// For servers without SPECIAL-USE (or without a flag for that role): the names clients
// commonly create, in order of preference. Archive is left out: an ordinary folder named
// "Archive" would then become undeletable.
const WELL_KNOWN_NAMES: ReadonlyArray<readonly [SpecialRole, readonly string[]]> = [
  ['drafts', ['drafts']],
  ['sent', ['sent', 'sent items', 'sent messages']],
  ['trash', ['trash', 'deleted items', 'deleted messages']],
  ['junk', ['junk', 'spam']],
];

export function isInbox(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}

export function segmentsOf(path: string, delimiter: string): string[] {
  return delimiter === '' ? [path] : path.split(delimiter);
}

/**
 * Gives INBOX, then each special-use role to one mailbox: the shallowest flagged one, else the
 * best well-known name at the top level or directly under INBOX (servers with an "INBOX."
 * namespace). Mailboxes left out are 'other'.
 */
export function assignRoles(mailboxes: readonly RoleCandidate[]): Map<string, MailFolderRole> {
  const roles = new Map<string, MailFolderRole>();
  const ordered = [...mailboxes].sort(
    (a, b) =>
      segmentsOf(a.path, a.delimiter).length - segmentsOf(b.path, b.delimiter).length ||
      compare(a.path, b.path),
  );
  for (const m of ordered) if (isInbox(m.path)) roles.set(m.path, 'inbox');

  const lowerFlags = new Map(ordered.map((m) => [m.path, new Set([...m.flags].map((f) => f.toLowerCase()))]));
  for (const [role, flag] of ROLE_OF_SPECIAL_USE) {
    const match = ordered.find((m) => !roles.has(m.path) && lowerFlags.get(m.path)?.has(flag));
    if (match) roles.set(match.path, role);
  }

  const taken = new Set(roles.values());
  for (const [role, names] of WELL_KNOWN_NAMES) {
    if (taken.has(role)) continue;
    for (const name of names) {
      const match = ordered.find((m) => !roles.has(m.path) && isTopLevelNamed(m, name));
      if (match) {
        roles.set(match.path, role);
        break;
      }
    }
  }
  return roles;
}

function isTopLevelNamed(m: RoleCandidate, name: string): boolean {
  const segments = segmentsOf(m.path, m.delimiter);
  const last = segments[segments.length - 1] ?? '';
  const topLevel = segments.length === 1 || (segments.length === 2 && isInbox(segments[0] ?? ''));
  return topLevel && last.toLowerCase() === name;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
