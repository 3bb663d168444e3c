import { BackendError, type MailFolder } from '../types.js';
import { buildFolders, hasFlag, isSelectable, type ListedMailbox } from './folder-list.js';
import { segmentsOf } from './folder-roles.js';

/** One listing, with the lookups and checks FolderCreate, FolderUpdate and FolderDelete need. */
export class FolderTree {
  readonly folders: readonly MailFolder[];
  readonly #mailboxes: ReadonlyMap<string, ListedMailbox>;

  constructor(mailboxes: readonly ListedMailbox[]) {
    this.folders = buildFolders(mailboxes);
    this.#mailboxes = new Map(mailboxes.map((m) => [m.path, m]));
  }

  byKey(key: string): MailFolder {
    const folder = this.folders.find((f) => f.key === key);
    if (!folder) throw new BackendError('not-found', `no folder with key ${key}`);
    return folder;
  }

  byPath(path: string): MailFolder {
    const folder = this.folders.find((f) => f.path === path && f.role !== 'outbox');
    // Only reached right after a successful CREATE or RENAME of that path.
    if (!folder) throw new BackendError('temporary', `${path} is not listed after it was changed`);
    return folder;
  }

  /** The path of a new folder `name` under `parent` (the root when undefined). */
  childPath(parent: MailFolder | undefined, name: string): string {
    if (parent?.role === 'outbox') {
      throw new BackendError('permanent', 'the Outbox is virtual and holds no folders');
    }
    const delimiter = parent ? this.#delimiterOf(parent.path) : this.#rootDelimiter();
    assertValidName(name, delimiter);
    return this.#assertFree(parent ? parent.path + delimiter + name : this.#personalNamespace() + name);
  }

  /** The path after renaming `folder` in place, keeping a prefix that is no folder (\Noselect). */
  siblingPath(folder: MailFolder, name: string): string {
    const delimiter = this.#delimiterOf(folder.path);
    const cut = delimiter === '' ? -1 : folder.path.lastIndexOf(delimiter);
    assertValidName(name, delimiter);
    return this.#assertFree(folder.path.slice(0, cut + 1) + name);
  }

  /** INBOX, the special-use folders and the Outbox stay (MS-ASCMD FolderDelete Status 3, FolderUpdate Status 2). */
  assertMutable(folder: MailFolder, action: 'rename' | 'delete'): void {
    if (folder.role !== 'other') {
      throw new BackendError('permanent', `cannot ${action} the special folder ${folder.name}`);
    }
    const special = this.descendantsOf(folder).find((p) =>
      this.folders.some((f) => f.path === p && f.role !== 'other'),
    );
    if (special !== undefined)
      throw new BackendError(
        'permanent',
        `cannot ${action} ${folder.name}: it holds the special folder ${special}`,
      );
  }

  /** Existing mailboxes below `folder` (\Noselect ones too), deepest first. */
  descendantsOf(folder: MailFolder): string[] {
    const delimiter = this.#delimiterOf(folder.path);
    if (delimiter === '') return [];
    const below = [...this.#mailboxes.values()].filter(
      (m) => m.path.startsWith(folder.path + delimiter) && !hasFlag(m, '\\NonExistent'),
    );
    return below
      .sort((a, b) => segmentsOf(b.path, b.delimiter).length - segmentsOf(a.path, a.delimiter).length)
      .map((m) => m.path);
  }

  #delimiterOf(path: string): string {
    return this.#mailboxes.get(path)?.delimiter ?? this.#rootDelimiter();
  }

  /**
   * Refused here rather than by the server: Courier-IMAP answers a CREATE of an existing name with
   * a plain NO, without RFC 5530 [ALREADYEXISTS]. A \Noselect level may still become a folder.
   */
  #assertFree(path: string): string {
    const existing = this.#mailboxes.get(path);
    if (existing !== undefined && isSelectable(existing)) {
      throw new BackendError('exists', `${path}: the folder exists`);
    }
    return path;
  }

  /** Where new top-level folders go: "INBOX." on Courier (buildFolders shows them at the top). */
  #personalNamespace(): string {
    return [...this.#mailboxes.values()].find((m) => m.personalNamespace)?.personalNamespace ?? '';
  }

  #rootDelimiter(): string {
    const any = [...this.#mailboxes.values()].find(isSelectable) ?? [...this.#mailboxes.values()][0];
    return any?.delimiter ?? '';
  }
}

function assertValidName(name: string, delimiter: string): void {
  // The delimiter would create hierarchy; control characters cannot travel in an IMAP string.
  const control = [...name].some((c) => c < ' ' || c === '\x7f');
  if (name === '' || (delimiter !== '' && name.includes(delimiter)) || control) {
    throw new BackendError('permanent', `invalid folder name ${JSON.stringify(name)}`);
  }
}
