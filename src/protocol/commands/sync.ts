import { BackendError } from '../../backends/types.js';
import { INITIAL_SYNC_KEY } from '../../model/sync-key.js';
import { collectionScope, commitKnown, loadKnown } from '../../sync/sync-state.js';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection, type Collection } from '../mail-collection.js';
import { davItemsFor } from '../dav-classes.js';
import { syncDavCollection } from '../sync-dav.js';
import { waitForChanges, watchedFolders, type WatchedFolders } from '../change-wait.js';
import {
  readSyncCache,
  recordLastSyncKeys,
  writeSyncCache,
  type CachedRequest,
  type LastSyncKey,
} from '../sync-cache.js';
import { failed, SyncStatus, type CollectionResult } from '../sync-collection.js';
import { statusOfBackendError, syncMailCollection } from '../sync-mail.js';
import {
  DEFAULT_WINDOW_SIZE,
  parseSyncRequest,
  type SyncCollectionRequest,
  type SyncRequest,
} from '../sync-request.js';

// MS-ASCMD 2.2.1.21 Sync. Each collection is handled on its own: one that fails reports its own
// Status and keeps its state, the others go on. An empty or Partial request (12.1+) repeats the
// device's previous one, which is kept in the device cache with the SyncKeys we handed out since.

// MS-ASCMD 2.2.3.198 Wait is in minutes (1–59), 2.2.3.88.2 HeartbeatInterval in seconds (60–3540).
const WAIT_MINUTES = { min: 1, max: 59 };
const HEARTBEAT_SECONDS = { min: 60, max: 3540 };

type SyncResponse =
  | { kind: 'collections'; results: CollectionResult[] }
  | { kind: 'status'; status: number; limit?: number }
  | { kind: 'empty' };

const sync: Command<SyncRequest | undefined, SyncResponse> = {
  parse(input) {
    return parseSyncRequest(input);
  },

  async handle(req, ctx) {
    const cached = await readSyncCache(ctx);
    const full = completeRequest(req, cached);
    if (full === undefined) return { kind: 'status', status: SyncStatus.IncompleteRequest };
    const wait = waitSecondsOf(req, cached);
    if (typeof wait === 'object')
      return { kind: 'status', status: SyncStatus.InvalidWaitOrHeartbeat, limit: wait.limit };

    const deadline = wait === undefined ? undefined : Date.now() + wait * 1000;
    let results = await syncAll(full, ctx);
    // A hanging Sync (Wait/HeartbeatInterval) answers once something changes or time is up; a
    // wake-up only means "look again", Sync itself decides whether the device gets anything.
    const watched = await watchedOf(full, ctx);
    while (deadline !== undefined && isQuiet(results) && Date.now() < deadline) {
      const outcome = await waitForChanges(ctx, watched, deadline - Date.now(), async () => true);
      if (outcome.kind !== 'changed') break;
      results = await syncAll(full, ctx);
    }
    // Written only when it changed: a no-change Sync or a Ping loop then costs no state write.
    const cache = cacheOf(full, results, wait);
    if (JSON.stringify(cache) !== JSON.stringify(cached)) await writeSyncCache(ctx, cache);
    await recordLastSyncKeys(ctx, lastKeysOf(full, results));
    // MS-ASCMD 3.2.5.1: with nothing to say about any collection the answer may be empty.
    if (isQuiet(results)) return { kind: 'empty' };
    return { kind: 'collections', results };
  },

  render(res) {
    if (res.kind === 'empty') return undefined;
    if (res.kind === 'status') {
      return el(
        'AirSync:Sync',
        el('AirSync:Status', res.status),
        res.limit !== undefined && el('AirSync:Limit', res.limit),
      );
    }
    return el('AirSync:Sync', el('AirSync:Collections', res.results.map(renderCollection)));
  },
};

function renderCollection(r: CollectionResult): WbxmlElement {
  // MS-ASCMD 2.2.3.29.2 gives the order: SyncKey, CollectionId, Status, MoreAvailable, Commands, Responses.
  return el(
    'AirSync:Collection',
    r.syncKey !== undefined && el('AirSync:SyncKey', r.syncKey),
    el('AirSync:CollectionId', r.collectionId),
    el('AirSync:Status', r.status),
    r.moreAvailable && el('AirSync:MoreAvailable'),
    r.commands.length > 0 && el('AirSync:Commands', r.commands),
    r.responses.length > 0 && el('AirSync:Responses', r.responses),
  );
}

async function syncAll(req: SyncRequest, ctx: CommandContext): Promise<CollectionResult[]> {
  let budget = req.windowSize ?? Number.POSITIVE_INFINITY;
  const results: CollectionResult[] = [];
  for (const c of req.collections) {
    const windowSize = Math.max(0, Math.min(c.windowSize ?? DEFAULT_WINDOW_SIZE, budget));
    const result = await syncCollection(c, windowSize, ctx);
    budget -= result.commands.length;
    results.push(result);
  }
  return results;
}

async function syncCollection(
  c: SyncCollectionRequest,
  windowSize: number,
  ctx: CommandContext,
): Promise<CollectionResult> {
  const ref = await resolveCollection(ctx, c.collectionId);
  if (ref === undefined) {
    // MS-ASCMD 2.2.3.177.17 Status 12: the device must run FolderSync before it syncs this id.
    ctx.log.info({ collectionId: c.collectionId }, 'Sync of a collection that is not in the hierarchy');
    return failed(c.collectionId, SyncStatus.FolderHierarchyChanged);
  }
  try {
    if (ref.store === 'mail')
      return await syncMailCollection(c, { key: ref.key, collectionId: c.collectionId }, windowSize, ctx);
    const dav = await davItemsFor(ctx, ref);
    if (dav !== undefined)
      return await syncDavCollection(
        c,
        { key: ref.key, collectionId: c.collectionId, ...dav },
        windowSize,
        ctx,
      );
    return await syncEmptyCollection(c, ctx);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.metrics?.backendError(err.kind);
    ctx.log.warn(
      { collectionId: c.collectionId, err: err.message, kind: err.kind },
      'Sync of a collection failed',
    );
    return failed(c.collectionId, statusOfBackendError(err));
  }
}

/**
 * A calendar, task list or address book whose items this user's backends cannot serve: the
 * device gets a valid, empty collection instead of an error it would retry forever.
 */
async function syncEmptyCollection(c: SyncCollectionRequest, ctx: CommandContext): Promise<CollectionResult> {
  const scope = collectionScope(c.collectionId);
  if (c.syncKey === INITIAL_SYNC_KEY) {
    await ctx.state.resetSyncState(ctx.device, scope);
    const syncKey = await commitKnown(ctx.state, ctx.device, scope, null, { v: 0 });
    return { ...failed(c.collectionId, SyncStatus.Success), syncKey, keyChanged: true };
  }
  const known = await loadKnown<unknown>(ctx.state, ctx.device, scope, c.syncKey);
  if (known === undefined) return failed(c.collectionId, SyncStatus.InvalidSyncKey);
  const responses = c.commands.flatMap((cmd) =>
    cmd.kind === 'add'
      ? [
          el(
            'AirSync:Add',
            el('AirSync:ClientId', cmd.clientId),
            el('AirSync:Status', SyncStatus.ServerError),
          ),
        ]
      : cmd.kind === 'delete'
        ? []
        : [
            el(
              cmd.kind === 'change' ? 'AirSync:Change' : 'AirSync:Fetch',
              el('AirSync:ServerId', cmd.serverId),
              el('AirSync:Status', SyncStatus.ObjectNotFound),
            ),
          ],
  );
  return { ...failed(c.collectionId, SyncStatus.Success), syncKey: known.syncKey, responses };
}

/** The request with what an empty or Partial Sync (or one with only Wait) leaves out taken from the last one. */
function completeRequest(
  req: SyncRequest | undefined,
  cached: CachedRequest | undefined,
): SyncRequest | undefined {
  if (req !== undefined && !req.partial && req.collections.length > 0) return req;
  const given = new Map((req?.collections ?? []).map((c) => [c.collectionId, c]));
  if ((cached?.collections.length ?? 0) === 0 && given.size === 0) return undefined;
  const collections: SyncCollectionRequest[] = (cached?.collections ?? []).map((old) => {
    const now = given.get(old.collectionId);
    given.delete(old.collectionId);
    if (now === undefined) return { ...old, commands: [] };
    return now.hasOptions ? now : { ...now, options: old.options, hasOptions: true };
  });
  collections.push(...given.values());
  return {
    collections,
    windowSize: req?.windowSize ?? cached?.windowSize,
    wait: req?.wait,
    heartbeatInterval: req?.heartbeatInterval,
    partial: false,
  };
}

/** Seconds to hold the request, undefined for none, or the limit the client overstepped. */
function waitSecondsOf(
  req: SyncRequest | undefined,
  cached: CachedRequest | undefined,
): number | undefined | { limit: number } {
  if (req === undefined) return cached?.waitSeconds;
  if (req.wait !== undefined) {
    if (req.wait < WAIT_MINUTES.min) return { limit: WAIT_MINUTES.min };
    if (req.wait > WAIT_MINUTES.max) return { limit: WAIT_MINUTES.max };
    return req.wait * 60;
  }
  if (req.heartbeatInterval !== undefined) {
    if (req.heartbeatInterval < HEARTBEAT_SECONDS.min) return { limit: HEARTBEAT_SECONDS.min };
    if (req.heartbeatInterval > HEARTBEAT_SECONDS.max) return { limit: HEARTBEAT_SECONDS.max };
    return req.heartbeatInterval;
  }
  return undefined;
}

function cacheOf(
  req: SyncRequest,
  results: readonly CollectionResult[],
  wait: number | undefined,
): CachedRequest {
  const keyOf = new Map(results.map((r) => [r.collectionId, r]));
  return {
    collections: req.collections.flatMap((c) => {
      const r = keyOf.get(c.collectionId);
      if (r === undefined || r.syncKey === undefined) return [];
      const { commands: _commands, ...rest } = c;
      return [{ ...rest, syncKey: r.syncKey }];
    }),
    windowSize: req.windowSize,
    waitSeconds: wait,
  };
}

function lastKeysOf(req: SyncRequest, results: readonly CollectionResult[]): [string, LastSyncKey][] {
  const filterOf = new Map(req.collections.map((c) => [c.collectionId, c.options.filterType]));
  return results.flatMap((r) =>
    r.syncKey === undefined || !r.keyChanged
      ? []
      : [[r.collectionId, { syncKey: r.syncKey, filterType: filterOf.get(r.collectionId) ?? 0 }]],
  );
}

function isQuiet(results: readonly CollectionResult[]): boolean {
  return results.every(
    (r) =>
      r.status === SyncStatus.Success &&
      !r.keyChanged &&
      !r.moreAvailable &&
      r.commands.length === 0 &&
      r.responses.length === 0,
  );
}

async function watchedOf(req: SyncRequest, ctx: CommandContext): Promise<WatchedFolders> {
  const refs: { ref: Collection }[] = [];
  for (const c of req.collections) {
    const ref = await resolveCollection(ctx, c.collectionId);
    if (ref !== undefined) refs.push({ ref });
  }
  return watchedFolders(refs);
}

export const syncCommand = defineCommand({
  name: 'Sync',
  command: sync,
  body: 'optional-wbxml',
  needsProvisioning: true,
  root: 'AirSync:Sync',
  statusTag: 'AirSync:Status',
});
