import { describe, expect, it } from 'vitest';
import { bootstrapDavSnapshot, DavSyncState, readDavSnapshot } from '../../../src/sync/dav-state.js';

const fresh = () => new DavSyncState(bootstrapDavSnapshot());
const v = (name: string, etag: string) => ({ name, etag });

describe('DavSyncState', () => {
  it('lists everything as pending after the first complete listing', () => {
    const s = fresh();
    s.apply({ token: 't1', complete: true, changed: [v('a.ics', '1'), v('b.ics', '1')], removed: [] });
    expect([...s.pending.keys()]).toEqual(['a.ics', 'b.ics']);
    expect(s.token).toBe('t1');
    expect(s.primed).toBe(true);
  });

  it('ignores a listed version the device already has, and pends a new one', () => {
    const s = fresh();
    const id = s.added(v('a.ics', '1'));
    s.apply({ token: 't2', complete: false, changed: [v('a.ics', '1')], removed: [] });
    expect(s.pendingCount).toBe(0);
    s.apply({ token: 't3', complete: false, changed: [v('a.ics', '2')], removed: [] });
    expect(s.pending.get('a.ics')).toBe('2');
    s.track(id, v('a.ics', '2'));
    expect(s.pendingCount).toBe(0);
  });

  it('turns removals into deletes for the device, and a complete listing removes what it lacks', () => {
    const s = fresh();
    const a = s.added(v('a.ics', '1'));
    const b = s.added(v('b.ics', '1'));
    s.apply({ token: 't2', complete: false, changed: [], removed: ['a.ics', 'never-seen.ics'] });
    expect([...s.gone]).toEqual([a]);
    s.apply({ token: 't3', complete: true, changed: [], removed: [] });
    expect([...s.gone].sort()).toEqual([a, b]);
  });

  it('re-reads a skipped item only when its ETag changes', () => {
    const s = fresh();
    s.skip('task.ics', '1');
    s.apply({ token: 't', complete: false, changed: [v('task.ics', '1')], removed: [] });
    expect(s.pendingCount).toBe(0);
    s.apply({ token: 't', complete: false, changed: [v('task.ics', '2')], removed: [] });
    expect(s.pending.get('task.ics')).toBe('2');
  });

  it('looks at every item again when the FilterType changes', () => {
    const s = fresh();
    s.added(v('a.ics', '1'));
    s.skip('old.ics', '1');
    s.refilter(4);
    expect([...s.pending.keys()].sort()).toEqual(['a.ics', 'old.ics']);
    expect(s.filter).toBe(4);
  });

  it('fills a window with deletes first and says when more is waiting', () => {
    const s = fresh();
    const a = s.added(v('a.ics', '1'));
    s.gone.add(a);
    s.pending.set('b.ics', '1');
    s.pending.set('c.ics', '1');
    expect(s.takeWindow(2)).toEqual({ gone: [a], names: ['b.ics'], moreAvailable: true });
    expect(s.takeWindow(5).moreAvailable).toBe(false);
  });

  it('survives a round trip through its snapshot, and refuses a foreign one', () => {
    const s = fresh();
    s.added(v('a b.ics', '"x"'));
    s.pending.set('c.ics', '1');
    const copy = new DavSyncState(readDavSnapshot(JSON.parse(JSON.stringify(s.snapshot())))!);
    expect(copy.snapshot()).toEqual(s.snapshot());
    expect(copy.idOfName.get('a b.ics')).toBe(1);
    expect(readDavSnapshot({ v: 1, known: '' })).toBeUndefined();
  });
});
