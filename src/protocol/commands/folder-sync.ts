import { childText, el } from '../../wbxml/index.js';
import { requireId } from '../ids.js';
import { INITIAL_SYNC_KEY } from '../../model/sync-key.js';
import {
  DAV_FOLDER_COUNT_CACHE,
  davFolderCount,
  diffHierarchy,
  listHierarchy,
  snapshotOf,
  type FolderEntry,
  type HierarchyChanges,
} from '../../sync/hierarchy.js';
import { commitHierarchy, loadHierarchy } from '../../sync/hierarchy-state.js';
import { readFolderOptions } from '../../sync/folder-options.js';
import { defineCommand, type Command } from '../command.js';
import { ProtocolError } from '../status.js';

// MS-ASCMD 2.2.1.5 FolderSync: the device sends the SyncKey of the hierarchy it knows and gets
// the adds, updates and deletes since then. SyncKey 0 starts over: all its sync states go.

// MS-ASCMD 2.2.3.177.5 Status in FolderSync.
export const FolderSyncStatus = { Success: 1, ServerError: 6, InvalidSyncKey: 9, BadRequest: 10 } as const;

type FolderSyncResponse =
  | { status: typeof FolderSyncStatus.Success; syncKey: string; changes: HierarchyChanges }
  | { status: Exclude<(typeof FolderSyncStatus)[keyof typeof FolderSyncStatus], 1> };

const folderSync: Command<{ syncKey: string }, FolderSyncResponse> = {
  parse(input) {
    const syncKey = input && childText(input, 'FolderHierarchy:SyncKey');
    if (syncKey === undefined || syncKey === '') throw new ProtocolError('FolderSync without SyncKey');
    return { syncKey: requireId('SyncKey', syncKey, FolderSyncStatus.BadRequest) };
  },

  async handle({ syncKey }, ctx) {
    const { state, device } = ctx;
    let known;
    if (syncKey === INITIAL_SYNC_KEY) {
      await state.resetSyncState(device);
    } else {
      known = await loadHierarchy(state, device, syncKey);
      if (known === undefined) {
        ctx.log.info({ syncKey }, 'FolderSync with an unknown SyncKey');
        return { status: FolderSyncStatus.InvalidSyncKey };
      }
    }
    const { merge } = await readFolderOptions(state, device);
    const now = await listHierarchy(ctx.principal.id, ctx.backends, state, ctx.signal, {
      merge,
      known: known?.snapshot,
      onUnavailable: (kinds, err) => {
        ctx.metrics?.backendError(err.kind);
        ctx.log.warn(
          { kinds, err: err.message },
          'DAV server unavailable: its folders are kept as they were',
        );
      },
    });
    const changes = diffHierarchy(known?.snapshot ?? {}, now);
    const empty = changes.adds.length + changes.updates.length + changes.deletes.length === 0;
    // Nothing new for a device that has our latest answer: keep its key (no state to write).
    if (known !== undefined && known.which === 'current' && empty) {
      return { status: FolderSyncStatus.Success, syncKey: known.syncKey, changes };
    }
    const next = await commitHierarchy(state, device, known ?? null, snapshotOf(now));
    await state.setDeviceCache(device, DAV_FOLDER_COUNT_CACHE, davFolderCount(now));
    return { status: FolderSyncStatus.Success, syncKey: next, changes };
  },

  render(res) {
    if (res.status !== FolderSyncStatus.Success) {
      return el('FolderHierarchy:FolderSync', el('FolderHierarchy:Status', res.status));
    }
    const { adds, updates, deletes } = res.changes;
    return el(
      'FolderHierarchy:FolderSync',
      el('FolderHierarchy:Status', res.status),
      el('FolderHierarchy:SyncKey', res.syncKey),
      el(
        'FolderHierarchy:Changes',
        el('FolderHierarchy:Count', adds.length + updates.length + deletes.length),
        updates.map((f) => el('FolderHierarchy:Update', ...folderFields(f))),
        deletes.map((id) => el('FolderHierarchy:Delete', el('FolderHierarchy:ServerId', id))),
        adds.map((f) => el('FolderHierarchy:Add', ...folderFields(f))),
      ),
    );
  },
};

function folderFields(f: FolderEntry) {
  return [
    el('FolderHierarchy:ServerId', f.collectionId),
    el('FolderHierarchy:ParentId', f.parentId),
    el('FolderHierarchy:DisplayName', f.displayName),
    el('FolderHierarchy:Type', f.type),
  ];
}

export const folderSyncCommand = defineCommand({
  name: 'FolderSync',
  command: folderSync,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'FolderHierarchy:FolderSync',
  statusTag: 'FolderHierarchy:Status',
});
