// A set of IMAP UIDs kept as sorted, disjoint, non-adjacent ranges. Mailbox UIDs are mostly
// contiguous, so what a device holds of a 50,000-message folder is a handful of ranges: sync state
// stays small and loads in constant time however large the folder is. The text form is an IMAP
// sequence set (RFC 3501 section 9, `sequence-set`), so it can go into a UID command as it is.

type Range = readonly [number, number];

export class UidSet {
  private constructor(private readonly ranges: readonly Range[]) {}

  static readonly empty = new UidSet([]);

  /** Only for ranges already sorted, disjoint and non-adjacent. */
  static fromRanges(ranges: readonly Range[]): UidSet {
    return new UidSet(ranges);
  }

  static of(uids: Iterable<number>): UidSet {
    return normalise([...uids].filter(isUid).map((u): Range => [u, u]));
  }

  /** Parses `1:5,7,9:12`; anything else yields undefined (stored state is never trusted blindly). */
  static parse(text: string): UidSet | undefined {
    if (text === '') return UidSet.empty;
    const ranges: Range[] = [];
    for (const part of text.split(',')) {
      const m = /^(\d+)(?::(\d+))?$/.exec(part);
      if (!m) return undefined;
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (!isUid(a) || !isUid(b)) return undefined;
      ranges.push(a <= b ? [a, b] : [b, a]);
    }
    return normalise(ranges);
  }

  get size(): number {
    let n = 0;
    for (const [a, b] of this.ranges) n += b - a + 1;
    return n;
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  has(uid: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = this.ranges[mid] as Range;
      if (uid < a) hi = mid - 1;
      else if (uid > b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  union(other: UidSet | Iterable<number>): UidSet {
    const o = other instanceof UidSet ? other : UidSet.of(other);
    if (o.isEmpty) return this;
    if (this.isEmpty) return o;
    return normalise([...this.ranges, ...o.ranges]);
  }

  minus(other: UidSet | Iterable<number>): UidSet {
    const o = other instanceof UidSet ? other : UidSet.of(other);
    if (o.isEmpty || this.isEmpty) return this;
    const out: Range[] = [];
    let j = 0;
    for (const [a0, b] of this.ranges) {
      let a = a0;
      while (j < o.ranges.length && (o.ranges[j] as Range)[1] < a) j++;
      let k = j;
      while (a <= b) {
        const cut = o.ranges[k];
        if (cut === undefined || cut[0] > b) {
          out.push([a, b]);
          break;
        }
        if (cut[0] > a) out.push([a, cut[0] - 1]);
        a = cut[1] + 1;
        k++;
      }
    }
    return UidSet.fromRanges(out);
  }

  intersect(other: UidSet | Iterable<number>): UidSet {
    const o = other instanceof UidSet ? other : UidSet.of(other);
    return this.minus(this.minus(o));
  }

  /** The `count` highest UIDs, highest first: newest mail reaches the phone first. */
  highest(count: number): number[] {
    const out: number[] = [];
    for (let i = this.ranges.length - 1; i >= 0 && out.length < count; i--) {
      const [a, b] = this.ranges[i] as Range;
      for (let u = b; u >= a && out.length < count; u--) out.push(u);
    }
    return out;
  }

  /** The `count` lowest UIDs, in ascending order. */
  lowest(count: number): number[] {
    const out: number[] = [];
    for (const [a, b] of this.ranges) {
      for (let u = a; u <= b && out.length < count; u++) out.push(u);
      if (out.length >= count) break;
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (const [a, b] of this.ranges) for (let u = a; u <= b; u++) yield u;
  }

  toString(): string {
    return this.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
  }
}

function isUid(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 0xffffffff;
}

function normalise(ranges: Range[]): UidSet {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return UidSet.fromRanges(out);
}
