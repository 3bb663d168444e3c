import type { SyncKey } from '../model/sync-key.js';
import type { DeviceRef, SyncBase, SyncStateStore } from '../state/types.js';
import type { HierarchySnapshot } from './hierarchy.js';
import { commitKnown, HIERARCHY_SCOPE, loadKnown, type KnownState } from './sync-state.js';

export { HIERARCHY_SCOPE, SyncStateConflict } from './sync-state.js';

export type KnownHierarchy = KnownState<HierarchySnapshot>;

export function loadHierarchy(
  store: SyncStateStore,
  device: DeviceRef,
  syncKey: string,
): Promise<KnownHierarchy | undefined> {
  return loadKnown<HierarchySnapshot>(store, device, HIERARCHY_SCOPE, syncKey);
}

export function commitHierarchy(
  store: SyncStateStore,
  device: DeviceRef,
  base: SyncBase | null,
  snapshot: HierarchySnapshot,
): Promise<SyncKey> {
  return commitKnown(store, device, HIERARCHY_SCOPE, base, snapshot);
}
