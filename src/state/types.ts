// What the gateway remembers between requests, split by role. Every method is async and every
// write is atomic, so a PostgreSQL implementation can pass the same contract suite.

/** A device is one DeviceId of one user (MS-ASHTTP 2.2.1.1.1.2.3). */
export interface DeviceRef {
  readonly user: string;
  readonly deviceId: string;
}

/** 'requested' states wait for the device's next Provision; 'wiped' blocks it for good. */
export type WipeState = 'none' | 'requested' | 'account-only-requested' | 'wiped';

export interface DeviceRecord extends DeviceRef {
  readonly deviceType: string | undefined;
  readonly userAgent: string | undefined;
  readonly protocolVersion: string | undefined;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  /** The final policy key the device acknowledged (MS-ASPROV 3.2.5.1.2). */
  readonly policyKey: string | undefined;
  /** The temporary key handed out in the first Provision phase. */
  readonly pendingPolicyKey: string | undefined;
  readonly wipe: WipeState;
  /** Settings DeviceInformation as the device reported it. */
  readonly deviceInformation: Readonly<Record<string, string>> | undefined;
}

export interface DeviceTouch {
  deviceType: string;
  userAgent: string | undefined;
  protocolVersion: string;
}

export interface DevicePatch {
  policyKey?: string | undefined;
  pendingPolicyKey?: string | undefined;
  wipe?: WipeState;
  deviceInformation?: Readonly<Record<string, string>>;
}

export interface DeviceStore {
  /** Creates the device on first sight and records this request (last seen, type, version). */
  touchDevice(ref: DeviceRef, touch: DeviceTouch): Promise<DeviceRecord>;
  getDevice(ref: DeviceRef): Promise<DeviceRecord | undefined>;
  /** Keys present in the patch are written (an `undefined` value clears). */
  patchDevice(ref: DeviceRef, patch: DevicePatch): Promise<void>;
  listDevices(user?: string): Promise<DeviceRecord[]>;
  /** Forgets the device and every state it had. */
  removeDevice(ref: DeviceRef): Promise<void>;
}

/** Stable short CollectionIds for backend folders, per user (shared by the user's devices). */
export interface FolderMapStore {
  /** The folder's CollectionId, allocated on first sight; ids are never reused. */
  collectionIdFor(user: string, backendKey: string): Promise<string>;
  backendKeyFor(user: string, collectionId: string): Promise<string | undefined>;
  /** The folder's key changed (a rename without stable ids): keep its CollectionId. */
  rekeyFolder(user: string, oldKey: string, newKey: string): Promise<void>;
  forgetFolder(user: string, backendKey: string): Promise<void>;
}

export interface SyncState {
  readonly syncKey: string;
  /** What the device knows after the answer that carried this key (JSON-serialisable). */
  readonly snapshot: unknown;
}

/**
 * Which stored key a request builds on. 'previous' is a replay: the device lost our last answer
 * and resent the key before it (MS-ASCMD 2.2.3.181: the server keeps the prior state for that).
 */
export interface SyncBase {
  readonly syncKey: string;
  readonly which: 'current' | 'previous';
  /**
   * For a replay: the current key seen beside the previous one when it was loaded. Two replays
   * of one key racing (on two gateway instances) then cannot both win: the second finds the
   * current key replaced.
   */
  readonly currentKey?: string;
}

export interface LoadedSyncState {
  readonly state: SyncState;
  readonly which: 'current' | 'previous';
  /** With `which` 'previous': the key of the current state beside it. */
  readonly currentKey?: string;
}

export interface SyncStateStore {
  /** The state stored under this key, whether current or previous; undefined for any other key. */
  loadSyncState(device: DeviceRef, scope: string, syncKey: string): Promise<LoadedSyncState | undefined>;
  /**
   * Compare-and-set. With base null the scope must have no state; with a 'current' base the old
   * current becomes previous; with a 'previous' base (replay) the unacknowledged current is
   * replaced and previous stays. Anything else is 'conflict' and nothing changes.
   */
  commitSyncState(
    device: DeviceRef,
    scope: string,
    base: SyncBase | null,
    next: SyncState,
  ): Promise<'committed' | 'conflict'>;
  /** Drops one scope's state, or every scope of the device (SyncKey 0, admin resync). */
  resetSyncState(device: DeviceRef, scope?: string): Promise<void>;
}

export interface DeviceCacheStore {
  getDeviceCache(device: DeviceRef, name: string): Promise<unknown>;
  setDeviceCache(device: DeviceRef, name: string, value: unknown): Promise<void>;
}

/** A retried Add carries the same ClientId: the item it created is found, not made again. */
export interface ClientIdStore {
  recordClientId(device: DeviceRef, scope: string, clientId: string, serverId: string): Promise<void>;
  lookupClientId(device: DeviceRef, scope: string, clientId: string): Promise<string | undefined>;
}

/**
 * Several gateway instances on one store: a device's requests run one at a time across all of
 * them, and a request on one instance ends the device's waiting Ping on another.
 */
export interface DeviceCoordinator {
  /** Waits for the device's cluster-wide lock; the returned function releases it. */
  lockDevice(device: DeviceRef, signal?: AbortSignal): Promise<() => Promise<void>>;
  /** Tells the other instances that a new request of the device arrived. */
  announceRequest(device: DeviceRef): Promise<void>;
  /** Calls `listener` for another instance's announcement; returns the function that stops it. */
  onRequestElsewhere(listener: (device: DeviceRef) => void): () => void;
}

export interface StateStore
  extends DeviceStore, FolderMapStore, SyncStateStore, DeviceCacheStore, ClientIdStore {
  /** Present when several instances may share the store (PostgreSQL). */
  readonly coordinator?: DeviceCoordinator;
  close(): Promise<void>;
}

export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
}

/** Compare-and-set precondition shared by the stores: does `base` still describe the stored slots? */
export function baseMatches(slots: ReadonlyMap<string, string>, base: SyncBase | null): boolean {
  if (base === null) return !slots.has('current');
  if (slots.get(base.which) !== base.syncKey) return false;
  return (
    base.which === 'current' || base.currentKey === undefined || slots.get('current') === base.currentKey
  );
}

/** The loaded state for `syncKey` among a scope's stored slots (at most a current and a previous). */
export function pickSlot(
  rows: readonly { slot: string; syncKey: string; snapshot: unknown }[],
  syncKey: string,
  parse: (stored: unknown) => unknown = (stored) => stored,
): LoadedSyncState | undefined {
  const row = rows.find((r) => r.syncKey === syncKey);
  if (row === undefined) return undefined;
  const state = { syncKey, snapshot: parse(row.snapshot) };
  if (row.slot !== 'previous') return { state, which: 'current' };
  const current = rows.find((r) => r.slot === 'current')?.syncKey;
  return {
    state,
    which: 'previous',
    ...(current !== undefined ? { currentKey: current } : {}),
  };
}
