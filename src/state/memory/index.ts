import type {
  DevicePatch,
  DeviceRecord,
  DeviceRef,
  DeviceTouch,
  LoadedSyncState,
  StateStore,
  SyncBase,
  SyncState,
} from '../types.js';
import { baseMatches, pickSlot } from '../types.js';

const deviceKey = (d: DeviceRef): string => `${d.user}\0${d.deviceId}`;

interface Slot {
  current?: SyncState;
  previous?: SyncState;
}

/** The state store for unit tests: Maps, same semantics as SQLite, nothing persists. */
export class MemoryStateStore implements StateStore {
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly folders = new Map<
    string,
    { byKey: Map<string, string>; byId: Map<string, string>; next: number }
  >();
  private readonly sync = new Map<string, Map<string, Slot>>();
  private readonly caches = new Map<string, Map<string, unknown>>();
  private readonly clientIds = new Map<string, string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async touchDevice(ref: DeviceRef, touch: DeviceTouch): Promise<DeviceRecord> {
    const now = this.now();
    const prev = this.devices.get(deviceKey(ref));
    const record: DeviceRecord = prev
      ? { ...prev, ...touch, lastSeen: now }
      : {
          user: ref.user,
          deviceId: ref.deviceId,
          ...touch,
          firstSeen: now,
          lastSeen: now,
          policyKey: undefined,
          pendingPolicyKey: undefined,
          wipe: 'none',
          deviceInformation: undefined,
        };
    this.devices.set(deviceKey(ref), record);
    return record;
  }

  async getDevice(ref: DeviceRef): Promise<DeviceRecord | undefined> {
    return this.devices.get(deviceKey(ref));
  }

  async patchDevice(ref: DeviceRef, patch: DevicePatch): Promise<void> {
    const prev = this.devices.get(deviceKey(ref));
    if (prev === undefined) return;
    this.devices.set(deviceKey(ref), { ...prev, ...patch });
  }

  async listDevices(user?: string): Promise<DeviceRecord[]> {
    return [...this.devices.values()]
      .filter((d) => user === undefined || d.user === user)
      .sort((a, b) => a.user.localeCompare(b.user) || a.deviceId.localeCompare(b.deviceId));
  }

  async removeDevice(ref: DeviceRef): Promise<void> {
    const k = deviceKey(ref);
    this.devices.delete(k);
    this.sync.delete(k);
    this.caches.delete(k);
    for (const id of [...this.clientIds.keys()]) if (id.startsWith(`${k}\0`)) this.clientIds.delete(id);
  }

  private userFolders(user: string) {
    let f = this.folders.get(user);
    if (f === undefined) {
      f = { byKey: new Map(), byId: new Map(), next: 1 };
      this.folders.set(user, f);
    }
    return f;
  }

  async collectionIdFor(user: string, backendKey: string): Promise<string> {
    const f = this.userFolders(user);
    let id = f.byKey.get(backendKey);
    if (id === undefined) {
      id = String(f.next++);
      f.byKey.set(backendKey, id);
      f.byId.set(id, backendKey);
    }
    return id;
  }

  async backendKeyFor(user: string, collectionId: string): Promise<string | undefined> {
    return this.folders.get(user)?.byId.get(collectionId);
  }

  async rekeyFolder(user: string, oldKey: string, newKey: string): Promise<void> {
    const f = this.userFolders(user);
    const id = f.byKey.get(oldKey);
    if (id === undefined) return;
    f.byKey.delete(oldKey);
    f.byKey.set(newKey, id);
    f.byId.set(id, newKey);
  }

  async forgetFolder(user: string, backendKey: string): Promise<void> {
    const f = this.folders.get(user);
    const id = f?.byKey.get(backendKey);
    if (f === undefined || id === undefined) return;
    f.byKey.delete(backendKey);
    f.byId.delete(id);
  }

  async loadSyncState(
    device: DeviceRef,
    scope: string,
    syncKey: string,
  ): Promise<LoadedSyncState | undefined> {
    const slot = this.sync.get(deviceKey(device))?.get(scope);
    const rows = (['current', 'previous'] as const).flatMap((name) => {
      const s = slot?.[name];
      return s ? [{ slot: name, syncKey: s.syncKey, snapshot: clone(s.snapshot) }] : [];
    });
    return pickSlot(rows, syncKey);
  }

  async commitSyncState(
    device: DeviceRef,
    scope: string,
    base: SyncBase | null,
    next: SyncState,
  ): Promise<'committed' | 'conflict'> {
    const k = deviceKey(device);
    const scopes = this.sync.get(k) ?? new Map<string, Slot>();
    const slot = scopes.get(scope) ?? {};
    const stored = clone(next);
    const slots = new Map<string, string>();
    if (slot.current) slots.set('current', slot.current.syncKey);
    if (slot.previous) slots.set('previous', slot.previous.syncKey);
    if (!baseMatches(slots, base)) return 'conflict';
    if (base === null) scopes.set(scope, { current: stored });
    else if (base.which === 'current') scopes.set(scope, { current: stored, previous: slot.current });
    else scopes.set(scope, { current: stored, previous: slot.previous });
    this.sync.set(k, scopes);
    return 'committed';
  }

  async resetSyncState(device: DeviceRef, scope?: string): Promise<void> {
    const k = deviceKey(device);
    if (scope === undefined) this.sync.delete(k);
    else this.sync.get(k)?.delete(scope);
  }

  async getDeviceCache(device: DeviceRef, name: string): Promise<unknown> {
    return clone(this.caches.get(deviceKey(device))?.get(name));
  }

  async setDeviceCache(device: DeviceRef, name: string, value: unknown): Promise<void> {
    const k = deviceKey(device);
    const m = this.caches.get(k) ?? new Map<string, unknown>();
    m.set(name, clone(value));
    this.caches.set(k, m);
  }

  async recordClientId(device: DeviceRef, scope: string, clientId: string, serverId: string): Promise<void> {
    this.clientIds.set(`${deviceKey(device)}\0${scope}\0${clientId}`, serverId);
  }

  async lookupClientId(device: DeviceRef, scope: string, clientId: string): Promise<string | undefined> {
    return this.clientIds.get(`${deviceKey(device)}\0${scope}\0${clientId}`);
  }

  async close(): Promise<void> {}
}

/** Stored values are copies, as a database would hold them. */
function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
