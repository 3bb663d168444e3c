import type { CommandContext } from './context.js';
import type { SyncCollectionRequest } from './sync-request.js';

// The device's last Sync request, with the SyncKeys we handed out since (MS-ASCMD 2.2.1.21: an
// empty or Partial Sync repeats it). Ping reads it too: it reports changes relative to those keys
// (MS-ASCMD 3.1.5.8).

const REQUEST_CACHE = 'sync-request';
const KEYS_CACHE = 'sync-keys';

export type CachedCollection = Omit<SyncCollectionRequest, 'commands'>;

export interface CachedRequest {
  readonly collections: readonly CachedCollection[];
  readonly windowSize: number | undefined;
  readonly waitSeconds: number | undefined;
}

export async function readSyncCache(ctx: CommandContext): Promise<CachedRequest | undefined> {
  const value = (await ctx.state.getDeviceCache(ctx.device, REQUEST_CACHE)) as CachedRequest | undefined;
  return value !== undefined && Array.isArray(value.collections) ? value : undefined;
}

export async function writeSyncCache(ctx: CommandContext, value: CachedRequest): Promise<void> {
  await ctx.state.setDeviceCache(ctx.device, REQUEST_CACHE, value);
}

/** The last SyncKey handed out per collection, over all Sync requests (a request may name only some). */
export interface LastSyncKey {
  readonly syncKey: string;
  readonly filterType: number;
}

export async function readLastSyncKeys(ctx: CommandContext): Promise<Map<string, LastSyncKey>> {
  const value = await ctx.state.getDeviceCache(ctx.device, KEYS_CACHE);
  return new Map(
    typeof value === 'object' && value !== null ? Object.entries(value as Record<string, LastSyncKey>) : [],
  );
}

export async function recordLastSyncKeys(
  ctx: CommandContext,
  keys: readonly (readonly [collectionId: string, key: LastSyncKey])[],
): Promise<void> {
  if (keys.length === 0) return;
  const all = await readLastSyncKeys(ctx);
  for (const [id, key] of keys) all.set(id, key);
  await ctx.state.setDeviceCache(ctx.device, KEYS_CACHE, Object.fromEntries(all));
}
