import type { DavCollectionDelta, DavItemStore, DavItemVersion } from '../backends/types.js';
import type { TagRef } from '../wbxml/index.js';

// What one device knows of one DAV collection (calendar, task list, address book), and how it
// catches up. The server's sync token (RFC 6578) makes a Sync with nothing new cost one REPORT
// that lists nothing; a server without tokens (or one that refused ours) is listed by ETags and
// compared. ServerIds are short numbers given out in order: DAV resource names can be long.

export interface DavSnapshot {
  readonly v: 1;
  /** Sync token the pending lists are up to date with. */
  readonly token: string | null;
  /** False right after SyncKey 0: the collection has not been listed yet. */
  readonly primed: boolean;
  /** FilterType the device's items were chosen for. */
  readonly filter: number;
  /** The next ServerId number. */
  readonly next: number;
  /** On the device: ServerId number → [resource name, ETag it was given]. */
  readonly has: Readonly<Record<string, readonly [string, string]>>;
  /** On the server and not (in this version) on the device yet: name → ETag. */
  readonly pending: Readonly<Record<string, string>>;
  /** ServerId numbers to delete from the device. */
  readonly gone: readonly number[];
  /** Left out (another component, unreadable, outside the filter): name → ETag, re-read when it changes. */
  readonly skipped: Readonly<Record<string, string>>;
  /** The initial Sync's Supported list (MS-ASCMD 2.2.3.168), when the device sent one. */
  readonly supported?: readonly TagRef[];
}

export function bootstrapDavSnapshot(): DavSnapshot {
  return {
    v: 1,
    token: null,
    primed: false,
    filter: 0,
    next: 1,
    has: {},
    pending: {},
    gone: [],
    skipped: {},
  };
}

export function readDavSnapshot(value: unknown): DavSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<DavSnapshot>;
  if (s.v !== 1 || typeof s.has !== 'object' || typeof s.pending !== 'object' || !Array.isArray(s.gone))
    return undefined;
  return s as DavSnapshot;
}

/** Mutable working copy while a request runs. */
export class DavSyncState {
  token: string | undefined;
  primed: boolean;
  filter: number;
  next: number;
  /** id → [name, etag] */
  readonly has: Map<number, readonly [string, string]>;
  readonly idOfName: Map<string, number>;
  readonly pending: Map<string, string>;
  readonly gone: Set<number>;
  readonly skipped: Map<string, string>;
  readonly supported: readonly TagRef[] | undefined;

  constructor(s: DavSnapshot) {
    this.token = s.token ?? undefined;
    this.primed = s.primed;
    this.filter = s.filter;
    this.next = s.next;
    this.has = new Map(Object.entries(s.has).map(([id, v]) => [Number(id), v]));
    this.idOfName = new Map([...this.has].map(([id, [name]]) => [name, id]));
    this.pending = new Map(Object.entries(s.pending));
    this.gone = new Set(s.gone);
    this.skipped = new Map(Object.entries(s.skipped));
    this.supported = s.supported;
  }

  snapshot(): DavSnapshot {
    return {
      v: 1,
      token: this.token ?? null,
      primed: this.primed,
      filter: this.filter,
      next: this.next,
      has: Object.fromEntries([...this.has].map(([id, v]) => [String(id), v])),
      pending: Object.fromEntries(this.pending),
      gone: [...this.gone],
      skipped: Object.fromEntries(this.skipped),
      ...(this.supported !== undefined ? { supported: this.supported } : {}),
    };
  }

  get pendingCount(): number {
    return this.pending.size + this.gone.size;
  }

  /** The device now holds `version` under a new ServerId number (an Add of ours or of the device). */
  added(version: DavItemVersion): number {
    const id = this.next++;
    this.track(id, version);
    return id;
  }

  /** The device holds `version` under `id` (a Change it made or that we sent). */
  track(id: number, version: DavItemVersion): void {
    this.has.set(id, [version.name, version.etag]);
    this.idOfName.set(version.name, id);
    this.pending.delete(version.name);
    this.skipped.delete(version.name);
    this.gone.delete(id);
  }

  /** The device no longer holds `id` (it deleted it, or we told it to). */
  dropped(id: number): void {
    const held = this.has.get(id);
    if (held !== undefined) this.idOfName.delete(held[0]);
    this.has.delete(id);
    this.gone.delete(id);
  }

  /** Leave `name` out until its ETag changes. */
  skip(name: string, etag: string): void {
    this.pending.delete(name);
    this.skipped.set(name, etag);
  }

  /** What the server has now, by name; the device's version of each is compared by ETag. */
  private seen(version: DavItemVersion): void {
    const { name, etag } = version;
    const id = this.idOfName.get(name);
    const held = id === undefined ? undefined : this.has.get(id);
    if (held?.[1] === etag || this.skipped.get(name) === etag) {
      this.pending.delete(name);
      return;
    }
    this.skipped.delete(name);
    this.pending.set(name, etag);
  }

  private removed(name: string): void {
    this.pending.delete(name);
    this.skipped.delete(name);
    const id = this.idOfName.get(name);
    if (id !== undefined) this.gone.add(id);
  }

  apply(delta: DavCollectionDelta): void {
    if (delta.complete) {
      const listed = new Set(delta.changed.map((c) => c.name));
      for (const name of [...this.pending.keys(), ...this.skipped.keys(), ...this.idOfName.keys()])
        if (!listed.has(name)) this.removed(name);
    }
    for (const c of delta.changed) this.seen(c);
    for (const name of delta.removed) this.removed(name);
    this.token = delta.token;
    this.primed = true;
  }

  /**
   * A new FilterType: every item is looked at again (what is on the device and now outside the
   * window leaves it; what was left out may now come in).
   */
  refilter(filter: number): void {
    for (const [, [name, etag]] of this.has) if (!this.pending.has(name)) this.pending.set(name, etag);
    for (const [name, etag] of this.skipped) this.pending.set(name, etag);
    this.skipped.clear();
    this.filter = filter;
  }

  /** Deletes first, then additions and changes, at most `size` in all. */
  takeWindow(size: number): { gone: number[]; names: string[]; moreAvailable: boolean } {
    const gone = [...this.gone].slice(0, size);
    const names = [...this.pending.keys()].slice(0, Math.max(0, size - gone.length));
    return { gone, names, moreAvailable: gone.length + names.length < this.pendingCount };
  }
}

/** Brings the state up to date with the server: one sync-collection REPORT (or a listing). */
export async function refreshDav(
  s: DavSyncState,
  store: DavItemStore,
  collectionKey: string,
  filter: number,
  signal?: AbortSignal,
): Promise<void> {
  s.apply(await store.changesSince(collectionKey, s.primed ? s.token : undefined, signal));
  if (s.filter !== filter) s.refilter(filter);
}
