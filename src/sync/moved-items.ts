import type { DeviceCacheStore, DeviceRef } from '../state/types.js';
import type { MailSyncState } from './mail-state.js';

// MoveItems (MS-ASCMD 2.2.1.12) moves a message the device has already moved on its side: it must
// not come back as an Add in the target folder nor as a Delete in the source. MoveItems carries no
// SyncKey, so the device's collection states cannot record it; a short-lived note per device does,
// and every Sync of those folders applies it. Applying a note twice changes nothing, so a replayed
// Sync (same SyncKey) applies it again safely; notes expire once every replay window has passed.

const CACHE = 'moved-items';
const LIFETIME_MS = 30 * 60_000;
const MAX_NOTES = 2_000;

interface MoveNote {
  readonly at: number;
  readonly collectionId: string;
  /** 'in': the UID arrived here from the device's move; 'out': it left this folder that way. */
  readonly direction: 'in' | 'out';
  readonly uid: number;
}

export async function recordMoves(
  cache: DeviceCacheStore,
  device: DeviceRef,
  moves: readonly { from: string; fromUid: number; to: string; toUid: number | undefined }[],
  now: number,
): Promise<void> {
  if (moves.length === 0) return;
  const notes = live(await cache.getDeviceCache(device, CACHE), now);
  for (const m of moves) {
    notes.push({ at: now, collectionId: m.from, direction: 'out', uid: m.fromUid });
    if (m.toUid !== undefined) notes.push({ at: now, collectionId: m.to, direction: 'in', uid: m.toUid });
  }
  await cache.setDeviceCache(device, CACHE, notes.slice(-MAX_NOTES));
}

export async function applyMoveNotes(
  cache: DeviceCacheStore,
  device: DeviceRef,
  collectionId: string,
  s: MailSyncState,
  now: number,
): Promise<void> {
  const notes = live(await cache.getDeviceCache(device, CACHE), now).filter(
    (n) => n.collectionId === collectionId,
  );
  if (notes.length === 0) return;
  s.forget(notes.filter((n) => n.direction === 'out').map((n) => n.uid));
  s.deviceHas(notes.filter((n) => n.direction === 'in').map((n) => n.uid));
}

function live(value: unknown, now: number): MoveNote[] {
  if (!Array.isArray(value)) return [];
  return (value as MoveNote[]).filter((n) => typeof n?.uid === 'number' && now - n.at < LIFETIME_MS);
}
