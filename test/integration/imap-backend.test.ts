import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapConfig, ImapLogger } from '../../src/backends/imap/config.js';
import { ImapMailStore } from '../../src/backends/imap/imap-mail-store.js';
import { verifyImapLogin } from '../../src/backends/imap/verify-login.js';
import type { MailFolder } from '../../src/backends/types.js';
import { kindOf } from '../support/backend-errors.js';

// Dovecot from test/env (run `bash test/env/setup && bash test/env/start`). Mutating tests use bob:
// other test files seed alice's mailbox and count its messages. Names carry a random suffix,
// since the suite may run twice at once (Node 20 and 24) against the same server.
const HOST = process.env.EAS_TEST_IMAP_HOST ?? '127.0.0.1';
const PORT = Number(process.env.EAS_TEST_IMAP_PORT ?? '1143');
const PASSWORD = process.env.EAS_TEST_PASSWORD ?? 'password';
const config: ImapConfig = { host: HOST, port: PORT, secure: false, connectTimeoutMs: 5_000 };
const bob = { user: 'bob', password: PASSWORD };
const suffix = randomBytes(4).toString('hex');
const prefix = `eas-it-${suffix}`;

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function freePort(): Promise<number> {
  const server = await silentServer();
  await server.close();
  return server.port;
}

/** Bob's mailbox through imapflow itself, to make what the store cannot (\\Noselect levels). */
async function withRawClient(use: (client: ImapFlow) => Promise<unknown>): Promise<void> {
  const auth = { user: bob.user, pass: bob.password };
  const client = new ImapFlow({ host: HOST, port: PORT, secure: false, auth, logger: false });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.logout();
  }
}

/** A logger that keeps every entry imapflow writes, at every level. */
function recordingLogger(entries: string[]): ImapLogger {
  const record = (obj: object): void => {
    entries.push(JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  };
  return { trace: record, debug: record, info: record, warn: record, error: record };
}

describe('verifyImapLogin', () => {
  it('accepts the short and the full login', async () => {
    await expect(verifyImapLogin(config, { user: 'alice', password: PASSWORD })).resolves.toBeUndefined();
    await expect(
      verifyImapLogin(config, { user: 'alice@example.test', password: PASSWORD }),
    ).resolves.toBeUndefined();
  });

  it("answers 'auth' to a wrong password or an unknown user", async () => {
    expect(await kindOf(verifyImapLogin(config, { user: 'alice', password: 'wrong' }))).toBe('auth');
    expect(await kindOf(verifyImapLogin(config, { user: `nobody-${suffix}`, password: PASSWORD }))).toBe(
      'auth',
    );
  });

  it("answers 'temporary' when nothing listens", async () => {
    const port = await freePort();
    expect(await kindOf(verifyImapLogin({ ...config, port }, bob))).toBe('temporary');
  });

  it("answers 'temporary' when the server does not greet within the connect timeout", async () => {
    const server = await silentServer();
    try {
      const started = Date.now();
      expect(
        await kindOf(verifyImapLogin({ ...config, port: server.port, connectTimeoutMs: 300 }, bob)),
      ).toBe('temporary');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await server.close();
    }
  });

  it('rejects with the signal reason on abort', async () => {
    const server = await silentServer();
    try {
      const reason = new Error('client went away');
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 100);
      await expect(verifyImapLogin({ ...config, port: server.port }, bob, controller.signal)).rejects.toBe(
        reason,
      );
    } finally {
      await server.close();
    }
  });

  it('never logs the password, not even base64-encoded (AUTHENTICATE PLAIN)', async () => {
    const entries: string[] = [];
    const secret = `Secret-${suffix}-x`;
    const logger = recordingLogger(entries);
    expect(await kindOf(verifyImapLogin({ ...config, logger }, { user: 'bob', password: secret }))).toBe(
      'auth',
    );
    await verifyImapLogin({ ...config, logger }, bob);
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(`\0bob\0${secret}`).toString('base64'),
      Buffer.from(`bob\0bob\0${secret}`).toString('base64'),
    ];
    expect(entries.some((e) => e.includes('LOGIN') || e.includes('AUTHENTICATE'))).toBe(true);
    for (const form of forms) expect(entries.filter((e) => e.includes(form))).toEqual([]);
  });
});

describe('ImapMailStore', () => {
  let store: ImapMailStore;
  const byPath = async (path: string): Promise<MailFolder | undefined> =>
    (await store.listFolders()).find((f) => f.path === path);

  beforeAll(() => {
    store = new ImapMailStore(config, bob);
  });

  afterAll(async () => {
    // Leftovers of a failed run: delete this run's top-level folders (subfolders go with them).
    const folders = await store.listFolders();
    for (const f of folders.filter((f) => f.path.startsWith(prefix) && f.parentKey === undefined)) {
      await store.deleteFolder(f.key).catch(() => undefined);
    }
    await store.close();
  });

  it('lists the special folders with their roles and the virtual Outbox', async () => {
    const folders = await store.listFolders();
    const role = (r: string): MailFolder | undefined => folders.find((f) => f.role === r);
    expect(role('inbox')).toMatchObject({ path: 'INBOX', parentKey: undefined });
    expect(role('drafts')).toMatchObject({ path: 'Drafts' });
    expect(role('sent')).toMatchObject({ path: 'Sent' });
    expect(role('trash')).toMatchObject({ path: 'Trash' });
    expect(role('junk')).toMatchObject({ path: 'Junk' });
    expect(role('archive')).toMatchObject({ path: 'Archive' });
    expect(role('outbox')).toEqual({
      key: 'virtual:outbox',
      path: '',
      name: 'Outbox',
      parentKey: undefined,
      role: 'outbox',
    });
    // Dovecot 2.3 has no OBJECTID; its mailbox GUID (STATUS X-GUID) gives the stable keys.
    for (const f of folders.filter((f) => f.role !== 'outbox'))
      expect(f.key).toMatch(/^imap:id:[0-9a-f]{32}$/);
    expect(new Set(folders.map((f) => f.key)).size).toBe(folders.length);
  });

  it('creates, renames in place, moves and deletes a folder, keeping its key', async () => {
    const created = await store.createFolder(undefined, `${prefix}-a`);
    expect(created).toMatchObject({
      path: `${prefix}-a`,
      name: `${prefix}-a`,
      parentKey: undefined,
      role: 'other',
    });
    expect(await byPath(`${prefix}-a`)).toEqual(created);

    const renamed = await store.renameFolder(created.key, undefined, `${prefix}-b`);
    expect(renamed).toMatchObject({
      key: created.key,
      path: `${prefix}-b`,
      name: `${prefix}-b`,
      parentKey: undefined,
    });
    expect(await byPath(`${prefix}-a`)).toBeUndefined();
    expect(await byPath(`${prefix}-b`)).toEqual(renamed);

    const parent = await store.createFolder(undefined, `${prefix}-p`);
    const moved = await store.renameFolder(created.key, parent.key, 'moved');
    expect(moved).toMatchObject({
      key: created.key,
      path: `${prefix}-p/moved`,
      name: 'moved',
      parentKey: parent.key,
    });
    expect(await byPath(`${prefix}-p/moved`)).toEqual(moved);
    expect(await byPath(`${prefix}-b`)).toBeUndefined();

    const back = await store.renameFolder(created.key, undefined, `${prefix}-c`);
    expect(back).toMatchObject({ key: created.key, path: `${prefix}-c`, parentKey: undefined });

    await store.deleteFolder(created.key);
    expect(await byPath(`${prefix}-c`)).toBeUndefined();
    expect(await kindOf(store.deleteFolder(created.key))).toBe('not-found');
    await store.deleteFolder(parent.key);
    expect(await byPath(`${prefix}-p`)).toBeUndefined();
  });

  it('deletes a folder together with its subfolders (MS-ASCMD FolderDelete)', async () => {
    const top = await store.createFolder(undefined, `${prefix}-tree`);
    const child = await store.createFolder(top.key, 'child');
    const grandchild = await store.createFolder(child.key, 'grandchild');
    expect(grandchild).toMatchObject({ path: `${prefix}-tree/child/grandchild`, parentKey: child.key });
    await store.deleteFolder(top.key);
    const left = (await store.listFolders()).filter((f) => f.path.startsWith(`${prefix}-tree`));
    expect(left).toEqual([]);
  });

  it("answers 'exists' when the name is taken", async () => {
    const folder = await store.createFolder(undefined, `${prefix}-dup`);
    const other = await store.createFolder(undefined, `${prefix}-dup2`);
    try {
      expect(await kindOf(store.createFolder(undefined, `${prefix}-dup`))).toBe('exists');
      expect(await kindOf(store.createFolder(undefined, 'INBOX'))).toBe('exists');
      expect(await kindOf(store.renameFolder(other.key, undefined, `${prefix}-dup`))).toBe('exists');
    } finally {
      await store.deleteFolder(folder.key);
      await store.deleteFolder(other.key);
    }
  });

  it("answers 'not-found' for unknown keys", async () => {
    expect(await kindOf(store.deleteFolder(`imap:id:${'0'.repeat(32)}`))).toBe('not-found');
    expect(await kindOf(store.renameFolder('imap:path:nope', undefined, 'x'))).toBe('not-found');
    expect(await kindOf(store.createFolder('imap:path:nope', 'x'))).toBe('not-found');
  });

  it("answers 'permanent' for special folders, the Outbox and invalid names", async () => {
    const folders = await store.listFolders();
    const key = (role: string): string => folders.find((f) => f.role === role)?.key ?? 'missing';
    expect(await kindOf(store.deleteFolder(key('inbox')))).toBe('permanent');
    expect(await kindOf(store.deleteFolder(key('trash')))).toBe('permanent');
    expect(await kindOf(store.renameFolder(key('sent'), undefined, `${prefix}-sent`))).toBe('permanent');
    expect(await kindOf(store.deleteFolder('virtual:outbox'))).toBe('permanent');
    expect(await kindOf(store.renameFolder('virtual:outbox', undefined, 'x'))).toBe('permanent');
    expect(await kindOf(store.createFolder('virtual:outbox', `${prefix}-x`))).toBe('permanent');
    expect(await kindOf(store.createFolder(undefined, `${prefix}/x`))).toBe('permanent');
    expect(await kindOf(store.createFolder(undefined, ''))).toBe('permanent');
    expect(await byPath(`${prefix}-sent`)).toBeUndefined();
  });

  it('hangs children of a \\Noselect container from the root and renames them in place', async () => {
    // Creating "a/b" without "a" makes Dovecot (Maildir) list "a" as \Noselect.
    await withRawClient((raw) => raw.mailboxCreate(`${prefix}-box/inner`));
    const folders = await store.listFolders();
    expect(folders.find((f) => f.path === `${prefix}-box`)).toBeUndefined();
    const inner = folders.find((f) => f.path === `${prefix}-box/inner`);
    expect(inner).toMatchObject({ name: 'inner', parentKey: undefined, role: 'other' });
    const renamed = await store.renameFolder(inner?.key ?? 'missing', undefined, 'inner2');
    expect(renamed).toMatchObject({ key: inner?.key, path: `${prefix}-box/inner2`, parentKey: undefined });
    await store.deleteFolder(renamed.key);
    expect((await store.listFolders()).filter((f) => f.path.startsWith(`${prefix}-box`))).toEqual([]);
  });

  it('deletes through \\Noselect levels below the folder', async () => {
    await withRawClient(async (raw) => {
      await raw.mailboxCreate(`${prefix}-deep`);
      await raw.mailboxCreate(`${prefix}-deep/hole/leaf`);
    });
    const deep = await byPath(`${prefix}-deep`);
    expect(await byPath(`${prefix}-deep/hole/leaf`)).toMatchObject({ parentKey: deep?.key });
    await store.deleteFolder(deep?.key ?? 'missing');
    expect((await store.listFolders()).filter((f) => f.path.startsWith(`${prefix}-deep`))).toEqual([]);
  });

  it('reconnects after close()', async () => {
    const s = new ImapMailStore(config, bob);
    expect((await s.listFolders()).length).toBeGreaterThan(1);
    await s.close();
    expect((await s.listFolders()).length).toBeGreaterThan(1);
    await s.close();
  });

  it("answers 'auth' for bad credentials and 'temporary' when nothing listens", async () => {
    const wrong = new ImapMailStore(config, { user: 'bob', password: 'wrong' });
    expect(await kindOf(wrong.listFolders())).toBe('auth');
    await wrong.close();
    const down = new ImapMailStore({ ...config, port: await freePort() }, bob);
    expect(await kindOf(down.listFolders())).toBe('temporary');
    await down.close();
  });

  it('rejects with the signal reason when aborted, and works again afterwards', async () => {
    const aborted = AbortSignal.abort(new Error('gone'));
    await expect(store.listFolders(aborted)).rejects.toThrow('gone');

    const server = await silentServer();
    const hung = new ImapMailStore({ ...config, port: server.port, connectTimeoutMs: 60_000 }, bob);
    try {
      const controller = new AbortController();
      const reason = new Error('superseded');
      setTimeout(() => controller.abort(reason), 100);
      const started = Date.now();
      await expect(hung.listFolders(controller.signal)).rejects.toBe(reason);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await hung.close();
      await server.close();
    }
    expect((await store.listFolders()).length).toBeGreaterThan(1);
  });
});
