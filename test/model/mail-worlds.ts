import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { fakeBackends, type FakeWorld } from '../support/fake-backends.js';
import { imapAs, message } from '../support/mail-sync.js';
import { testApp, type TestApp } from '../support/test-app.js';

// The mailbox side of the mail model: the folders a run uses, changed "by another client" and read
// back as the truth the device's view must converge to. One implementation over the in-memory
// fake, one over Dovecot (the gateway then runs over the real servers).

/** A message as the device must show it. */
export interface TruthMessage {
  uid: number;
  subject: string;
  read: boolean;
  flagged: boolean;
}

export type ServerFlag = '\\Seen' | '\\Flagged' | '\\Deleted';

export interface MailWorld {
  readonly app: FastifyInstance;
  readonly user: string;
  /** Part of every subject of the run (what the Dovecot world cleans up by). */
  readonly tag: string;
  /** The run's folders, by model index: the DisplayName the device sees now. */
  readonly names: string[];
  /** Folders another client may rename (not INBOX nor the special-use ones). */
  renamable(folder: number): boolean;
  append(folder: number, subject: string, flags: ServerFlag[]): Promise<void>;
  /** The UIDs in the folder, ascending (\Deleted ones included: they are still there). */
  uids(folder: number): Promise<number[]>;
  toggleFlag(folder: number, uid: number, flag: ServerFlag): Promise<void>;
  expunge(folder: number, uid: number): Promise<void>;
  move(folder: number, uid: number, to: number): Promise<void>;
  rename(folder: number, name: string): Promise<void>;
  /**
   * What the device must show: every message but those marked \Deleted (issue 22: the
   * mark-then-expunge model; such a message is deleted for the device).
   */
  truth(folder: number): Promise<TruthMessage[]>;
  /** Ends the run: removes what it created. */
  close(): Promise<void>;
}

const SEEN = '\\Seen';
const FLAGGED = '\\Flagged';
const DELETED = '\\Deleted';

const truthOf = (uid: number, subject: string, flags: readonly string[]): TruthMessage => ({
  uid,
  subject,
  read: flags.includes(SEEN),
  flagged: flags.includes(FLAGGED),
});

/** Inbox, two user folders and Trash of the in-memory backend, each with two messages. */
export async function fakeMailWorld(): Promise<MailWorld> {
  const world: FakeWorld = fakeBackends();
  const a = await world.mail.createFolder(undefined, 'Alpha');
  const b = await world.mail.createFolder(undefined, 'Beta');
  const keys = ['m:inbox', a.key, b.key, 'm:trash'];
  const names = ['Inbox', 'Alpha', 'Beta', 'Trash'];
  keys.forEach((key, i) => {
    world.mail.deliver(key, `seed ${i}.1`, { flags: [SEEN] });
    world.mail.deliver(key, `seed ${i}.2`, { flags: [FLAGGED] });
  });
  const t: TestApp = await testApp(world);
  const messages = (folder: number) => world.mail.box(keys[folder]!).messages;
  const find = (folder: number, uid: number) => messages(folder).find((m) => m.uid === uid)!;
  return {
    app: t.app,
    user: 'alice',
    tag: 'model',
    names,
    renamable: (folder) => keys[folder] === a.key || keys[folder] === b.key,
    append: async (folder, subject, flags) => void world.mail.deliver(keys[folder]!, subject, { flags }),
    uids: async (folder) => messages(folder).map((m) => m.uid),
    toggleFlag: async (folder, uid, flag) => {
      const flags = find(folder, uid).flags;
      world.mail.setFlags(
        keys[folder]!,
        uid,
        flags.includes(flag) ? flags.filter((f) => f !== flag) : [...flags, flag],
      );
    },
    expunge: async (folder, uid) => world.mail.expunge(keys[folder]!, uid),
    move: async (folder, uid, to) => void (await world.mail.moveMessages(keys[folder]!, [uid], keys[to]!)),
    rename: async (folder, name) => {
      await world.mail.renameFolder(keys[folder]!, undefined, name);
      names[folder] = name;
    },
    truth: async (folder) =>
      messages(folder)
        .filter((m) => !m.flags.includes(DELETED))
        .map((m) => truthOf(m.uid, m.subject, m.flags)),
    close: () => t.close(),
  };
}

/** The test env's user of this model alone (test/env/lib.sh): no other suite moves mail in its Trash. */
export const MODEL_USER = 'mona';

/**
 * Three fresh folders of MODEL_USER's (random names, deleted at the end) and the Trash, where the
 * device's DeletesAsMoves puts mail; the run's messages are taken out of Trash again at the end.
 * `imap` is the "other client"; the gateway is shared by the runs of a file.
 */
export async function dovecotMailWorld(app: FastifyInstance, imap: ImapFlow): Promise<MailWorld> {
  const tag = `model-${randomBytes(3).toString('hex')}`;
  const paths = [`${tag}-inbox`, `${tag}-alpha`, `${tag}-beta`, 'Trash'];
  const names = [...paths];
  for (const path of paths.slice(0, 3)) await imap.mailboxCreate(path);
  for (const [i, path] of paths.entries()) {
    await imap.append(path, message(`${tag} seed ${i}.1`), [SEEN]);
    await imap.append(path, message(`${tag} seed ${i}.2`), [FLAGGED]);
  }
  /** A fresh SELECT, so this connection sees what the gateway's connections did. */
  const open = async (folder: number) => {
    await imap.mailboxClose().catch(() => undefined);
    return imap.mailboxOpen(paths[folder]!);
  };
  const uids = async (folder: number) => {
    const box = await open(folder);
    if (box.exists === 0) return [];
    const found = await imap.search({ all: true }, { uid: true });
    return (found || []).sort((x, y) => x - y);
  };
  return {
    app,
    user: MODEL_USER,
    tag,
    names,
    renamable: (folder) => folder === 1 || folder === 2,
    append: async (folder, subject, flags) =>
      void (await imap.append(paths[folder]!, message(subject), flags)),
    uids,
    toggleFlag: async (folder, uid, flag) => {
      await open(folder);
      const m = await imap.fetchOne(String(uid), { flags: true }, { uid: true });
      const has = m !== false && m.flags !== undefined && m.flags.has(flag);
      if (has) await imap.messageFlagsRemove(String(uid), [flag], { uid: true });
      else await imap.messageFlagsAdd(String(uid), [flag], { uid: true });
    },
    expunge: async (folder, uid) => {
      await open(folder);
      await imap.messageDelete(String(uid), { uid: true });
    },
    move: async (folder, uid, to) => {
      await open(folder);
      await imap.messageMove(String(uid), paths[to]!, { uid: true });
    },
    rename: async (folder, name) => {
      await imap.mailboxClose().catch(() => undefined);
      const path = `${tag}-${name}`;
      await imap.mailboxRename(paths[folder]!, path);
      paths[folder] = path;
      names[folder] = path;
    },
    truth: async (folder) => {
      const box = await open(folder);
      if (box.exists === 0) return [];
      const out: TruthMessage[] = [];
      for await (const m of imap.fetch('1:*', { uid: true, flags: true, envelope: true })) {
        const flags = [...(m.flags ?? [])];
        if (!flags.includes(DELETED)) out.push(truthOf(m.uid, m.envelope?.subject ?? '', flags));
      }
      return out;
    },
    close: async () => {
      await imap.mailboxClose().catch(() => undefined);
      for (const path of paths.slice(0, 3)) await imap.mailboxDelete(path).catch(() => undefined);
      await imap.mailboxOpen('Trash');
      const mine = await imap.search({ subject: tag }, { uid: true });
      if (mine && mine.length > 0) await imap.messageDelete(mine.join(','), { uid: true });
      await imap.mailboxClose();
    },
  };
}

/** The "other client" of the Dovecot runs. */
export const otherClient = (user: string): Promise<ImapFlow> => imapAs(user);
