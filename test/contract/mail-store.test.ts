import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailFolder } from '../../src/backends/types.js';
import { kindOf } from '../support/backend-errors.js';
import { mailTargets, type MailSession } from '../support/mail-targets.js';

// One contract for the fake mail backend (it drives the protocol unit suites) and every real IMAP
// server of test/env: what the fake answers is what Dovecot, Courier and Cyrus answer. Mutations
// happen in fresh folders of bob's (random names: the suite may run twice at once, on Node 20 and
// 24), removed afterwards; alice's seeded folders are only read.

const rand = (): string => randomBytes(4).toString('hex');

// \Recent is a session flag (RFC 3501 section 2.3.2) Dovecot reports and others may not.
const persistent = (flags: readonly string[]): string[] => flags.filter((f) => f !== '\\Recent').sort();

function rawMessage(subject: string, body: string): Uint8Array {
  return Buffer.from(
    [
      'From: Bob Example <bob@example.test>',
      'To: Alice Example <alice@example.test>',
      `Subject: ${subject}`,
      `Message-ID: <${rand()}@example.test>`,
      'Date: Tue, 01 Dec 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

describe.each(mailTargets())('MailStore contract: $name', (target) => {
  let session: MailSession;
  let created: MailFolder[] = [];
  const leftovers: MailFolder[] = [];

  beforeEach(async () => {
    session = await target.open('bob');
    created = [];
  });
  afterEach(async () => {
    leftovers.push(...created);
    await session.close();
  });
  afterAll(async () => {
    // Courier-IMAP sleeps 2 s in every DELETE: the folders go at the end, all at once, each over a
    // connection of its own (a folder already gone, e.g. with its parent, is fine).
    await Promise.all(
      leftovers.map(async (folder) => {
        const cleaner = await target.open('bob');
        try {
          await cleaner.store.deleteFolder(folder.key).catch(() => undefined);
        } finally {
          await cleaner.close();
        }
      }),
    );
  });

  /** A fresh top-level folder of bob's, deleted after the file's tests. */
  async function freshFolder(): Promise<MailFolder> {
    const folder = await session.store.createFolder(undefined, `contract-${rand()}`);
    created.push(folder);
    return folder;
  }

  async function append(folder: MailFolder, subject: string, flags: string[] = []): Promise<number> {
    const uid = await session.store.appendMessage(
      folder.key,
      rawMessage(subject, `Body of ${subject}`),
      flags,
    );
    if (uid === undefined) throw new Error('no UID from APPEND (every server of the matrix has UIDPLUS)');
    return uid;
  }

  const uidsOf = async (folder: MailFolder): Promise<number[]> =>
    (await session.store.searchUids(folder.key, undefined)).uids;

  it('lists INBOX at the top with its role, and the virtual Outbox', async () => {
    const folders = await session.store.listFolders();
    expect(folders.filter((f) => f.role === 'inbox')).toEqual([
      expect.objectContaining({ path: 'INBOX', parentKey: undefined }),
    ]);
    expect(folders.filter((f) => f.role === 'outbox')).toHaveLength(1);
    expect(new Set(folders.map((f) => f.key)).size).toBe(folders.length);
  });

  it("lists alice's special folders with their roles", async () => {
    const alice = await target.open('alice');
    try {
      const roles = new Set((await alice.store.listFolders()).map((f) => f.role));
      for (const role of ['inbox', 'drafts', 'sent', 'trash', 'outbox'] as const)
        expect(roles).toContain(role);
    } finally {
      await alice.close();
    }
  });

  it('creates, renames and deletes a folder (with its subfolder)', async () => {
    const name = `contract-${rand()}`;
    const folder = await session.store.createFolder(undefined, name);
    created.push(folder);
    expect(folder).toMatchObject({ name, parentKey: undefined, role: 'other' });
    expect(await kindOf(session.store.createFolder(undefined, name))).toBe('exists');

    const child = await session.store.createFolder(folder.key, 'child');
    expect(child).toMatchObject({ name: 'child', parentKey: folder.key });

    const renamed = await session.store.renameFolder(folder.key, undefined, `${name}-renamed`);
    created.push(renamed);
    expect(renamed).toMatchObject({ name: `${name}-renamed`, parentKey: undefined });
    let folders = await session.store.listFolders();
    expect(folders.find((f) => f.key === renamed.key)?.name).toBe(`${name}-renamed`);
    expect(folders.some((f) => f.name === name)).toBe(false);
    expect(folders.find((f) => f.name === 'child' && f.parentKey === renamed.key)).toBeDefined();

    await session.store.deleteFolder(renamed.key);
    folders = await session.store.listFolders();
    expect(folders.some((f) => f.key === renamed.key || f.parentKey === renamed.key)).toBe(false);
    expect(await kindOf(session.store.deleteFolder(renamed.key))).toBe('not-found');
  });

  it('appends messages and finds them by UID, oldest first, filtered by received date', async () => {
    const folder = await freshFolder();
    const uids = [await append(folder, 'one'), await append(folder, 'two'), await append(folder, 'three')];
    expect(uids).toEqual([...uids].sort((a, b) => a - b));
    expect(await uidsOf(folder)).toEqual(uids);
    const before = new Date(Date.now() - 86_400_000);
    expect((await session.store.searchUids(folder.key, before)).uids).toEqual(uids);
    const tomorrow = new Date(Date.now() + 2 * 86_400_000);
    expect((await session.store.searchUids(folder.key, tomorrow)).uids).toEqual([]);
  });

  it('lists and stores flags', async () => {
    const folder = await freshFolder();
    const seen = await append(folder, 'seen', ['\\Seen']);
    const plain = await append(folder, 'plain');
    const flagsOf = async (uids?: string) =>
      new Map(
        (await session.store.listFlags(folder.key, uids)).messages.map((m) => [m.uid, persistent(m.flags)]),
      );

    expect(await flagsOf()).toEqual(
      new Map([
        [seen, ['\\Seen']],
        [plain, []],
      ]),
    );
    expect([...(await flagsOf(`${plain}`)).keys()]).toEqual([plain]);

    const after = await session.store.storeFlags(folder.key, [seen, plain], ['\\Flagged'], ['\\Seen']);
    // Each message as it is afterwards: the sync engine compares it with what the device shows.
    expect(after.map((m) => [m.uid, m.flags.filter((f) => f !== '\\Recent')]).sort()).toEqual(
      [
        [seen, ['\\Flagged']],
        [plain, ['\\Flagged']],
      ].sort(),
    );
    if (target.modseqs) expect(after.every((m) => m.modseq !== undefined)).toBe(true);
    expect(await flagsOf()).toEqual(
      new Map([
        [seen, ['\\Flagged']],
        [plain, ['\\Flagged']],
      ]),
    );
    await session.store.storeFlags(folder.key, [plain], ['$Forwarded'], []);
    expect((await flagsOf(`${plain}`)).get(plain)).toEqual(['$Forwarded', '\\Flagged']);
  });

  it('moves messages and reports their new UIDs', async () => {
    const from = await freshFolder();
    const to = await freshFolder();
    const kept = await append(from, 'kept');
    const moved = await append(from, 'moved', ['\\Seen']);
    const map = await session.store.moveMessages(from.key, [moved], to.key);
    const newUid = map.get(moved);
    expect(newUid).toBeTypeOf('number');
    expect(await uidsOf(from)).toEqual([kept]);
    expect(await uidsOf(to)).toEqual([newUid]);
    const [message] = await session.store.fetchMessages(to.key, [newUid!], []);
    expect(message).toMatchObject({ uid: newUid, envelope: { subject: 'moved' } });
    expect(persistent(message!.flags)).toEqual(['\\Seen']);
  });

  it('expunges just the given messages', async () => {
    const folder = await freshFolder();
    const [a, b, c] = [await append(folder, 'a'), await append(folder, 'b'), await append(folder, 'c')];
    await session.store.expungeMessages(folder.key, [a!, c!]);
    expect(await uidsOf(folder)).toEqual([b]);
    expect((await session.store.mailboxState(folder.key)).messages).toBe(1);
  });

  it('reports the mailbox state: UIDNEXT and MESSAGES grow, UIDVALIDITY stays', async () => {
    const folder = await freshFolder();
    const empty = await session.store.mailboxState(folder.key);
    expect(empty.messages).toBe(0);
    expect(empty.highestModseq === undefined).toBe(!target.modseqs);
    const uid = await append(folder, 'first');
    const after = await session.store.mailboxState(folder.key);
    expect(after).toMatchObject({ uidValidity: empty.uidValidity, messages: 1 });
    expect(uid).toBeGreaterThanOrEqual(empty.uidNext);
    expect(after.uidNext).toBeGreaterThan(uid);
    await session.store.expungeMessages(folder.key, [uid]);
    const expunged = await session.store.mailboxState(folder.key);
    expect(expunged).toMatchObject({ uidValidity: empty.uidValidity, uidNext: after.uidNext, messages: 0 });
  });

  // With the folder closed on this connection (changesSince opens it) and open, as after an earlier
  // Sync: then the server may report the expunge on a command in between (Cyrus: on the NOOP before
  // the state check). The newest message too: `1:*` no longer reaches its UID once it is gone.
  describe.each([
    { open: false, expunge: 'oldest', label: 'closed, oldest message expunged' },
    { open: true, expunge: 'oldest', label: 'open, oldest message expunged' },
    { open: true, expunge: 'newest', label: 'open, newest message expunged' },
  ] as const)('with the folder $label', ({ open, expunge }) => {
    it.runIf(target.modseqs)('reports changes made by another client since a mod-sequence', async () => {
      const folder = await freshFolder();
      const [first, flagged, last] = [
        await append(folder, 'first'),
        await append(folder, 'flagged'),
        await append(folder, 'last'),
      ];
      const [gone, kept] = expunge === 'oldest' ? [first!, last!] : [last!, first!];
      if (open) await session.store.listFlags(folder.key, undefined);
      const start = await session.store.mailboxState(folder.key);
      const since = start.highestModseq!;
      await session.expungeElsewhere(folder, gone);
      await session.flagElsewhere(folder, flagged!, '\\Flagged');
      // As a Sync does: the state is checked (twice) before the changes are asked for.
      if (open) for (let i = 0; i < 2; i++) await session.store.mailboxState(folder.key);
      const delta = await session.store.changesSince(folder.key, since);
      expect(delta.vanished).toContain(gone);
      expect(delta.changed.map((m) => m.uid)).toEqual([flagged]);
      expect(delta.changed[0]?.flags).toContain('\\Flagged');
      expect(delta.state).toMatchObject({ uidValidity: start.uidValidity, messages: 2 });
      expect(delta.state.highestModseq).toBeGreaterThan(since);
      expect(await uidsOf(folder)).toEqual([flagged, kept].sort((x, y) => x! - y!));
    });
  });

  it('fetches envelopes, structure and bodies', async () => {
    const folder = await freshFolder();
    const uid = await append(folder, 'fetch me', ['\\Seen']);
    const [message] = await session.store.fetchMessages(folder.key, [uid, uid + 1000], []);
    expect(persistent(message!.flags)).toEqual(['\\Seen']);
    expect(message).toMatchObject({
      uid,
      envelope: {
        subject: 'fetch me',
        from: [{ name: 'Bob Example', address: 'bob@example.test' }],
        to: [{ name: 'Alice Example', address: 'alice@example.test' }],
      },
      structure: { type: 'text/plain' },
    });
    const bodies = await session.store.fetchBodies(
      folder.key,
      new Map([[uid, [{ section: undefined }, { section: '1' }]]]),
    );
    const text = (key: string): string => Buffer.from(bodies.get(uid)?.get(key) ?? []).toString();
    expect(text('SOURCE')).toContain('Subject: fetch me');
    expect(text('SOURCE')).toContain('Body of fetch me');
    expect(text('1')).toMatch(/^Body of fetch me/);
  });
});
