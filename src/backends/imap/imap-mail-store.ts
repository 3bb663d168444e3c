import type { ImapFlow } from 'imapflow';
import type { BodyFetch, MailMessage } from '../../model/mail-message.js';
import {
  BackendError,
  type Credentials,
  type MailboxDelta,
  type MailboxState,
  type MailFolder,
  type MailSearch,
  type MailSearchHit,
  type MailSearchQuery,
  type MailStore,
  type MessageFlags,
  type MessageStore,
} from '../types.js';
import type { ImapConfig } from './config.js';
import { ImapConnection } from './connection.js';
import { kindOfImapError } from './errors.js';
import { OUTBOX_KEY } from './folder-list.js';
import { FolderTree } from './folder-tree.js';
import { listMailboxes } from './list-mailboxes.js';
import { newestFirst, searchFolder } from './mail-search.js';
import * as messages from './messages.js';

// Reads may run again on a fresh connection after the server dropped the first; writes may not.
const READ = { retryOnce: true };
const WRITE = {};

// The virtual Outbox holds nothing on the server: it is always an empty, unchanging folder.
const OUTBOX_STATE: MailboxState = { uidValidity: 1, uidNext: 1, highestModseq: 1n, messages: 0 };

/** One user's mailbox over one reused IMAP connection; call `close()` when done. */
export class ImapMailStore implements MailStore, MessageStore, MailSearch {
  readonly #connection: ImapConnection;
  /** Folder key → mailbox path, refreshed by a LIST when a key is unknown or a path went stale. */
  #paths = new Map<string, string>();

  readonly #listing: messages.ListingOptions;

  constructor(config: ImapConfig, credentials: Credentials) {
    this.#connection = new ImapConnection(config, credentials);
    this.#listing = { hideDeleted: config.hideDeleted !== false };
  }

  listFolders(signal?: AbortSignal): Promise<MailFolder[]> {
    return this.#connection.run('LIST', signal, async (client) => [...(await tree(client)).folders], READ);
  }

  createFolder(parentKey: string | undefined, name: string, signal?: AbortSignal): Promise<MailFolder> {
    return this.#connection.run('CREATE', signal, async (client) => {
      const before = await tree(client);
      const path = before.childPath(parentKey === undefined ? undefined : before.byKey(parentKey), name);
      this.#paths.clear();
      const created = await client.mailboxCreate(path);
      if (!created) throw notAuthenticated();
      // imapflow turns NO [ALREADYEXISTS] (RFC 5530) into `created: false`.
      if (!created.created) throw new BackendError('exists', `CREATE ${path}: the folder exists`);
      return (await tree(client)).byPath(created.path);
    });
  }

  renameFolder(
    key: string,
    parentKey: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<MailFolder> {
    return this.#connection.run('RENAME', signal, async (client) => {
      const before = await tree(client);
      const folder = before.byKey(key);
      before.assertMutable(folder, 'rename');
      // FolderUpdate always carries a ParentId: the current one means "rename in place".
      const target =
        parentKey === folder.parentKey
          ? before.siblingPath(folder, name)
          : before.childPath(parentKey === undefined ? undefined : before.byKey(parentKey), name);
      if (target === folder.path) return folder;
      this.#paths.clear();
      const renamed = await client.mailboxRename(folder.path, target);
      if (!renamed) throw notAuthenticated();
      return (await tree(client)).byPath(renamed.newPath);
    });
  }

  deleteFolder(key: string, signal?: AbortSignal): Promise<void> {
    return this.#connection.run('DELETE', signal, async (client) => {
      const before = await tree(client);
      const folder = before.byKey(key);
      before.assertMutable(folder, 'delete');
      this.#paths.clear();
      // An EAS client expects the subtree to go (as on Exchange), but IMAP DELETE leaves inferiors
      // behind or is refused while they exist (RFC 3501 section 6.3.4): delete them, deepest first.
      for (const path of before.descendantsOf(folder)) {
        // A \Noselect level may exist only as a name (Dovecot Maildir answers NONEXISTENT).
        await client.mailboxDelete(path).catch((err: unknown) => {
          if (kindOfImapError(err) !== 'not-found') throw err;
        });
      }
      if (!(await client.mailboxDelete(folder.path))) throw notAuthenticated();
    });
  }

  mailboxState(folderKey: string, signal?: AbortSignal): Promise<MailboxState> {
    if (folderKey === OUTBOX_KEY) return Promise.resolve(OUTBOX_STATE);
    return this.#connection.run(
      'STATUS',
      signal,
      async (client) => this.#withPath(client, folderKey, (path) => messages.mailboxStateOf(client, path)),
      READ,
    );
  }

  searchUids(
    folderKey: string,
    since: Date | undefined,
    signal?: AbortSignal,
  ): Promise<{ state: MailboxState; uids: number[] }> {
    if (folderKey === OUTBOX_KEY) return Promise.resolve({ state: OUTBOX_STATE, uids: [] });
    return this.#inMailbox('SEARCH', folderKey, signal, READ, async (client, path) => {
      // State first: whatever arrives after it shows up again in the next delta, never lost.
      const state = await messages.mailboxStateOf(client, path);
      return { state, uids: await messages.searchUidsSince(client, since, this.#listing) };
    });
  }

  changesSince(folderKey: string, modseq: bigint, signal?: AbortSignal): Promise<MailboxDelta> {
    if (folderKey === OUTBOX_KEY) return Promise.resolve({ state: OUTBOX_STATE, changed: [], vanished: [] });
    return this.#inMailbox('FETCH CHANGEDSINCE', folderKey, signal, READ, (client, path) =>
      messages.changesSince(client, path, modseq, this.#listing),
    );
  }

  listFlags(
    folderKey: string,
    uids: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ state: MailboxState; messages: MessageFlags[] }> {
    if (folderKey === OUTBOX_KEY) return Promise.resolve({ state: OUTBOX_STATE, messages: [] });
    return this.#inMailbox('FETCH FLAGS', folderKey, signal, READ, async (client, path) => {
      const state = await messages.mailboxStateOf(client, path);
      return { state, messages: await messages.listFlags(client, uids, this.#listing) };
    });
  }

  fetchMessages(
    folderKey: string,
    uids: readonly number[],
    headerFields: readonly string[],
    signal?: AbortSignal,
  ): Promise<MailMessage[]> {
    if (folderKey === OUTBOX_KEY || uids.length === 0) return Promise.resolve([]);
    return this.#inMailbox('FETCH', folderKey, signal, READ, (client) =>
      messages.fetchMessages(client, uids, headerFields),
    );
  }

  fetchBodies(
    folderKey: string,
    requests: ReadonlyMap<number, readonly BodyFetch[]>,
    signal?: AbortSignal,
  ): Promise<Map<number, Map<string, Uint8Array>>> {
    if (folderKey === OUTBOX_KEY || requests.size === 0) return Promise.resolve(new Map());
    return this.#inMailbox('FETCH BODY', folderKey, signal, READ, (client) =>
      messages.fetchBodies(client, requests),
    );
  }

  storeFlags(
    folderKey: string,
    uids: readonly number[],
    add: readonly string[],
    remove: readonly string[],
    signal?: AbortSignal,
  ): Promise<MessageFlags[]> {
    return this.#inMailbox('STORE', folderKey, signal, WRITE, (client) =>
      messages.storeFlags(client, uids, add, remove),
    );
  }

  moveMessages(
    folderKey: string,
    uids: readonly number[],
    targetKey: string,
    signal?: AbortSignal,
  ): Promise<Map<number, number>> {
    return this.#inMailbox('MOVE', folderKey, signal, WRITE, async (client) => {
      const target = await this.#pathOf(client, targetKey);
      return messages.moveMessages(client, uids, target);
    });
  }

  expungeMessages(folderKey: string, uids: readonly number[], signal?: AbortSignal): Promise<void> {
    if (uids.length === 0) return Promise.resolve();
    return this.#inMailbox('EXPUNGE', folderKey, signal, WRITE, (client) =>
      messages.expungeMessages(client, uids),
    );
  }

  appendMessage(
    folderKey: string,
    raw: Uint8Array,
    flags: readonly string[],
    signal?: AbortSignal,
  ): Promise<number | undefined> {
    return this.#connection.run('APPEND', signal, async (client) =>
      this.#withPath(client, folderKey, async (path) => {
        const result = await client.append(path, Buffer.from(raw), [...flags]);
        if (result === false) throw new BackendError('permanent', `APPEND to ${path} failed`);
        return result.uid;
      }),
    );
  }

  /** One UID SEARCH per folder (see mail-search.ts); the Outbox holds nothing to find. */
  async searchMail(query: MailSearchQuery, signal?: AbortSignal): Promise<MailSearchHit[]> {
    const hits: MailSearchHit[] = [];
    for (const folderKey of query.folderKeys) {
      if (folderKey === OUTBOX_KEY) continue;
      let found;
      try {
        found = await this.#inMailbox('SEARCH', folderKey, signal, READ, (client) =>
          searchFolder(client, query),
        );
      } catch (err) {
        // A folder deleted while a search over several runs has nothing to find; alone, it is an error.
        if (query.folderKeys.length > 1 && err instanceof BackendError && err.kind === 'not-found') continue;
        throw err;
      }
      hits.push(...found.map((h) => ({ folderKey, ...h })));
    }
    return newestFirst(hits);
  }

  close(): Promise<void> {
    return this.#connection.close();
  }

  /** Runs `op` with the folder selected; imapflow's lock keeps other requests of the user out. */
  #inMailbox<T>(
    what: string,
    folderKey: string,
    signal: AbortSignal | undefined,
    options: { retryOnce?: boolean },
    op: (client: ImapFlow, path: string) => Promise<T>,
  ): Promise<T> {
    if (folderKey === OUTBOX_KEY) throw new BackendError('permanent', 'the Outbox holds no messages');
    return this.#connection.run(
      what,
      signal,
      (client) =>
        this.#withPath(client, folderKey, async (path) => {
          const lock = await client.getMailboxLock(path);
          try {
            return await op(client, path);
          } finally {
            lock.release();
          }
        }),
      options,
    );
  }

  /**
   * A stale path (the folder was renamed elsewhere) is looked up again once. imapflow reports a
   * SELECT of a name that no longer exists as a bare NO (Dovecot's [NONEXISTENT] does not reach
   * us), so any refusal of a remembered path counts.
   */
  async #withPath<T>(client: ImapFlow, folderKey: string, op: (path: string) => Promise<T>): Promise<T> {
    const cached = this.#paths.get(folderKey);
    try {
      return await op(cached ?? (await this.#pathOf(client, folderKey)));
    } catch (err) {
      const kind = kindOfImapError(err);
      if (cached === undefined || (kind !== 'not-found' && kind !== 'permanent')) throw err;
      this.#paths.clear();
      return op(await this.#pathOf(client, folderKey));
    }
  }

  async #pathOf(client: ImapFlow, folderKey: string): Promise<string> {
    const cached = this.#paths.get(folderKey);
    if (cached !== undefined) return cached;
    const listed = await tree(client);
    this.#paths = new Map(listed.folders.map((f) => [f.key, f.path]));
    return listed.byKey(folderKey).path;
  }
}

async function tree(client: ImapFlow): Promise<FolderTree> {
  return new FolderTree(await listMailboxes(client));
}

// imapflow's mailbox commands resolve to undefined instead of failing outside the authenticated state.
function notAuthenticated(): BackendError {
  return new BackendError('temporary', 'the IMAP connection is not authenticated');
}
