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
