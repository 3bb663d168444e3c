import { BackendError } from '../backends/types.js';
import { MailSyncState, readSnapshot, refresh } from '../sync/mail-state.js';
import { applyMoveNotes } from '../sync/moved-items.js';
import { collectionScope, loadKnown } from '../sync/sync-state.js';
import type { CommandContext } from './context.js';

// How many changes a device's next Syncs of a mail folder would bring, computed as Sync computes
// them without committing: GetItemEstimate reports it, Ping and hanging Sync wake on it.

export type Estimate = number | 'invalid-key' | 'not-found';

export async function estimateMail(
  ctx: CommandContext,
  collectionId: string,
  folderKey: string,
  syncKey: string,
  filterType: number,
): Promise<Estimate> {
  const known = await loadKnown<unknown>(ctx.state, ctx.device, collectionScope(collectionId), syncKey);
  const snapshot = known && readSnapshot(known.snapshot);
  if (snapshot === undefined) return 'invalid-key';
  const s = new MailSyncState(snapshot);
  await applyMoveNotes(ctx.state, ctx.device, collectionId, s, ctx.now().getTime());
  try {
    if ((await refresh(s, ctx.backends.mail, folderKey, filterType, ctx.now(), ctx.signal)) === 'invalid')
      return 'invalid-key';
  } catch (err) {
    if (err instanceof BackendError && err.kind === 'not-found') return 'not-found';
    throw err;
  }
  return s.pendingCount;
}
