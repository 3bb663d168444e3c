import type { DeviceCacheStore, DeviceRef } from '../state/types.js';
import type { MailSyncState } from './mail-state.js';

// MoveItems (MS-ASCMD 2.2.1.12) moves a message the device has already moved on its side: it must
// not come back as an Add in the target folder nor as a Delete in the source. MoveItems carries no
// SyncKey, so the device's collection states cannot record it; a note per device does, numbered
// in order, and each collection state remembers the last note it has taken in (`moves`):
// - a note is applied once per state lineage, before the server's delta, so a message that left
//   the target folder again, or changed, before the next Sync is told to the device like any other
//   message it holds (no phantom, no lost change);
// - a replayed Sync (same SyncKey) starts from the older state and applies the same notes again;
// - a state started afresh (SyncKey 0) lists the folder from scratch: notes older than it are
//   passed over, or the moved message would be left out of the new listing.

const CACHE = 'moved-items';
// A state that has not taken its notes in by then gets a moved message as an Add: the device then
// sees the same ServerId it already holds.
const LIFETIME_MS = 3 * 24 * 3_600_000;
const MAX_NOTES = 500;

export interface MoveNote {
  readonly seq: number;
  readonly at: number;
  readonly collectionId: string;
  /** 'in': the UID arrived here from the device's move; 'out': it left this folder that way. */
  readonly direction: 'in' | 'out';
  readonly uid: number;
  /** 'in' only: the message's mod-sequence and flags right after the move, as the device has it. */
  readonly modseq?: string;
  readonly flags?: readonly string[];
}

interface MoveLog {
  readonly seq: number;
  readonly notes: readonly MoveNote[];
}

export interface DeviceMove {
  readonly from: string;
  readonly fromUid: number;
  readonly to: string;
  readonly toUid: number | undefined;
  readonly after?: { readonly modseq?: bigint; readonly flags: readonly string[] };
}

export async function recordMoves(
  cache: DeviceCacheStore,
  device: DeviceRef,
  moves: readonly DeviceMove[],
  now: number,
): Promise<void> {
  if (moves.length === 0) return;
  const log = readLog(await cache.getDeviceCache(device, CACHE), now);
  let seq = log.seq;
  const notes = [...log.notes];
  for (const m of moves) {
    notes.push({ seq: ++seq, at: now, collectionId: m.from, direction: 'out', uid: m.fromUid });
    if (m.toUid === undefined) continue;
    notes.push({
      seq: ++seq,
      at: now,
      collectionId: m.to,
      direction: 'in',
      uid: m.toUid,
      ...(m.after?.modseq !== undefined ? { modseq: m.after.modseq.toString() } : {}),
      ...(m.after ? { flags: m.after.flags } : {}),
    });
  }
  await cache.setDeviceCache(device, CACHE, { seq, notes: notes.slice(-MAX_NOTES) } satisfies MoveLog);
}

/** Takes in the notes of this collection that its state has not seen yet; call before the delta. */
export async function applyMoveNotes(
  cache: DeviceCacheStore,
  device: DeviceRef,
  collectionId: string,
  s: MailSyncState,
  now: number,
): Promise<void> {
  const log = readLog(await cache.getDeviceCache(device, CACHE), now);
  if (!s.primed) {
    s.moves = log.seq;
    return;
  }
  // A log younger than the state (the cache was cleared) starts its numbers again from 1.
  const from = s.moves <= log.seq ? s.moves : 0;
  for (const n of log.notes) {
    if (n.seq <= from || n.collectionId !== collectionId) continue;
    if (n.direction === 'out') s.forget([n.uid]);
    else s.movedIn(n.uid, n.modseq === undefined ? undefined : BigInt(n.modseq), n.flags);
    // Only a note that concerns this folder moves its state on: others leave its SyncKey alone.
    s.moves = n.seq;
  }
}

function readLog(value: unknown, now: number): MoveLog {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { seq: 0, notes: [] };
  const log = value as Partial<MoveLog>;
  if (typeof log.seq !== 'number' || !Array.isArray(log.notes)) return { seq: 0, notes: [] };
  const notes = log.notes.filter(
    (n) => typeof n?.uid === 'number' && typeof n.seq === 'number' && now - n.at < LIFETIME_MS,
  );
  return { seq: log.seq, notes };
}
