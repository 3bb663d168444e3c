import { INITIAL_SYNC_KEY } from '../model/sync-key.js';
import { collectionScope, commitKnown, loadKnown, type KnownState } from '../sync/sync-state.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import type { SyncCollectionRequest } from './sync-request.js';

// What every collection of a Sync shares, whatever its items (mail, calendar, contacts, tasks):
// the Status table, the answer's shape, SyncKey 0 and unknown keys, and the commit at the end.

// MS-ASCMD 2.2.3.177.17 Status in Sync.
export const SyncStatus = {
  Success: 1,
  InvalidSyncKey: 3,
  ProtocolError: 4,
  ServerError: 5,
  ConversionError: 6,
  Conflict: 7,
  ObjectNotFound: 8,
  FolderHierarchyChanged: 12,
  IncompleteRequest: 13,
  InvalidWaitOrHeartbeat: 14,
  TooManyCollections: 15,
  Retry: 16,
} as const;

export interface CollectionResult {
  readonly collectionId: string;
  readonly status: number;
  readonly syncKey?: string;
  /** Whether syncKey is new: a response where no key moved and nothing is said may be empty. */
  readonly keyChanged: boolean;
  readonly moreAvailable: boolean;
  readonly commands: readonly WbxmlElement[];
  readonly responses: readonly WbxmlElement[];
}

export function failed(collectionId: string, status: number): CollectionResult {
  return { collectionId, status, keyChanged: false, moreAvailable: false, commands: [], responses: [] };
}

/** The answer to one device command that only carries a Status. */
export function statusOnly(
  tag: 'AirSync:Change' | 'AirSync:Delete' | 'AirSync:Fetch',
  serverId: string,
  status: number,
): WbxmlElement {
  return el(tag, el('AirSync:ServerId', serverId), el('AirSync:Status', status));
}

/** The collection's state under the device's SyncKey, or the whole answer (SyncKey 0, unknown key). */
export type OpenedCollection<T> =
  | { readonly done: CollectionResult }
  | { readonly done?: undefined; readonly known: KnownState<unknown>; readonly snapshot: T };

export async function openCollection<T>(
  req: SyncCollectionRequest,
  ctx: CommandContext,
  bootstrap: () => T,
  read: (stored: unknown) => T | undefined,
): Promise<OpenedCollection<T>> {
  const { state, device } = ctx;
  const scope = collectionScope(req.collectionId);
  if (req.syncKey === INITIAL_SYNC_KEY) {
    // MS-ASCMD 2.2.3.181.4: SyncKey 0 only starts the state; items follow with the next key.
    await state.resetSyncState(device, scope);
    const syncKey = await commitKnown(state, device, scope, null, bootstrap());
    return { done: { ...failed(req.collectionId, SyncStatus.Success), syncKey, keyChanged: true } };
  }
  const known = await loadKnown<unknown>(state, device, scope, req.syncKey);
  const snapshot = known && read(known.snapshot);
  if (known === undefined || snapshot === undefined) {
    ctx.log.info({ collectionId: req.collectionId, syncKey: req.syncKey }, 'Sync with an unknown SyncKey');
    return { done: failed(req.collectionId, SyncStatus.InvalidSyncKey) };
  }
  return { known, snapshot };
}

/**
 * Commits what the device knows after this answer under a new SyncKey, unless nothing moved: then
 * the device keeps its key and no state is written.
 */
export async function closeCollection(
  req: SyncCollectionRequest,
  ctx: CommandContext,
  known: KnownState<unknown>,
  next: { snapshot: unknown; unchanged: boolean },
  answer: { commands: WbxmlElement[]; responses: WbxmlElement[]; moreAvailable: boolean },
): Promise<CollectionResult> {
  const { commands, responses, moreAvailable } = answer;
  if (
    next.unchanged &&
    commands.length === 0 &&
    responses.length === 0 &&
    known.which === 'current' &&
    req.commands.length === 0
  ) {
    return { ...failed(req.collectionId, SyncStatus.Success), syncKey: known.syncKey, moreAvailable };
  }
  const scope = collectionScope(req.collectionId);
  const syncKey = await commitKnown(ctx.state, ctx.device, scope, known, next.snapshot);
  return {
    collectionId: req.collectionId,
    status: SyncStatus.Success,
    syncKey,
    keyChanged: true,
    moreAvailable,
    commands,
    responses,
  };
}

const KIND_OF_COMMAND: Readonly<Record<string, string>> = {
  'AirSync:Add': 'add',
  'AirSync:Change': 'change',
  'AirSync:Delete': 'delete',
  'AirSync:SoftDelete': 'softdelete',
};

/** Counts the items a Sync sends, by class and kind, for /metrics. */
export function countSent(itemClass: string, commands: readonly WbxmlElement[], ctx: CommandContext): void {
  const counts = new Map<string, number>();
  for (const c of commands) {
    const kind = KIND_OF_COMMAND[c.tag];
    if (kind !== undefined) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  for (const [kind, n] of counts) ctx.metrics?.itemsSent(itemClass, kind, n);
}
