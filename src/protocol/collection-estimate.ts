import { BackendError } from '../backends/types.js';
import { DavSyncState, readDavSnapshot, refreshDav } from '../sync/dav-state.js';
import { collectionScope, loadKnown } from '../sync/sync-state.js';
import type { CommandContext } from './context.js';
import { davItemsFor } from './dav-classes.js';
import { estimateMail, type Estimate } from './mail-estimate.js';
import type { ResolvedCollection } from './mail-collection.js';

// How many changes a device's next Syncs of a collection would bring, for any kind of collection:
// GetItemEstimate reports it, Ping and hanging Sync wake on it.

export async function estimateCollection(
  ctx: CommandContext,
  collectionId: string,
  ref: NonNullable<ResolvedCollection>,
  syncKey: string,
  filterType: number,
): Promise<Estimate> {
  if (ref.store === 'mail') return estimateMail(ctx, collectionId, ref.key, syncKey, filterType);
  const known = await loadKnown<unknown>(ctx.state, ctx.device, collectionScope(collectionId), syncKey);
  const snapshot = known && readDavSnapshot(known.snapshot);
  if (snapshot === undefined) return 'invalid-key';
  const dav = await davItemsFor(ctx, ref);
  if (dav === undefined) return 0;
  const { cls, store } = dav;
  const s = new DavSyncState(snapshot);
  try {
    await refreshDav(s, store, ref.key, cls.inWindow ? filterType : 0, ctx.signal);
  } catch (err) {
    if (err instanceof BackendError && err.kind === 'not-found') return 'not-found';
    throw err;
  }
  // An upper bound: items of another component or outside the window are only known when read.
  return s.pendingCount;
}
