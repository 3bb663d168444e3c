import { nextSyncKey, type SyncKey } from '../model/sync-key.js';
import type { DeviceRef, SyncBase, SyncStateStore } from '../state/types.js';
import type { HierarchySnapshot } from './hierarchy.js';

export const HIERARCHY_SCOPE = 'hierarchy';

export interface KnownHierarchy {
  readonly syncKey: SyncKey;
  readonly snapshot: HierarchySnapshot;
  /** 'previous' when the device resent the key before the last one: it lost our last answer. */
  readonly which: 'current' | 'previous';
}

export class SyncStateConflict extends Error {
  override readonly name = 'SyncStateConflict';
}

/** The hierarchy a device knows under a SyncKey, or undefined for a key we never gave it. */
export async function loadHierarchy(
  store: SyncStateStore,
  device: DeviceRef,
  syncKey: string,
): Promise<KnownHierarchy | undefined> {
  const loaded = await store.loadSyncState(device, HIERARCHY_SCOPE, syncKey);
  if (loaded === undefined) return undefined;
  return {
    syncKey: loaded.state.syncKey as SyncKey,
    snapshot: loaded.state.snapshot as HierarchySnapshot,
    which: loaded.which,
  };
}

/**
 * Stores what the device will know after this answer under a new SyncKey, built on the key the
 * device sent (null after SyncKey 0). Compare-and-set, so two racing requests cannot both move
 * the state on.
 */
export async function commitHierarchy(
  store: SyncStateStore,
  device: DeviceRef,
  base: SyncBase | null,
  snapshot: HierarchySnapshot,
): Promise<SyncKey> {
  const syncKey = nextSyncKey(base?.syncKey as SyncKey | undefined);
  const result = await store.commitSyncState(device, HIERARCHY_SCOPE, base, { syncKey, snapshot });
  if (result === 'conflict') throw new SyncStateConflict('folder hierarchy changed by a concurrent request');
  return syncKey;
}
