import type { DavCollectionKind } from '../model/folder-type.js';
import type { DeviceCacheStore, DeviceRef } from '../state/types.js';

// Per-device folder options an operator sets (eas-gateway devices merge …): some clients show
// only one calendar or address book (Android stock, some Samsung versions, Outlook contacts), so
// all collections of a kind can be offered to them as one folder. Off by default.

const CACHE = 'folder-options';

export interface FolderOptions {
  /** DAV kinds whose collections this device sees as one folder. */
  readonly merge: readonly DavCollectionKind[];
}

export async function readFolderOptions(cache: DeviceCacheStore, device: DeviceRef): Promise<FolderOptions> {
  const value = (await cache.getDeviceCache(device, CACHE)) as Partial<FolderOptions> | undefined;
  const merge = Array.isArray(value?.merge) ? value.merge.filter(isMergeable) : [];
  return { merge };
}

export async function writeFolderOptions(
  cache: DeviceCacheStore,
  device: DeviceRef,
  options: FolderOptions,
): Promise<void> {
  await cache.setDeviceCache(device, CACHE, options);
}

function isMergeable(kind: unknown): kind is DavCollectionKind {
  return kind === 'calendar' || kind === 'tasks' || kind === 'contacts';
}
