import { nextSyncKey, type SyncKey } from '../model/sync-key.js';
import type { DeviceRef, SyncBase, SyncStateStore } from '../state/types.js';

// Keyed states of one device: the folder hierarchy, and one per synchronised collection.

export const HIERARCHY_SCOPE = 'hierarchy';

export function collectionScope(collectionId: string): string {
  return `collection:${collectionId}`;
}

export interface KnownState<T> {
  readonly syncKey: SyncKey;
  readonly snapshot: T;
  /** 'previous' when the device resent the key before the last one: it lost our last answer. */
  readonly which: 'current' | 'previous';
  /** For a replay, the current key beside it: the commit checks that it is still there. */
  readonly currentKey?: string;
}

export class SyncStateConflict extends Error {
  override readonly name = 'SyncStateConflict';
}

/** The state a device holds under a SyncKey, or undefined for a key we never gave it. */
export async function loadKnown<T>(
  store: SyncStateStore,
  device: DeviceRef,
  scope: string,
  syncKey: string,
): Promise<KnownState<T> | undefined> {
  const loaded = await store.loadSyncState(device, scope, syncKey);
  if (loaded === undefined) return undefined;
  return {
    syncKey: loaded.state.syncKey as SyncKey,
    snapshot: loaded.state.snapshot as T,
    which: loaded.which,
    ...(loaded.currentKey !== undefined ? { currentKey: loaded.currentKey } : {}),
  };
}

/**
 * Stores what the device will know after this answer under a new SyncKey, built on the key the
 * device sent (null after SyncKey 0). Compare-and-set, so two racing requests cannot both move
 * the state on.
 */
export async function commitKnown(
  store: SyncStateStore,
  device: DeviceRef,
  scope: string,
  base: SyncBase | null,
  snapshot: unknown,
): Promise<SyncKey> {
  const syncKey = nextSyncKey(base?.syncKey as SyncKey | undefined);
  const result = await store.commitSyncState(device, scope, base, { syncKey, snapshot });
  if (result === 'conflict') throw new SyncStateConflict(`${scope} changed by a concurrent request`);
  return syncKey;
}
