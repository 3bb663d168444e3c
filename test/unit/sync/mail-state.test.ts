import { describe, expect, it } from 'vitest';
import {
  bootstrapSnapshot,
  MailSyncState,
  readSnapshot,
  refresh,
  takeWindow,
} from '../../../src/sync/mail-state.js';
import { FakeMail } from '../../support/fake-backends.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const INBOX = 'm:inbox';

/** A state that went through SyncKey 0 and a snapshot round trip, as between two requests. */
function roundTrip(s: MailSyncState): MailSyncState {
  return new MailSyncState(readSnapshot(JSON.parse(JSON.stringify(s.snapshot())))!);
}

for (const modseqs of [true, false]) {
  describe(`mail sync state ${modseqs ? 'with CONDSTORE/QRESYNC' : 'without mod-sequences (flag comparison)'}`, () => {
    function setup(count: number) {
      const mail = new FakeMail();
      mail.modseqs = modseqs;
      for (let i = 1; i <= count; i++) mail.deliver(INBOX, `m${i}`);
      return { mail, s: new MailSyncState(bootstrapSnapshot()) };
    }

    it('lists the folder once, then hands it out newest first in windows', async () => {
      const { mail, s } = setup(7);
      expect(await refresh(s, mail, INBOX, 0, NOW)).toBe('ok');
      const w1 = takeWindow(s, 3);
      expect(w1.adds).toEqual([7, 6, 5]);
      expect(w1.moreAvailable).toBe(true);
      const s2 = roundTrip(s);
      await refresh(s2, mail, INBOX, 0, NOW);
      const w2 = takeWindow(s2, 10);
      expect(w2.adds).toEqual([4, 3, 2, 1]);
      expect(w2.moreAvailable).toBe(false);
      expect(s2.known.toString()).toBe('1:7');
    });

    it('finds new mail, flag changes and expunges, and nothing when nothing happened', async () => {
      const { mail, s } = setup(5);
      await refresh(s, mail, INBOX, 0, NOW);
      takeWindow(s, 100);
      let t = roundTrip(s);
      await refresh(t, mail, INBOX, 0, NOW);
      expect(t.pendingCount).toBe(0);

      mail.deliver(INBOX, 'new');
      mail.setFlags(INBOX, 2, ['\\Seen']);
      mail.expunge(INBOX, 4);
      t = roundTrip(t);
      await refresh(t, mail, INBOX, 0, NOW);
      const w = takeWindow(t, 100);
      expect(w).toMatchObject({ deletes: [4], changes: [2], adds: [6], moreAvailable: false });
      expect(t.known.toString()).toBe('1:3,5:6');
    });

    it('does not echo the device’s own flag change', async () => {
      const { mail, s } = setup(3);
      await refresh(s, mail, INBOX, 0, NOW);
      takeWindow(s, 100);
      const t = roundTrip(s);
      const after = await mail.storeFlags(INBOX, [2], ['\\Seen'], []);
      t.ownChanges(after, new Map([[2, ['\\Seen']]]));
      await refresh(t, mail, INBOX, 0, NOW);
      expect(takeWindow(t, 100).changes).toEqual([]);
    });

    it('sends a change another client made just before the device’s own (it shares our mod-sequence)', async () => {
      const { mail, s } = setup(3);
      await refresh(s, mail, INBOX, 0, NOW);
      takeWindow(s, 100);
      const t = roundTrip(s);
      // Between the device's look at message 2 and its STORE, another client flags it.
      await mail.storeFlags(INBOX, [2], ['\\Flagged'], []);
      const after = await mail.storeFlags(INBOX, [2], ['\\Seen'], []);
      t.ownChanges(after, new Map([[2, ['\\Seen']]]));
      await refresh(t, mail, INBOX, 0, NOW);
      expect(takeWindow(t, 100).changes).toEqual([2]);
    });

    it('sees no conflict on a message the device has only from its own MoveItems', async () => {
      const { mail, s } = setup(3);
      await refresh(s, mail, INBOX, 0, NOW);
      takeWindow(s, 100);
      const t = roundTrip(s);
      const movedIn = mail.deliver(INBOX, 'moved here by the device');
      const [flags] = (await mail.listFlags(INBOX, String(movedIn))).messages;
      expect(t.changedOnServer(flags!)).toBe(false);
      const [known] = (await mail.listFlags(INBOX, '2')).messages;
      expect(t.changedOnServer(known!)).toBe(false);
    });

    it('takes mail out of a narrower window with SoftDelete', async () => {
      const { mail, s } = setup(0);
      mail.deliver(INBOX, 'old', { date: new Date('2026-10-01T00:00:00Z') });
      mail.deliver(INBOX, 'recent', { date: new Date('2026-11-23T08:00:00Z') });
      await refresh(s, mail, INBOX, 0, NOW);
      expect(takeWindow(s, 100).adds).toEqual([2, 1]);
      const t = roundTrip(s);
      await refresh(t, mail, INBOX, 1, NOW);
      expect(takeWindow(t, 100)).toMatchObject({ softDeletes: [1], adds: [] });
    });

    it('reports a new UIDVALIDITY as invalid', async () => {
      const { mail, s } = setup(2);
      await refresh(s, mail, INBOX, 0, NOW);
      mail.box(INBOX).uidValidity = 99;
      expect(await refresh(roundTrip(s), mail, INBOX, 0, NOW)).toBe('invalid');
    });
  });
}

it('rejects a snapshot it cannot read', () => {
  expect(readSnapshot({ v: 1, known: 'x', adds: '' })).toBeUndefined();
  expect(readSnapshot(null)).toBeUndefined();
  expect(readSnapshot(bootstrapSnapshot())).toBeDefined();
});

describe('mail sync state without mod-sequences: bounded cost and compact record', () => {
  /** A fake without CONDSTORE that counts the FETCH FLAGS rows and SEARCHes each refresh costs. */
  function counted(count: number) {
    const mail = new FakeMail();
    mail.modseqs = false;
    for (let i = 1; i <= count; i++) mail.deliver(INBOX, `m${i}`);
    const cost = { rows: 0, fetches: 0, searches: 0 };
    const listFlags = mail.listFlags.bind(mail);
    mail.listFlags = async (key, uids) => {
      const out = await listFlags(key, uids);
      cost.fetches++;
      cost.rows += out.messages.length;
      return out;
    };
    const searchUids = mail.searchUids.bind(mail);
    mail.searchUids = async (key, since) => {
      cost.searches++;
      return searchUids(key, since);
    };
    const reset = (): void => {
      Object.assign(cost, { rows: 0, fetches: 0, searches: 0 });
    };
    return { mail, cost, reset };
  }

  /** SyncKey 0 and every window taken, with the flags each Add carries recorded (sync-mail.ts). */
  async function synced(mail: FakeMail, now = NOW): Promise<MailSyncState> {
    let s = new MailSyncState(bootstrapSnapshot());
    await refresh(s, mail, INBOX, 0, now);
    for (;;) {
      const w = takeWindow(s, 500);
      const { messages } = await mail.listFlags(INBOX, w.adds.join(','));
      for (const m of messages) s.flags?.set(m.uid, [...m.flags].sort().join(' '));
      s = roundTrip(s);
      if (!w.moreAvailable) return s;
    }
  }

  it('keeps one UID set per flag in the snapshot, not one entry per message', async () => {
    const { mail } = counted(2000);
    for (let uid = 1; uid <= 1500; uid++) mail.setFlags(INBOX, uid, ['\\Seen']);
    mail.setFlags(INBOX, 7, ['\\Seen', '\\Flagged']);
    const s = await synced(mail);
    expect(s.snapshot().told).toEqual({ uids: '1:2000', sets: { '\\Flagged': '7', '\\Seen': '1:1500' } });
    expect(s.snapshot().flags).toBeUndefined();
  });

  it('reads a state with the older per-message flags and answers from it', async () => {
    const { mail } = counted(3);
    mail.setFlags(INBOX, 2, ['\\Seen']);
    const s = await synced(mail);
    const old = {
      ...s.snapshot(),
      told: undefined,
      messages: undefined,
      flags: { 1: '', 2: '\\Seen', 3: '' },
    };
    const t = new MailSyncState(readSnapshot(JSON.parse(JSON.stringify(old)))!);
    expect(t.flags?.get(2)).toBe('\\Seen');
    mail.setFlags(INBOX, 3, ['\\Flagged']);
    await refresh(t, mail, INBOX, 0, NOW);
    expect(takeWindow(t, 100)).toMatchObject({ changes: [3], adds: [], deletes: [] });
    expect(roundTrip(t).snapshot()).toMatchObject({ messages: 3, told: { uids: '1:3' } });
    expect(readSnapshot({ ...old, flags: { x: '' } })).toBeUndefined();
  });

  it('costs one bounded FETCH and no SEARCH when nothing changed in a large folder', async () => {
    const { mail, cost, reset } = counted(5000);
    const s = await synced(mail);
    reset();
    const before = JSON.stringify(s.snapshot());
    await refresh(s, mail, INBOX, 0, NOW);
    expect(s.pendingCount).toBe(0);
    expect(JSON.stringify(s.snapshot())).toBe(before);
    expect(cost).toMatchObject({ fetches: 1, searches: 0 });
    expect(cost.rows).toBeLessThanOrEqual(600);
  });

  it('costs no FETCH at all when the device holds nothing and nothing came', async () => {
    const { mail, cost, reset } = counted(0);
    const s = await synced(mail);
    reset();
    await refresh(s, mail, INBOX, 0, NOW);
    expect(cost).toEqual({ rows: 0, fetches: 0, searches: 0 });
  });

  it('finds a flag change on an old message once its slice comes round, one second apart', async () => {
    const { mail } = counted(5000);
    let s = await synced(mail);
    mail.setFlags(INBOX, 10, ['\\Seen']);
    const seen: number[] = [];
    for (let i = 0; i < 20 && seen.length === 0; i++) {
      await refresh(s, mail, INBOX, 0, new Date(NOW.getTime() + i * 1000));
      seen.push(...takeWindow(s, 100).changes);
      s = roundTrip(s);
    }
    expect(seen).toEqual([10]);
  });

  it('finds a flag change on one of the newest messages at the next Sync', async () => {
    const { mail } = counted(5000);
    const s = await synced(mail);
    mail.setFlags(INBOX, 4900, ['\\Flagged']);
    await refresh(s, mail, INBOX, 0, NOW);
    expect(takeWindow(s, 100).changes).toEqual([4900]);
  });

  it('finds an expunge of an old message, and new mail, with one SEARCH', async () => {
    const { mail, cost, reset } = counted(5000);
    const s = await synced(mail);
    reset();
    mail.expunge(INBOX, 3);
    mail.deliver(INBOX, 'new');
    await refresh(s, mail, INBOX, 0, NOW);
    expect(takeWindow(s, 100)).toMatchObject({ deletes: [3], adds: [5001] });
    expect(cost).toMatchObject({ fetches: 1, searches: 1 });
  });

  it('finds an expunge and an append that leave MESSAGES as it was', async () => {
    const { mail } = counted(5000);
    let s = await synced(mail);
    mail.expunge(INBOX, 20);
    mail.deliver(INBOX, 'replacement');
    expect((await mail.mailboxState(INBOX)).messages).toBe(5000);
    await refresh(s, mail, INBOX, 0, NOW);
    expect(takeWindow(s, 100)).toMatchObject({ deletes: [20], adds: [5001], changes: [] });
    s = roundTrip(s);
    await refresh(s, mail, INBOX, 0, NOW);
    expect(s.pendingCount).toBe(0);
  });
});
