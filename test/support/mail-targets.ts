import { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../../src/backends/imap/config.js';
import { ImapMailStore } from '../../src/backends/imap/imap-mail-store.js';
import type { MailFolder, MailStore, MessageStore } from '../../src/backends/types.js';
import { FakeMail } from './fake-backends.js';
import { testEnv } from './test-env.js';

/** One user's mail store, plus a second client of the same mailbox ("another device"). */
export interface MailSession {
  readonly store: MailStore & MessageStore;
  /** Expunges `uid` from `folder` over a connection of its own. */
  expungeElsewhere(folder: MailFolder, uid: number): Promise<void>;
  /** Adds `flag` to `uid` in `folder` over a connection of its own. */
  flagElsewhere(folder: MailFolder, uid: number, flag: string): Promise<void>;
  close(): Promise<void>;
}

/** A mail backend the contract runs against: the fake, or a real IMAP server of test/env. */
export interface MailTarget {
  readonly name: string;
  /** Whether the server keeps mod-sequences (CONDSTORE/QRESYNC), so changesSince applies. */
  readonly modseqs: boolean;
  open(user: string): Promise<MailSession>;
}

export function fakeTarget(): MailTarget {
  return {
    name: 'fake',
    modseqs: true,
    open: async () => {
      const fake = new FakeMail();
      return {
        store: fake,
        expungeElsewhere: async (folder, uid) => fake.expunge(folder.key, uid),
        flagElsewhere: async (folder, uid, flag) => {
          const m = fake.box(folder.key).messages.find((x) => x.uid === uid);
          fake.setFlags(folder.key, uid, [...(m?.flags ?? []), flag]);
        },
        close: async () => undefined,
      };
    },
  };
}

export function imapTarget(name: string, port: number, modseqs: boolean): MailTarget {
  const { host, password } = testEnv();
  const config: ImapConfig = { host, port, secure: false, connectTimeoutMs: 5_000 };
  const other = async (user: string, folder: MailFolder, use: (c: ImapFlow) => Promise<unknown>) => {
    const client = new ImapFlow({ host, port, secure: false, auth: { user, pass: password }, logger: false });
    await client.connect();
    try {
      const lock = await client.getMailboxLock(folder.path);
      try {
        await use(client);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  };
  return {
    name,
    modseqs,
    open: async (user) => {
      const store = new ImapMailStore(config, { user, password });
      return {
        store,
        expungeElsewhere: (folder, uid) =>
          other(user, folder, (c) => c.messageDelete(String(uid), { uid: true })),
        flagElsewhere: (folder, uid, flag) =>
          other(user, folder, (c) => c.messageFlagsAdd(String(uid), [flag], { uid: true })),
        close: () => store.close(),
      };
    },
  };
}

/** The fake and every IMAP server test/env/start runs (Courier and Cyrus when they are set up). */
export function mailTargets(): MailTarget[] {
  const env = testEnv();
  return [
    fakeTarget(),
    imapTarget('dovecot', env.imapPort, true),
    ...(env.courierPort === undefined ? [] : [imapTarget('courier', env.courierPort, false)]),
    ...(env.cyrusPort === undefined ? [] : [imapTarget('cyrus', env.cyrusPort, true)]),
  ];
}
