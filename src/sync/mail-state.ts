import type { MailboxState, MessageFlags, MessageStore } from '../backends/types.js';
import { filterCutoff } from '../model/filter-type.js';
import { UidSet } from '../model/uid-set.js';
import { lastingFlags, ToldFlags, type StoredToldFlags } from './told-flags.js';

// What one device knows of one mail folder, and how it catches up. The snapshot holds UID sets
// (a few ranges, whatever the folder size) and the folder's HIGHESTMODSEQ, so a Sync with nothing
// new costs one STATUS. With CONDSTORE/QRESYNC a change costs one UID FETCH CHANGEDSINCE. Without
// it, STATUS (UIDNEXT, MESSAGES) tells new mail and expunges apart from nothing, and the flags the
// device was given (kept as one UID set per flag) are compared for a bounded part of what it holds
// at each Sync: see `detectChanges`.

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
  /** Fallback only: the flags the device was last given, one UID set per flag. */
  readonly told?: StoredToldFlags;
  /** Fallback only: MESSAGES when `uidNext` was taken; with it, STATUS shows an expunge. */
  readonly messages?: number;
  /** Read only, from states written before `told`: uid → flags the device was last given. */
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
  if (s.told !== undefined && ToldFlags.read(s.told) === undefined) return undefined;
  if (s.flags !== undefined && ToldFlags.fromLegacy(s.flags) === undefined) return undefined;
  if (s.messages !== undefined && !Number.isInteger(s.messages)) return undefined;
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
  flags: ToldFlags | undefined;
  messages: number | undefined;
  /** Undefined only in a state made before notes were numbered. */
  moves: number | undefined;

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
    this.flags = toldFlagsOf(s);
    this.messages = s.messages;
    this.moves = s.moves;
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
      ...(this.flags ? { told: this.flags.toJSON() } : {}),
      ...(this.messages !== undefined ? { messages: this.messages } : {}),
      ...(this.moves !== undefined ? { moves: this.moves } : {}),
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
    this.flags?.forget(UidSet.of(uids));
  }

  /** Expunged on the server: no Add or Change can be sent for them any more. */
  forgetServerSide(gone: UidSet): void {
    this.known = this.known.minus(gone);
    this.adds = this.adds.minus(gone);
    this.changes = this.changes.minus(gone);
    this.flags?.forget(gone);
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

  /** Moved here by the device during this request's notes (see `movedIn`); not kept. */
  readonly #movedHere = new Set<number>();

  /**
   * The device moved this message here itself (MoveItems): from now on it is a message the device
   * knows, so a later expunge reaches it as a Delete. Its flags go to the device once as a Change:
   * what the device shows came from the source folder, which may have changed meanwhile, and a
   * change between the move and now cannot be told apart from the move itself.
   */
  movedIn(uid: number): void {
    if (!this.primed) return;
    this.deviceHas([uid]);
    this.changes = this.changes.union([uid]);
    this.#movedHere.add(uid);
  }

  /** Whether the message's flags moved on the server since the device was last told about it. */
  changedOnServer(m: MessageFlags): boolean {
    // The device changes a message it has just moved here: there is no version of ours it could
    // overwrite (iOS marks a message moved back from Trash unread in the same breath).
    if (this.#movedHere.has(m.uid)) return false;
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

  /**
   * The device changed these itself: `after` is each message as it was once our STORE was done,
   * `flagsNow` what the device shows. Our own change is not echoed back to the device, unless the
   * message is not what the device shows: another client changed it between our look and our
   * STORE, or right after, and that change carries the same or an older mod-sequence than ours,
   * so only sending the message as it is tells the device.
   */
  ownChanges(after: readonly MessageFlags[], flagsNow: ReadonlyMap<number, readonly string[]>): void {
    for (const m of after) {
      const shown = flagsNow.get(m.uid);
      if (m.modseq === undefined || shown === undefined) continue;
      if (flagsKey(m.flags) === flagsKey(shown)) this.echo.set(m.uid, m.modseq);
    }
    this.flags?.record([...flagsNow].map(([uid, flags]) => ({ uid, flags })));
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
  if (s.flags === undefined || s.messages === undefined) {
    // A state written before the compact record, or while the server had CONDSTORE: one full
    // comparison sets both up, the bounded one takes over from the next Sync.
    const listed = await store.listFlags(folderKey, undefined, signal);
    if (listed.state.uidValidity !== s.uidValidity) return 'invalid';
    s.flags ??= ToldFlags.empty();
    compareFlags(s, listed.messages, EVERY_UID, now);
    s.uidNext = Math.max(s.uidNext, listed.state.uidNext);
    s.messages = listed.state.messages;
    return 'ok';
  }
  return detectChanges(s, store, folderKey, state, now, signal);
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
    // Flags are recorded as each Add goes out (with the flags it carries), not here: a listing of
    // the whole folder would cost as much as the comparison this state avoids.
    s.flags ??= ToldFlags.empty();
    s.flags.forget(EVERY_UID.minus(s.known));
    s.messages = state.messages;
  } else {
    s.flags = undefined;
    s.messages = undefined;
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

/**
 * How many of the newest messages the device holds have their flags compared at every Sync, and
 * how many of the others at each Sync besides (see `flagsToCheck`).
 */
const NEWEST = 200;
const SLICE = 300;
/** The older messages' slice moves on every second. */
const SLICE_MS = 1000;

/**
 * Without mod-sequences. STATUS shows new mail (UIDNEXT moved) and expunges (MESSAGES is not what
 * it was plus the new mail; an expunge and an append leave MESSAGES as it was, but not UIDNEXT),
 * never a flag change another client made: those stay invisible to every cheap command, so a part
 * of the messages the device holds has its flags compared at each Sync, and the cost of a Sync is
 * one STATUS and one FETCH FLAGS of at most NEWEST + SLICE messages (plus the new ones), whatever
 * the folder's size. The trade-off: a change to one of the newest NEWEST messages (where reading
 * and flagging elsewhere mostly happens) reaches the device at its next Sync; one to an older
 * message when its slice comes round, after (older messages held / SLICE) Syncs on average. A
 * device whose FilterType window holds at most NEWEST + SLICE messages has all of them compared
 * every time. An expunge costs one UID SEARCH of the folder (UIDs only) to find which went.
 */
async function detectChanges(
  s: MailSyncState,
  store: MessageStore,
  folderKey: string,
  state: MailboxState,
  now: Date,
  signal?: AbortSignal,
): Promise<RefreshResult> {
  const fresh = state.uidNext > s.uidNext ? span(s.uidNext, state.uidNext - 1) : UidSet.empty;
  const scope = flagsToCheck(s, now).union(fresh);
  let rows: readonly MessageFlags[] = [];
  if (!scope.isEmpty) {
    const listed = await store.listFlags(folderKey, scope.toString(), signal);
    if (listed.state.uidValidity !== s.uidValidity) return 'invalid';
    // The scope ends below this STATUS's UIDNEXT: later mail is new for the next Sync.
    rows = listed.messages;
  }
  const appended = rows.filter((m) => fresh.has(m.uid)).length;
  compareFlags(s, rows, scope, now);
  if (state.messages !== (s.messages ?? 0) + appended) {
    // Something went since the last look (or a new message is hidden as \Deleted, or went
    // again at once: then this search finds nothing, and the next Sync compares equal again).
    const { state: after, uids } = await store.searchUids(folderKey, undefined, signal);
    if (after.uidValidity !== s.uidValidity) return 'invalid';
    const missing = span(1, state.uidNext - 1).minus(uids);
    const gone = s.known.intersect(missing);
    s.deletes = s.deletes.union(gone);
    s.forgetServerSide(gone);
    s.adds = s.adds.minus(missing);
  }
  s.uidNext = Math.max(s.uidNext, state.uidNext);
  s.messages = state.messages;
  return 'ok';
}

/**
 * The UIDs whose flags are compared at this Sync: every message the device holds when that is at
 * most NEWEST + SLICE, else the newest NEWEST and one slice of the older ones. Slices are cut by
 * UID, as ranges (a held folder is mostly contiguous UIDs, so a slice holds about SLICE
 * messages); which slice is taken follows the clock, because a Sync with nothing to send writes
 * no state a cursor could be kept in.
 */
function flagsToCheck(s: MailSyncState, now: Date): UidSet {
  const held = s.known;
  const [lowest] = held.lowest(1);
  // Up to UIDNEXT, not to the newest held: a newest message hidden as \Deleted and then unmarked
  // comes back from there (any in-window message the device lacks is added).
  const top = s.uidNext - 1;
  // Holding nothing (every message hidden as \Deleted, say) is no reason to look at nothing: the
  // newest UIDs are compared, so an unmarked one comes back (seen on Courier, issue 17).
  if (lowest === undefined) return top < 1 ? UidSet.empty : span(Math.max(1, top - NEWEST - SLICE + 1), top);
  if (held.size <= NEWEST + SLICE) return span(lowest, top);
  const newest = held.highest(NEWEST);
  const newestFrom = newest[newest.length - 1] ?? lowest;
  const older = held.minus(span(newestFrom, top));
  const [from] = older.lowest(1);
  const [to] = older.highest(1);
  const check = span(newestFrom, top);
  if (from === undefined || to === undefined) return check;
  const slices = Math.ceil(older.size / SLICE);
  const width = Math.ceil((to - from + 1) / slices);
  const start = from + (Math.floor(now.getTime() / SLICE_MS) % slices) * width;
  return check.union(span(start, Math.min(to, start + width - 1)));
}

/**
 * The flags of the messages listed (`listed`: every message there is in `scope`) against what the
 * device was given: a held message missing from the listing went, one with other flags changed,
 * one in the window the device does not have is added.
 */
function compareFlags(s: MailSyncState, listed: readonly MessageFlags[], scope: UidSet, now: Date): void {
  const missing = scope.minus(listed.map((m) => m.uid));
  const gone = s.known.intersect(missing);
  s.deletes = s.deletes.union(gone);
  s.forgetServerSide(gone);
  s.adds = s.adds.minus(missing);
  const cutoff = filterCutoff(s.filter, now);
  const told = s.flags;
  const changes: number[] = [];
  const adds: MessageFlags[] = [];
  const unrecorded: MessageFlags[] = [];
  for (const m of listed) {
    if (s.known.has(m.uid)) {
      // Each Add and Change records the flags it carries (sync-mail.ts); a message held with
      // none recorded (a state from when the server had CONDSTORE) takes today's as the base.
      const given = told?.get(m.uid);
      if (given === undefined) unrecorded.push(m);
      else if (given !== flagsKey(m.flags)) changes.push(m.uid);
    } else if (!s.adds.has(m.uid) && inWindow(m, cutoff)) {
      // A pending Add goes out with its flags as they are then.
      adds.push(m);
    }
  }
  s.changes = s.changes.union(changes);
  s.adds = s.adds.union(adds.map((m) => m.uid));
  told?.record([...adds, ...unrecorded]);
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
  s.flags?.forget(UidSet.of([...deletes, ...softDeletes]));
  return { deletes, softDeletes, changes, adds, moreAvailable: s.pendingCount > 0 };
}

export function flagsKey(flags: readonly string[]): string {
  return lastingFlags(flags).sort().join(' ');
}

function inWindow(m: MessageFlags, cutoff: Date | undefined): boolean {
  return cutoff === undefined || m.internalDate === undefined || m.internalDate >= cutoff;
}

/** Every UID there can be (RFC 3501 uniqueid is a 32-bit number). */
const EVERY_UID = UidSet.fromRanges([[1, 0xffffffff]]);

function span(from: number, to: number): UidSet {
  return from <= to ? UidSet.fromRanges([[from, to]]) : UidSet.empty;
}

function toldFlagsOf(s: MailSnapshot): ToldFlags | undefined {
  if (s.told !== undefined) return ToldFlags.read(s.told);
  return s.flags === undefined ? undefined : ToldFlags.fromLegacy(s.flags);
}

function set(text: string | undefined): UidSet {
  return UidSet.parse(text ?? '') ?? UidSet.empty;
}
