import { BackendError } from '../../backends/types.js';
import { child, childText, el, elements } from '../../wbxml/index.js';
import { waitForChanges, watchedFolders } from '../change-wait.js';
import { defineCommand, type Command } from '../command.js';
import { resolveCollection, type Collection } from '../mail-collection.js';
import { estimateCollection } from '../collection-estimate.js';
import { requireId } from '../ids.js';
import { ProtocolError } from '../status.js';
import type { CommandContext } from '../context.js';
import { DAV_FOLDER_COUNT_CACHE } from '../../sync/hierarchy.js';
import { readLastSyncKeys } from '../sync-cache.js';
import { optionalInt } from '../sync-options.js';

// MS-ASCMD 2.2.1.13 Ping: wait until one of the folders has something the device has not synced,
// or the heartbeat runs out. The parameters are cached per device: an empty Ping repeats the last
// (MS-ASCMD 3.1.5.8). "Something new" is judged against the SyncKeys last handed out, so the
// device's own changes never wake its Ping.

// MS-ASCMD 2.2.3.177.13 Status in Ping.
const PingStatus = {
  Expired: 1,
  Changes: 2,
  MissingParameters: 3,
  SyntaxError: 4,
  HeartbeatOutOfRange: 5,
  TooManyFolders: 6,
  FolderSyncRequired: 7,
  ServerError: 8,
} as const;

// MS-ASCMD 2.2.3.88.1: the limits are the server's to choose; these are Exchange's defaults.
export const PING_LIMITS = { minHeartbeat: 60, maxHeartbeat: 3540, maxFolders: 300 } as const;

const PING_CACHE = 'ping';

interface PingFolder {
  readonly id: string;
  readonly cls: string;
}

interface PingRequest {
  readonly heartbeat: number | undefined;
  readonly folders: readonly PingFolder[] | undefined;
}

interface PingResponse {
  readonly status: number;
  readonly folders?: readonly string[];
  readonly heartbeat?: number;
  readonly maxFolders?: number;
}

const ping: Command<PingRequest, PingResponse> = {
  parse(input) {
    if (input === undefined) return { heartbeat: undefined, folders: undefined };
    if (input.tag !== 'Ping:Ping') throw new ProtocolError(`expected Ping, got ${input.tag}`);
    const folders = child(input, 'Ping:Folders');
    return {
      heartbeat: optionalInt(input, 'Ping:HeartbeatInterval'),
      folders: folders
        ? elements(folders, 'Ping:Folder').map((f) => ({
            // MS-ASCMD 2.2.3.177.13 Status 4: a folder id that breaks its grammar is a syntax error.
            id: requireId('CollectionId', childText(f, 'Ping:Id') ?? '', PingStatus.SyntaxError),
            cls: childText(f, 'Ping:Class') ?? '',
          }))
        : undefined,
    };
  },

  async handle(req, ctx) {
    const cached = (await ctx.state.getDeviceCache(ctx.device, PING_CACHE)) as PingRequest | undefined;
    const heartbeat = req.heartbeat ?? cached?.heartbeat;
    const folders = req.folders ?? cached?.folders;
    if (heartbeat === undefined || folders === undefined || folders.length === 0)
      return { status: PingStatus.MissingParameters };
    if (heartbeat < PING_LIMITS.minHeartbeat)
      return { status: PingStatus.HeartbeatOutOfRange, heartbeat: PING_LIMITS.minHeartbeat };
    if (heartbeat > PING_LIMITS.maxHeartbeat)
      return { status: PingStatus.HeartbeatOutOfRange, heartbeat: PING_LIMITS.maxHeartbeat };
    if (folders.length > PING_LIMITS.maxFolders)
      return { status: PingStatus.TooManyFolders, maxFolders: PING_LIMITS.maxFolders };
    if (folders.some((f) => f.id === '')) return { status: PingStatus.SyntaxError };

    const watched = new Map<string, { id: string; ref: Collection }>(); // folder key → collection
    for (const f of folders) {
      const ref = await resolveCollection(ctx, f.id);
      // MS-ASCMD 2.2.3.177.13 Status 7: a folder the device names is gone or was never listed.
      if (ref === undefined) return { status: PingStatus.FolderSyncRequired };
      watched.set(ref.key, { id: f.id, ref });
    }
    await ctx.state.setDeviceCache(ctx.device, PING_CACHE, { heartbeat, folders });

    const synced = await readLastSyncKeys(ctx);
    const unavailable = new Set<string>();
    const estimate = async (folder: { id: string; ref: Collection }, syncKey: string, filterType: number) => {
      try {
        const n = await estimateCollection(ctx, folder.id, folder.ref, syncKey, filterType);
        unavailable.delete(folder.id);
        return n;
      } catch (err) {
        // DESIGN rule 12: a calendar or address book whose server is down must not cost the
        // device its mail push. It counts as unchanged and is polled again with the others, so
        // its changes wake the Ping once the server is back.
        if (!(err instanceof BackendError) || err.kind !== 'temporary' || folder.ref.store === 'mail')
          throw err;
        if (!unavailable.has(folder.id))
          ctx.log.warn(
            { collectionId: folder.id, err: err.message },
            'Ping: folder unavailable, still waiting',
          );
        unavailable.add(folder.id);
        return 0;
      }
    };
    const hasChanges = async (folderKey: string): Promise<boolean> => {
      const folder = watched.get(folderKey);
      const last = folder === undefined ? undefined : synced.get(folder.id);
      // A folder the device never synced has nothing it could be told about.
      if (folder === undefined || last === undefined) return false;
      const n = await estimate(folder, last.syncKey, last.filterType);
      if (n === 'not-found') throw new BackendError('not-found', `folder ${folder.id} is gone`);
      // A key the device no longer holds: its Sync will say so (Status 3) and start over.
      return n !== 0;
    };
    const probe = await davAccountProbe(ctx);
    const waitOn = watchedFolders(watched.values());
    const check =
      probe === undefined
        ? hasChanges
        : (key: string): Promise<boolean> => (key === ACCOUNT_PROBE_KEY ? probe() : hasChanges(key));
    try {
      if (probe !== undefined && (await probe())) return { status: PingStatus.FolderSyncRequired };
      const now: string[] = [];
      for (const key of watched.keys()) if (await hasChanges(key)) now.push(key);
      if (now.length > 0) return changes(now, watched);
      // MS-ASCMD 2.2.3.177.13 Status 8 ("frequently a transient condition", the client retries):
      // only when nothing at all could be watched.
      if (unavailable.size === watched.size) return { status: PingStatus.ServerError };
      const outcome = await waitForChanges(
        ctx,
        probe === undefined ? waitOn : { ...waitOn, polled: [...waitOn.polled, ACCOUNT_PROBE_KEY] },
        heartbeat * 1000,
        check,
      );
      if (outcome.kind === 'changed' && outcome.folderKeys.includes(ACCOUNT_PROBE_KEY))
        return { status: PingStatus.FolderSyncRequired };
      if (outcome.kind === 'changed') return changes(outcome.folderKeys, watched);
    } catch (err) {
      if (err instanceof BackendError && err.kind === 'not-found')
        return { status: PingStatus.FolderSyncRequired };
      throw err;
    }
    // Expired, or a newer request from the device ended this one (MS-ASCMD 3.1.5.8).
    return { status: PingStatus.Expired };
  },

  render(res) {
    return el(
      'Ping:Ping',
      el('Ping:Status', res.status),
      res.folders &&
        el(
          'Ping:Folders',
          res.folders.map((id) => el('Ping:Folder', id)),
        ),
      res.maxFolders !== undefined && el('Ping:MaxFolders', res.maxFolders),
      res.heartbeat !== undefined && el('Ping:HeartbeatInterval', res.heartbeat),
    );
  },
};

// Polled beside the folders; no folder key has this form (mail keys are paths, DAV keys "dav:…").
const ACCOUNT_PROBE_KEY = '\0dav-account';

/**
 * For a device that was given no calendar, task or contact folder: whether the user has DAV
 * collections now (an account created since, see DavPresence). MS-ASCMD 2.2.3.177.13 Status 7
 * sends the device to FolderSync, which adds them. Cheap while there is no account: the answer
 * is cached between account checks. Undefined when there is nothing to watch for.
 */
async function davAccountProbe(ctx: CommandContext): Promise<(() => Promise<boolean>) | undefined> {
  const stores = [ctx.backends.calendars, ctx.backends.contacts].filter((s) => s !== undefined);
  if (stores.length === 0) return undefined;
  if ((await ctx.state.getDeviceCache(ctx.device, DAV_FOLDER_COUNT_CACHE)) !== 0) return undefined;
  return async () => {
    for (const store of stores) {
      try {
        if ((await store.listCollections(ctx.signal)).length > 0) return true;
      } catch (err) {
        // The server being down is not news; the next poll asks again.
        if (!(err instanceof BackendError) || err.kind !== 'temporary') throw err;
      }
    }
    return false;
  };
}

function changes(folderKeys: readonly string[], watched: ReadonlyMap<string, { id: string }>): PingResponse {
  return {
    status: PingStatus.Changes,
    folders: folderKeys.flatMap((k) => {
      const id = watched.get(k)?.id;
      return id === undefined ? [] : [id];
    }),
  };
}

export const pingCommand = defineCommand({
  name: 'Ping',
  command: ping,
  body: 'optional-wbxml',
  needsProvisioning: true,
  root: 'Ping:Ping',
  statusTag: 'Ping:Status',
});
