import type { ImapFlow } from 'imapflow';
import { BackendError, type Credentials, type MailFolder, type MailStore } from '../types.js';
import type { ImapConfig } from './config.js';
import { ImapConnection } from './connection.js';
import { kindOfImapError } from './errors.js';
import { FolderTree } from './folder-tree.js';
import { listMailboxes } from './list-mailboxes.js';

/** One user's mailbox over one reused IMAP connection; call `close()` when done. */
export class ImapMailStore implements MailStore {
  readonly #connection: ImapConnection;

  constructor(config: ImapConfig, credentials: Credentials) {
    this.#connection = new ImapConnection(config, credentials);
  }

  listFolders(signal?: AbortSignal): Promise<MailFolder[]> {
    return this.#connection.run('LIST', signal, async (client) => [...(await tree(client)).folders]);
  }

  createFolder(parentKey: string | undefined, name: string, signal?: AbortSignal): Promise<MailFolder> {
    return this.#connection.run('CREATE', signal, async (client) => {
      const before = await tree(client);
      const path = before.childPath(parentKey === undefined ? undefined : before.byKey(parentKey), name);
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

  close(): Promise<void> {
    return this.#connection.close();
  }
}

async function tree(client: ImapFlow): Promise<FolderTree> {
  return new FolderTree(await listMailboxes(client));
}

// imapflow's mailbox commands resolve to undefined instead of failing outside the authenticated state.
function notAuthenticated(): BackendError {
  return new BackendError('temporary', 'the IMAP connection is not authenticated');
}
