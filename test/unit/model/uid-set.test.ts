import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UidSet } from '../../../src/model/uid-set.js';

const uids = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 80 });
const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

describe('UidSet', () => {
  it('prints and parses IMAP sequence sets', () => {
    const s = UidSet.of([5, 1, 2, 3, 9, 10, 7]);
    expect(s.toString()).toBe('1:3,5,7,9:10');
    expect(UidSet.parse('1:3,5,7,9:10')!.toString()).toBe('1:3,5,7,9:10');
    expect(UidSet.parse('10:9')!.toString()).toBe('9:10');
    expect(UidSet.parse('')!.isEmpty).toBe(true);
    expect(UidSet.parse('1:x')).toBeUndefined();
    expect(UidSet.parse('0')).toBeUndefined();
    expect(s.size).toBe(7);
  });

  it('keeps a contiguous 50,000-message folder as one range', () => {
    const s = UidSet.of(Array.from({ length: 50_000 }, (_, i) => i + 1));
    expect(s.toString()).toBe('1:50000');
    expect(s.highest(3)).toEqual([50000, 49999, 49998]);
    expect(s.lowest(2)).toEqual([1, 2]);
  });

  it('behaves like a set for union, minus, intersect and has', () => {
    fc.assert(
      fc.property(uids, uids, (a, b) => {
        const A = UidSet.of(a);
        const B = UidSet.of(b);
        const setB = new Set(b);
        expect([...A.union(B)]).toEqual(sorted([...a, ...b]));
        expect([...A.minus(B)]).toEqual(sorted(a.filter((x) => !setB.has(x))));
        expect([...A.intersect(B)]).toEqual(sorted(a.filter((x) => setB.has(x))));
        for (const x of [1, 50, 150, 300]) expect(A.has(x)).toBe(a.includes(x));
        expect(UidSet.parse(A.toString())!.toString()).toBe(A.toString());
      }),
    );
  });
});
