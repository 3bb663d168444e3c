import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ImapMailStore } from '../../src/backends/imap/index.js';
import {
  bootstrapSnapshot,
  flagsKey,
  MailSyncState,
  readSnapshot,
  refresh,
  takeWindow,
} from '../../src/sync/mail-state.js';
import { imapAs, message } from '../support/mail-sync.js';
import { testEnv } from '../support/test-env.js';
import { testBackends } from '../support/backend-matrix.js';

// The Sync engine without CONDSTORE/QRESYNC (as on Courier), against the selected IMAP server with
// QRESYNC turned off: what STATUS and the bounded flag comparison must find, each case in a fresh folder.

let store: ImapMailStore;
let imap: ImapFlow;
let folder: string;
let key: string;
const created: string[] = [];
const NOW = new Date();

beforeAll(async () => {
  const env = testEnv();
  store = new ImapMailStore(
    { host: env.host, port: testBackends().imapPort, secure: false, qresync: false },
    { user: 'bob', password: 'password' },
  );
  imap = await imapAs('bob');
});

beforeEach(async () => {
  folder = `Fallback-${randomBytes(3).toString('hex')}`;
  await imap.mailboxCreate(folder);
  created.push(folder);
  for (let i = 1; i <= 5; i++) await imap.append(folder, message(`m${i}`));
  key = (await store.listFolders()).find((f) => f.path === testBackends().folder(folder))!.key;
});

afterAll(async () => {
  for (const f of created) await imap?.mailboxDelete(f).catch(() => undefined);
  await imap?.logout();
  await store?.close();
});

/** Between two requests the state goes through its stored JSON form. */
function roundTrip(s: MailSyncState): MailSyncState {
  return new MailSyncState(readSnapshot(JSON.parse(JSON.stringify(s.snapshot())))!);
}

/** SyncKey 0 and one window with everything, the flags of each Add recorded as sync-mail.ts does. */
async function synced(): Promise<MailSyncState> {
  const s = new MailSyncState(bootstrapSnapshot());
  expect(await refresh(s, store, key, 0, NOW)).toBe('ok');
  const w = takeWindow(s, 100);
  for (const m of (await store.listFlags(key, w.adds.join(','))).messages)
    s.flags?.set(m.uid, flagsKey(m.flags));
  return roundTrip(s);
}

async function next(s: MailSyncState): Promise<ReturnType<typeof takeWindow>> {
  expect(await refresh(s, store, key, 0, NOW)).toBe('ok');
  return takeWindow(s, 100);
}

/** Another client's change, in the folder it selects (not closed: CLOSE would expunge). */
async function inFolder(change: () => Promise<unknown>): Promise<void> {
  await imap.mailboxOpen(folder);
  await change();
}

const expunge = (uid: number) => inFolder(() => imap.messageDelete(String(uid), { uid: true }));

describe(`mail sync state without CONDSTORE, against ${testBackends().imapServer} with qresync: false`, () => {
  it('keeps no mod-sequence and sees nothing when nothing happened', async () => {
    const s = await synced();
    expect(s.modseq).toBeUndefined();
    expect(s.known.toString()).toBe('1:5');
    // The same snapshot: the device keeps its SyncKey and no state is written.
    const before = JSON.stringify(s.snapshot());
    expect(await next(s)).toMatchObject({ adds: [], changes: [], deletes: [] });
    expect(JSON.stringify(s.snapshot())).toBe(before);
  });

  it('finds flag changes made by another client', async () => {
    const s = await synced();
    await inFolder(async () => {
      await imap.messageFlagsAdd('2', ['\\Seen'], { uid: true });
      await imap.messageFlagsAdd('4', ['\\Flagged', '$Forwarded'], { uid: true });
    });
    expect(await next(s)).toMatchObject({ changes: [2, 4], adds: [], deletes: [] });
  });

  it('finds appends', async () => {
    const s = await synced();
    await imap.append(folder, message('m6'));
    await imap.append(folder, message('m7'));
    expect(await next(s)).toMatchObject({ adds: [7, 6], changes: [], deletes: [] });
  });

  it('finds expunges', async () => {
    const s = await synced();
    await expunge(3);
    expect(await next(s)).toMatchObject({ deletes: [3], adds: [], changes: [] });
    expect(s.known.toString()).toBe('1:2,4:5');
  });

  it('deletes what another client marks \\Deleted, and gives it back when unmarked', async () => {
    let s = await synced();
    await inFolder(() => imap.messageFlagsAdd('3,5', ['\\Deleted'], { uid: true }));
    expect(await next(s)).toMatchObject({ deletes: [3, 5], adds: [], changes: [] });
    s = roundTrip(s);
    await inFolder(() => imap.messageFlagsRemove('3,5', ['\\Deleted'], { uid: true }));
    expect(await next(s)).toMatchObject({ deletes: [], adds: [5, 3], changes: [] });
  });

  it('gives back a message another client unmarks when the device held none of the folder any more', async () => {
    let s = await synced();
    await inFolder(() => imap.messageFlagsAdd('1:5', ['\\Deleted'], { uid: true }));
    expect(await next(s)).toMatchObject({ deletes: [1, 2, 3, 4, 5], adds: [], changes: [] });
    s = roundTrip(s);
    expect(s.known.isEmpty).toBe(true);
    await inFolder(() => imap.messageFlagsRemove('4', ['\\Deleted'], { uid: true }));
    expect(await next(s)).toMatchObject({ deletes: [], adds: [4], changes: [] });
  });

  it('finds an expunge and an append that leave MESSAGES as it was', async () => {
    let s = await synced();
    await expunge(1);
    await imap.append(folder, message('replacement'));
    expect((await store.mailboxState(key)).messages).toBe(5);
    expect(await next(s)).toMatchObject({ deletes: [1], adds: [6], changes: [] });
    s = roundTrip(s);
    expect(await next(s)).toMatchObject({ deletes: [], adds: [], changes: [] });
  });
});
