import { describe, expect, it } from 'vitest';
import { UidSet } from '../../../src/model/uid-set.js';
import { ToldFlags } from '../../../src/sync/told-flags.js';

describe('ToldFlags', () => {
  it('records, answers and forgets flags per UID as sets', () => {
    const told = ToldFlags.empty();
    told.record([
      { uid: 1, flags: ['\\Seen'] },
      { uid: 2, flags: ['\\Seen', '\\Flagged', '\\Recent'] },
      { uid: 3, flags: [] },
    ]);
    expect([1, 2, 3, 4].map((uid) => told.get(uid))).toEqual(['\\Seen', '\\Flagged \\Seen', '', undefined]);
    told.set(2, '$Forwarded');
    told.forget(UidSet.of([1]));
    expect([1, 2, 3].map((uid) => told.get(uid))).toEqual([undefined, '$Forwarded', '']);
    expect(told.toJSON()).toEqual({ uids: '2:3', sets: { $Forwarded: '2' } });
  });

  it('writes the same text for the same record, whatever the order it was built in', () => {
    const a = ToldFlags.empty();
    a.set(1, '\\Seen');
    a.set(2, '\\Flagged');
    const b = ToldFlags.empty();
    b.set(2, '\\Flagged');
    b.set(1, '\\Seen');
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(ToldFlags.read(JSON.parse(JSON.stringify(a.toJSON())))?.get(1)).toBe('\\Seen');
  });

  it('reads the older per-UID record and refuses what it cannot read', () => {
    expect(ToldFlags.fromLegacy({ 5: '\\Answered \\Seen', 6: '' })?.toJSON()).toEqual({
      uids: '5:6',
      sets: { '\\Answered': '5', '\\Seen': '5' },
    });
    expect(ToldFlags.fromLegacy({ five: '' })).toBeUndefined();
    expect(ToldFlags.read({ uids: '1', sets: { '\\Seen': 'x' } })).toBeUndefined();
    expect(ToldFlags.read(null)).toBeUndefined();
  });
});
