import { UidSet } from '../model/uid-set.js';

// Without CONDSTORE, a flag change made by another client is found only by comparing the flags
// the device was given with the server's. Those are kept as one UID set per flag (\Seen,
// \Flagged, \Answered, $Forwarded, keywords): mail is mostly read, mostly unflagged, and read in
// runs, so each set is a few ranges and the record stays small at any folder size, where one
// JSON entry per message grew with the folder and was rewritten with every SyncKey.

/** The stored form: the UIDs whose flags are recorded, and per flag the UIDs that carry it. */
export interface StoredToldFlags {
  readonly uids: string;
  readonly sets: Readonly<Record<string, string>>;
}

/**
 * The flags a device's view depends on: \Recent is left out, it belongs to one IMAP session
 * (RFC 3501 2.3.2; gone in IMAP4rev2, RFC 9051) and would read as a change from every other one.
 */
export function lastingFlags(flags: readonly string[]): string[] {
  return flags.filter((f) => f.toLowerCase() !== '\\recent');
}

export class ToldFlags {
  private constructor(
    /** UIDs with a record (a UID in no flag set was given no flags). */
    private tracked: UidSet,
    private readonly sets: Map<string, UidSet>,
  ) {}

  static empty(): ToldFlags {
    return new ToldFlags(UidSet.empty, new Map());
  }

  /** Undefined when the stored form cannot be read. */
  static read(value: unknown): ToldFlags | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Partial<StoredToldFlags>;
    if (typeof v.uids !== 'string' || typeof v.sets !== 'object' || v.sets === null) return undefined;
    const tracked = UidSet.parse(v.uids);
    if (tracked === undefined) return undefined;
    const sets = new Map<string, UidSet>();
    for (const [flag, text] of Object.entries(v.sets)) {
      const set = typeof text === 'string' ? UidSet.parse(text) : undefined;
      if (set === undefined) return undefined;
      sets.set(flag, set);
    }
    return new ToldFlags(tracked, sets);
  }

  /** The per-message map older states kept (uid → `flagsKey`). */
  static fromLegacy(record: Readonly<Record<string, string>>): ToldFlags | undefined {
    const told = ToldFlags.empty();
    const entries: { uid: number; flags: readonly string[] }[] = [];
    for (const [uid, key] of Object.entries(record)) {
      if (!/^\d{1,10}$/.test(uid) || typeof key !== 'string') return undefined;
      entries.push({ uid: Number(uid), flags: key === '' ? [] : key.split(' ') });
    }
    told.record(entries);
    return told;
  }

  /** The flags recorded for `uid` as a `flagsKey`, or undefined when none are. */
  get(uid: number): string | undefined {
    if (!this.tracked.has(uid)) return undefined;
    const flags: string[] = [];
    for (const [flag, set] of this.sets) if (set.has(uid)) flags.push(flag);
    return flags.sort().join(' ');
  }

  /** Records one message as given to the device (`key` as made by `flagsKey`). */
  set(uid: number, key: string): void {
    this.record([{ uid, flags: key === '' ? [] : key.split(' ') }]);
  }

  delete(uid: number): void {
    this.forget(UidSet.of([uid]));
  }

  forget(uids: UidSet): void {
    if (uids.isEmpty) return;
    this.tracked = this.tracked.minus(uids);
    for (const [flag, set] of this.sets) this.#put(flag, set.minus(uids));
  }

  /** Records many messages at once: one set operation per flag, not per message. */
  record(messages: readonly { readonly uid: number; readonly flags: readonly string[] }[]): void {
    if (messages.length === 0) return;
    const uids = UidSet.of(messages.map((m) => m.uid));
    const carriers = new Map<string, number[]>();
    for (const m of messages) {
      for (const flag of lastingFlags(m.flags)) {
        const list = carriers.get(flag) ?? [];
        list.push(m.uid);
        carriers.set(flag, list);
      }
    }
    this.tracked = this.tracked.union(uids);
    for (const [flag, set] of this.sets) {
      if (!carriers.has(flag)) this.#put(flag, set.minus(uids));
    }
    for (const [flag, list] of carriers) {
      this.#put(flag, (this.sets.get(flag) ?? UidSet.empty).minus(uids).union(list));
    }
  }

  toJSON(): StoredToldFlags {
    return {
      uids: this.tracked.toString(),
      // Sorted: an unchanged record must read the same, or a Sync with nothing new gets a new SyncKey.
      sets: Object.fromEntries(
        [...this.sets].sort(([a], [b]) => (a < b ? -1 : 1)).map(([flag, set]) => [flag, set.toString()]),
      ),
    };
  }

  #put(flag: string, set: UidSet): void {
    if (set.isEmpty) this.sets.delete(flag);
    else this.sets.set(flag, set);
  }
}
