import type { MailboxState, MessageFlags, MessageStore } from '../backends/types.js';
import { filterCutoff } from '../model/filter-type.js';
import { UidSet } from '../model/uid-set.js';

// What one device knows of one mail folder, and how it catches up. The snapshot holds UID sets
// (a few ranges, whatever the folder size) and the folder's HIGHESTMODSEQ, so a Sync with nothing
// new costs one STATUS. With CONDSTORE/QRESYNC a change costs one UID FETCH CHANGEDSINCE; without
// it, the flags of every message the device holds are compared (and kept in the snapshot).

export interface MailSnapshot {
  readonly v: 1;
  readonly uidValidity: number;
  /** HIGHESTMODSEQ the pending sets are up to date with; null without CONDSTORE or before priming. */
  readonly modseq: string | null;
  /** UIDNEXT at that time: a changed UID at or above it is a new message. */
  readonly uidNext: number;
  /** FilterType the sets were built for. */
  readonly filter: number;
  /** False right after SyncKey 0: the folder has not been listed yet. */
  readonly primed: boolean;
  /** On the device. */
  readonly known: string;
  /** To send as Add, Change, Delete and SoftDelete (left out of the window or not sent yet). */
  readonly adds: string;
  readonly changes: string;
  readonly deletes: string;
  readonly softDeletes: string;
  /** Our own STOREs (uid → modseq after it) not to be echoed back to the device. */
  readonly echo: Readonly<Record<string, string>>;
  /** Fallback only: uid → flags the device was last given. */
  readonly flags?: Readonly<Record<string, string>>;
  /** The last of the device's MoveItems notes this state has taken in (moved-items.ts). */
  readonly moves?: number;
}

export function bootstrapSnapshot(): MailSnapshot {
  return {
    v: 1,
    uidValidity: 0,
    modseq: null,
    uidNext: 1,
    filter: 0,
    primed: false,
    known: '',
    adds: '',
    changes: '',
    deletes: '',
    softDeletes: '',
    echo: {},
  };
}

/** A stored snapshot from an older or broken state reads as undefined: the device resyncs. */
export function readSnapshot(value: unknown): MailSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<MailSnapshot>;
  if (s.v !== 1 || typeof s.known !== 'string' || typeof s.adds !== 'string') return undefined;
  for (const set of [s.known, s.adds, s.changes, s.deletes, s.softDeletes]) {
    if (typeof set !== 'string' || UidSet.parse(set) === undefined) return undefined;
  }
  return s as MailSnapshot;
}

/** Mutable working copy while a request runs. */
export class MailSyncState {
  uidValidity: number;
  modseq: bigint | undefined;
  uidNext: number;
  filter: number;
  primed: boolean;
  known: UidSet;
  adds: UidSet;
  changes: UidSet;
  deletes: UidSet;
  softDeletes: UidSet;
  echo: Map<number, bigint>;
  flags: Map<number, string> | undefined;
  moves: number;

  constructor(s: MailSnapshot) {
    this.uidValidity = s.uidValidity;
    this.modseq = s.modseq === null ? undefined : BigInt(s.modseq);
    this.uidNext = s.uidNext;
    this.filter = s.filter;
    this.primed = s.primed;
    this.known = set(s.known);
    this.adds = set(s.adds);
    this.changes = set(s.changes);
    this.deletes = set(s.deletes);
    this.softDeletes = set(s.softDeletes);
    this.echo = new Map(Object.entries(s.echo).map(([uid, m]) => [Number(uid), BigInt(m)]));
    this.flags = s.flags && new Map(Object.entries(s.flags).map(([uid, f]) => [Number(uid), f]));
    this.moves = s.moves ?? 0;
  }

  snapshot(): MailSnapshot {
    return {
      v: 1,
      uidValidity: this.uidValidity,
      modseq: this.modseq === undefined ? null : this.modseq.toString(),
      uidNext: this.uidNext,
      filter: this.filter,
      primed: this.primed,
      known: this.known.toString(),
      adds: this.adds.toString(),
      changes: this.changes.toString(),
      deletes: this.deletes.toString(),
      softDeletes: this.softDeletes.toString(),
      echo: Object.fromEntries([...this.echo].map(([uid, m]) => [String(uid), m.toString()])),
      ...(this.flags ? { flags: Object.fromEntries(this.flags) } : {}),
      ...(this.moves > 0 ? { moves: this.moves } : {}),
    };
  }

  get pendingCount(): number {
    return this.adds.size + this.changes.size + this.deletes.size + this.softDeletes.size;
  }

  /** The device deleted or moved these away itself: nothing more to tell it about them. */
  forget(uids: readonly number[]): void {
    this.known = this.known.minus(uids);
    this.adds = this.adds.minus(uids);
    this.changes = this.changes.minus(uids);
    this.deletes = this.deletes.minus(uids);
    this.softDeletes = this.softDeletes.minus(uids);
    for (const uid of uids) this.flags?.delete(uid);
  }

  /** Expunged on the server: no Add or Change can be sent for them any more. */
  forgetServerSide(gone: UidSet): void {
    this.known = this.known.minus(gone);
    this.adds = this.adds.minus(gone);
    this.changes = this.changes.minus(gone);
    for (const uid of gone) this.flags?.delete(uid);
  }

  /** Deletions to announce from the next Sync on, not in this answer (see `deleteNextTime`). */
  readonly #later: number[] = [];

  /**
   * The device holds these (a draft it just added and asked to send) but they are gone: it learns
   * so in its next Sync, after this answer has given it their ServerIds.
   */
  deleteNextTime(uids: readonly number[]): void {
    this.#later.push(...uids);
  }

  /** Called once this answer's window is taken. */
  releaseLaterDeletes(): void {
    this.deletes = this.deletes.union(this.#later);
    this.#later.length = 0;
  }

  /** Additions taken into a window but not sent after all: they wait for the next Sync. */
  putBack(uids: readonly number[]): void {
    if (uids.length === 0) return;
    this.known = this.known.minus(uids);
    this.adds = this.adds.union(uids);
  }

  /** The device put these here itself (a draft it added): never send them as Add. */
  deviceHas(uids: readonly number[]): void {
    if (uids.length === 0 || !this.primed) return;
    this.adds = this.adds.minus(uids);
    this.known = this.known.union(uids);
  }

  /**
   * The device moved this message here itself (MoveItems) and holds it as it was right after the
   * move (`modseq`, `flags`): from now on it is a message the device knows, so a later change or
   * expunge on the server reaches the device like any other, and what the move itself did is not
   * echoed back as a Change.
   */
  movedIn(uid: number, modseq: bigint | undefined, flags: readonly string[] | undefined): void {
    if (!this.primed) return;
    this.deviceHas([uid]);
    if (modseq !== undefined) this.echo.set(uid, modseq);
    if (this.flags && flags !== undefined) this.flags.set(uid, flagsKey(flags));
  }

  /** Whether the message's flags moved on the server since the device was last told about it. */
  changedOnServer(m: MessageFlags): boolean {
    if (this.changes.has(m.uid)) return true;
    // A message this folder's Sync never sent (the device has it from its own MoveItems) has no
    // earlier version of ours the device's change could overwrite.
    if (!this.known.has(m.uid)) return false;
    if (m.modseq !== undefined && this.modseq !== undefined) {
      return m.modseq > this.modseq && this.echo.get(m.uid) !== m.modseq;
    }
    const told = this.flags?.get(m.uid);
    return told !== undefined && told !== flagsKey(m.flags);
  }

  /** The device changed these itself; `after` is each UID's modseq once our STORE was done. */
  ownChanges(after: ReadonlyMap<number, bigint>, flagsNow?: ReadonlyMap<number, readonly string[]>): void {
    for (const [uid, modseq] of after) this.echo.set(uid, modseq);
    if (this.flags && flagsNow) for (const [uid, f] of flagsNow) this.flags.set(uid, flagsKey(f));
  }
}

export type RefreshResult = 'ok' | 'invalid';

/**
 * Brings the pending sets up to date with the folder. 'invalid' means the folder's UIDVALIDITY
 * changed: every UID the device holds is meaningless and it must start over (Sync Status 3).
 */
export async function refresh(
  s: MailSyncState,
  store: MessageStore,
  folderKey: string,
  filter: number,
  now: Date,
  signal?: AbortSignal,
): Promise<RefreshResult> {
  if (!s.primed || filter !== s.filter) {
    await prime(s, store, folderKey, filter, now, signal);
    return 'ok';
  }
  const state = await store.mailboxState(folderKey, signal);
  if (state.uidValidity !== s.uidValidity) return 'invalid';
  if (state.highestModseq !== undefined && s.modseq !== undefined) {
    // MS-ASCMD 2.2.1.21 asks only for the changes: the common case, nothing new, stops here.
    if (state.highestModseq === s.modseq) return 'ok';
    const delta = await store.changesSince(folderKey, s.modseq, signal);
    applyDelta(s, delta.state, delta.changed, delta.vanished, now);
    return 'ok';
  }
  const listed = await store.listFlags(folderKey, undefined, signal);
  if (listed.state.uidValidity !== s.uidValidity) return 'invalid';
  compareFlags(s, listed.state, listed.messages, now);
  return 'ok';
}

/** First listing, or a new FilterType: what is in the window and not on the device is added. */
async function prime(
  s: MailSyncState,
  store: MessageStore,
  folderKey: string,
  filter: number,
  now: Date,
  signal?: AbortSignal,
): Promise<void> {
  const { state, uids } = await store.searchUids(folderKey, filterCutoff(filter, now), signal);
  const inWindow = UidSet.of(uids);
  if (s.primed && state.uidValidity === s.uidValidity) {
    // MS-ASCMD 2.2.3.69.2: a narrower window takes items off the device without deleting them.
    const leaving = s.known.minus(inWindow);
    s.softDeletes = s.softDeletes.union(leaving);
    s.known = s.known.minus(leaving);
    s.adds = inWindow.minus(s.known);
    s.changes = s.changes.intersect(s.known);
  } else {
    s.known = UidSet.empty;
    s.adds = inWindow;
    s.changes = UidSet.empty;
    s.deletes = UidSet.empty;
    s.softDeletes = UidSet.empty;
  }
  s.uidValidity = state.uidValidity;
  s.uidNext = state.uidNext;
  s.modseq = state.highestModseq;
  s.filter = filter;
  s.primed = true;
  s.echo.clear();
  if (state.highestModseq === undefined) {
    // The flags of what the device has or will get are what later listings are compared with.
    const listed = await store.listFlags(folderKey, undefined, signal);
    const tracked = s.known.union(s.adds);
    s.flags = new Map(
      listed.messages
        .filter((m) => tracked.has(m.uid))
        .map((m): [number, string] => [m.uid, flagsKey(m.flags)]),
    );
  } else {
    s.flags = undefined;
  }
}

function applyDelta(
  s: MailSyncState,
  state: MailboxState,
  changed: readonly MessageFlags[],
  vanished: readonly number[],
  now: Date,
): void {
  const gone = UidSet.of(vanished);
  s.deletes = s.deletes.union(s.known.intersect(gone));
  s.forgetServerSide(gone);
  const cutoff = filterCutoff(s.filter, now);
  const changes: number[] = [];
  const adds: number[] = [];
  for (const m of changed) {
    const own = s.echo.get(m.uid);
    if (own !== undefined && m.modseq !== undefined && m.modseq <= own) continue;
    if (s.known.has(m.uid)) changes.push(m.uid);
    // New mail, or one the listing left out (a \Deleted mark taken back): the window decides.
    else if (inWindow(m, cutoff)) adds.push(m.uid);
  }
  s.changes = s.changes.union(changes);
  s.adds = s.adds.union(adds);
  s.uidNext = Math.max(s.uidNext, state.uidNext);
  if (state.highestModseq !== undefined) s.modseq = state.highestModseq;
  s.echo.clear();
}

/** Without mod-sequences: every message's flags against what the device was given. */
function compareFlags(
  s: MailSyncState,
  state: MailboxState,
  listed: readonly MessageFlags[],
  now: Date,
): void {
  const present = UidSet.of(listed.map((m) => m.uid));
  const gone = s.known.minus(present);
  s.deletes = s.deletes.union(gone);
  s.forgetServerSide(gone);
  s.adds = s.adds.intersect(present);
  const cutoff = filterCutoff(s.filter, now);
  const flags = s.flags ?? new Map<number, string>();
  const changes: number[] = [];
  const adds: number[] = [];
  for (const m of listed) {
    if (s.known.has(m.uid) || s.adds.has(m.uid)) {
      // A pending Add goes out with its flags as they are then; only known items get a Change.
      if (s.known.has(m.uid) && flags.get(m.uid) !== flagsKey(m.flags)) changes.push(m.uid);
    } else if (inWindow(m, cutoff)) {
      adds.push(m.uid);
      flags.set(m.uid, flagsKey(m.flags));
    }
  }
  s.changes = s.changes.union(changes);
  s.adds = s.adds.union(adds);
  s.uidNext = Math.max(s.uidNext, state.uidNext);
  s.flags = flags;
}

export interface MailWindow {
  readonly deletes: number[];
  readonly softDeletes: number[];
  readonly changes: number[];
  /** Newest first. */
  readonly adds: number[];
  readonly moreAvailable: boolean;
}

/**
 * Takes up to `size` pending items off the sets: deletions first (cheap, and they free space on
 * the device), then changes, then the newest additions. What does not fit stays pending.
 */
export function takeWindow(s: MailSyncState, size: number): MailWindow {
  let room = size;
  const take = (from: UidSet, newestFirst: boolean): number[] => {
    const picked = newestFirst ? from.highest(room) : from.lowest(room);
    room -= picked.length;
    return picked;
  };
  const deletes = take(s.deletes, false);
  const softDeletes = take(s.softDeletes, false);
  const changes = take(s.changes, false);
  const adds = take(s.adds, true);
  s.deletes = s.deletes.minus(deletes);
  s.softDeletes = s.softDeletes.minus(softDeletes);
  s.changes = s.changes.minus(changes);
  s.adds = s.adds.minus(adds);
  s.known = s.known.minus(deletes).minus(softDeletes).union(adds);
  for (const uid of [...deletes, ...softDeletes]) s.flags?.delete(uid);
  return { deletes, softDeletes, changes, adds, moreAvailable: s.pendingCount > 0 };
}

export function flagsKey(flags: readonly string[]): string {
  return [...flags].sort().join(' ');
}

function inWindow(m: MessageFlags, cutoff: Date | undefined): boolean {
  return cutoff === undefined || m.internalDate === undefined || m.internalDate >= cutoff;
}

function set(text: string | undefined): UidSet {
  return UidSet.parse(text ?? '') ?? UidSet.empty;
}
