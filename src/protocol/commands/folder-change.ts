import { BackendError, type UserBackends } from '../../backends/types.js';
import { CLASS_OF_FOLDER_TYPE, FolderType } from '../../model/folder-type.js';
import {
  applyToSnapshot,
  folderMapKey,
  parseFolderMapKey,
  ROOT_PARENT_ID,
  type FolderEntry,
  type FolderRef,
  type HierarchySnapshot,
} from '../../sync/hierarchy.js';
import { commitHierarchy, loadHierarchy } from '../../sync/hierarchy-state.js';
import { childText, el, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import { requireId, type IdKind } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { ProtocolError } from '../status.js';

// MS-ASCMD 2.2.1.3 FolderCreate, 2.2.1.6 FolderUpdate, 2.2.1.4 FolderDelete. Each carries the
// hierarchy SyncKey; on success the device's known hierarchy includes its own change and moves to
// a new key, so the next FolderSync does not send the change back.

// Status values shared by the three (MS-ASCMD 2.2.3.177.3, .4, .6).
const Status = {
  Success: 1,
  Exists: 2,
  SpecialFolder: 3,
  NotFound: 4,
  ParentNotFound: 5,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
} as const;
type Status = (typeof Status)[keyof typeof Status];

interface Known {
  syncKey: string;
  snapshot: HierarchySnapshot;
}

type Outcome = { status: Status; syncKey?: string; serverId?: string };

/** Loads the device's hierarchy for the key; anything but the current key is a mismatch (Status 9). */
async function known(ctx: CommandContext, syncKey: string): Promise<Known | undefined> {
  const k = await loadHierarchy(ctx.state, ctx.device, syncKey);
  return k !== undefined && k.which === 'current' ? k : undefined;
}

async function commit(
  ctx: CommandContext,
  k: Known,
  change: { upsert?: FolderEntry; remove?: string },
): Promise<string> {
  return commitHierarchy(
    ctx.state,
    ctx.device,
    { syncKey: k.syncKey, which: 'current' },
    applyToSnapshot(k.snapshot, change),
  );
}

async function refOf(ctx: CommandContext, collectionId: string): Promise<FolderRef | undefined> {
  const key = await ctx.state.backendKeyFor(ctx.principal.id, collectionId);
  return key === undefined ? undefined : parseFolderMapKey(key);
}

/** The request's child texts by name; every one must be present and non-empty (else Status 10 via ProtocolError). */
function requireFields<K extends string>(
  input: WbxmlElement | undefined,
  command: string,
  tags: Record<K, TagRef>,
): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const [key, tag] of Object.entries(tags) as [K, TagRef][]) {
    const v = input && childText(input, tag);
    if (!v)
      throw new ProtocolError(
        `${command} needs ${Object.values<TagRef>(tags)
          .map((t) => t.split(':')[1])
          .join(', ')}`,
      );
    const kind = ID_KIND[tag];
    out[key] = kind === undefined ? v : requireId(kind, v, Status.BadRequest);
  }
  return out;
}

// MS-ASCMD 2.2.3.177.3/.4/.6 Status 10 "incorrectly formatted request" for an id that breaks its grammar.
const ID_KIND: Partial<Record<TagRef, IdKind>> = {
  'FolderHierarchy:SyncKey': 'SyncKey',
  'FolderHierarchy:ServerId': 'CollectionId',
  'FolderHierarchy:ParentId': 'CollectionId',
  'FolderHierarchy:DisplayName': 'DisplayName',
};

/** Maps a backend refusal to a status; anything else propagates (→ ServerError or HTTP 503). */
function statusOfBackendError(e: unknown, notFound: Status): Status {
  if (!(e instanceof BackendError)) throw e;
  if (e.kind === 'exists') return Status.Exists;
  if (e.kind === 'not-found') return notFound;
  if (e.kind === 'permanent') return Status.SpecialFolder;
  throw e;
}

function collectionStore(backends: UserBackends, store: FolderRef['store']) {
  if (store === 'mail') return undefined;
  return store === 'contacts' ? backends.contacts : backends.calendars;
}

// --- FolderCreate -----------------------------------------------------------------------------

// MS-ASCMD 2.2.3.186.2: the folder types a client may create, and where each lives.
const CREATABLE: Readonly<Partial<Record<number, FolderRef['store']>>> = {
  [FolderType.UserCreatedMail]: 'mail',
  [FolderType.UserCreatedGeneric]: 'mail',
  [FolderType.UserCreatedCalendar]: 'calendar',
  [FolderType.UserCreatedTasks]: 'tasks',
  [FolderType.UserCreatedContacts]: 'contacts',
};

interface CreateRequest {
  syncKey: string;
  parentId: string;
  displayName: string;
  type: number;
}

const folderCreate: Command<CreateRequest, Outcome> = {
  parse(input) {
    const f = requireFields(input, 'FolderCreate', {
      syncKey: 'FolderHierarchy:SyncKey',
      parentId: 'FolderHierarchy:ParentId',
      displayName: 'FolderHierarchy:DisplayName',
      type: 'FolderHierarchy:Type',
    });
    const type = Number(f.type);
    if (!Number.isInteger(type)) throw new ProtocolError(`FolderCreate Type ${f.type} is not a number`);
    return { ...f, type };
  },

  async handle(req, ctx) {
    const k = await known(ctx, req.syncKey);
    if (k === undefined) return { status: Status.InvalidSyncKey };
    const store = CREATABLE[req.type];
    if (store === undefined) return { status: Status.BadRequest };
    let entry: FolderEntry;
    try {
      if (store === 'mail') {
        let parentKey: string | undefined;
        if (req.parentId !== ROOT_PARENT_ID) {
          const parent = await refOf(ctx, req.parentId);
          if (parent === undefined || k.snapshot[req.parentId] === undefined)
            return { status: Status.ParentNotFound };
          if (parent.store !== 'mail') return { status: Status.SpecialFolder };
          parentKey = parent.key;
        }
        const f = await ctx.backends.mail.createFolder(parentKey, req.displayName, ctx.signal);
        const id = await ctx.state.collectionIdFor(
          ctx.principal.id,
          folderMapKey({ store: 'mail', key: f.key }),
        );
        entry = {
          collectionId: id,
          parentId: parentKey === undefined ? ROOT_PARENT_ID : req.parentId,
          displayName: f.name,
          type: FolderType.UserCreatedMail,
        };
      } else {
        const backend = collectionStore(ctx.backends, store);
        if (backend === undefined) return { status: Status.BadRequest };
        const c = await backend.createCollection(store, req.displayName, ctx.signal);
        const id = await ctx.state.collectionIdFor(ctx.principal.id, folderMapKey({ store, key: c.key }));
        entry = {
          collectionId: id,
          parentId: ROOT_PARENT_ID,
          displayName: c.name,
          type: req.type as FolderType,
        };
      }
    } catch (e) {
      return { status: statusOfBackendError(e, Status.ParentNotFound) };
    }
    const syncKey = await commit(ctx, k, { upsert: entry });
    ctx.log.info(
      { collectionId: entry.collectionId, class: CLASS_OF_FOLDER_TYPE[entry.type] },
      'folder created',
    );
    return { status: Status.Success, syncKey, serverId: entry.collectionId };
  },

  render: (res) => renderOutcome('FolderHierarchy:FolderCreate', res),
};

// --- FolderUpdate -----------------------------------------------------------------------------

interface UpdateRequest {
  syncKey: string;
  serverId: string;
  parentId: string;
  displayName: string;
}

const folderUpdate: Command<UpdateRequest, Outcome> = {
  parse: (input) =>
    requireFields(input, 'FolderUpdate', {
      syncKey: 'FolderHierarchy:SyncKey',
      serverId: 'FolderHierarchy:ServerId',
      parentId: 'FolderHierarchy:ParentId',
      displayName: 'FolderHierarchy:DisplayName',
    }),

  async handle(req, ctx) {
    const k = await known(ctx, req.syncKey);
    if (k === undefined) return { status: Status.InvalidSyncKey };
    const before = k.snapshot[req.serverId];
    const ref = await refOf(ctx, req.serverId);
    if (before === undefined || ref === undefined) return { status: Status.NotFound };
    let parentId = ROOT_PARENT_ID;
    try {
      if (ref.store === 'mail') {
        let parentKey: string | undefined;
        if (req.parentId !== ROOT_PARENT_ID) {
          const parent = await refOf(ctx, req.parentId);
          if (parent === undefined || parent.store !== 'mail' || k.snapshot[req.parentId] === undefined) {
            return { status: Status.ParentNotFound };
          }
          parentKey = parent.key;
          parentId = req.parentId;
        }
        const f = await ctx.backends.mail.renameFolder(ref.key, parentKey, req.displayName, ctx.signal);
        // Without IMAP OBJECTID a folder's key is its path: keep the CollectionId across the rename.
        if (f.key !== ref.key) {
          await ctx.state.rekeyFolder(
            ctx.principal.id,
            folderMapKey(ref),
            folderMapKey({ store: 'mail', key: f.key }),
          );
        }
      } else {
        const backend = collectionStore(ctx.backends, ref.store);
        if (backend === undefined) return { status: Status.NotFound };
        await backend.renameCollection(ref.key, req.displayName, ctx.signal);
      }
    } catch (e) {
      // FolderUpdate has no "special folder" code of its own: 2 covers both (2.2.3.177.6).
      const status = statusOfBackendError(e, Status.NotFound);
      return { status: status === Status.SpecialFolder ? Status.Exists : status };
    }
    const entry: FolderEntry = {
      collectionId: req.serverId,
      parentId,
      displayName: req.displayName,
      type: before[2] as FolderType,
    };
    return { status: Status.Success, syncKey: await commit(ctx, k, { upsert: entry }) };
  },

  render: (res) => renderOutcome('FolderHierarchy:FolderUpdate', res),
};

// --- FolderDelete -----------------------------------------------------------------------------

const folderDelete: Command<{ syncKey: string; serverId: string }, Outcome> = {
  parse: (input) =>
    requireFields(input, 'FolderDelete', {
      syncKey: 'FolderHierarchy:SyncKey',
      serverId: 'FolderHierarchy:ServerId',
    }),

  async handle(req, ctx) {
    const k = await known(ctx, req.syncKey);
    if (k === undefined) return { status: Status.InvalidSyncKey };
    const ref = await refOf(ctx, req.serverId);
    if (k.snapshot[req.serverId] === undefined || ref === undefined) return { status: Status.NotFound };
    try {
      if (ref.store === 'mail') await ctx.backends.mail.deleteFolder(ref.key, ctx.signal);
      else {
        const backend = collectionStore(ctx.backends, ref.store);
        if (backend === undefined) return { status: Status.NotFound };
        await backend.deleteCollection(ref.key, ctx.signal);
      }
    } catch (e) {
      return { status: statusOfBackendError(e, Status.NotFound) };
    }
    await ctx.state.resetSyncState(ctx.device, req.serverId);
    return { status: Status.Success, syncKey: await commit(ctx, k, { remove: req.serverId }) };
  },

  render: (res) => renderOutcome('FolderHierarchy:FolderDelete', res),
};

function renderOutcome(root: TagRef, res: Outcome): WbxmlElement {
  return el(
    root,
    el('FolderHierarchy:Status', res.status),
    res.syncKey !== undefined && el('FolderHierarchy:SyncKey', res.syncKey),
    res.serverId !== undefined && el('FolderHierarchy:ServerId', res.serverId),
  );
}

const common = { body: 'wbxml', needsProvisioning: true, statusTag: 'FolderHierarchy:Status' } as const;
export const folderCreateCommand = defineCommand({
  name: 'FolderCreate',
  command: folderCreate,
  root: 'FolderHierarchy:FolderCreate',
  ...common,
});
export const folderUpdateCommand = defineCommand({
  name: 'FolderUpdate',
  command: folderUpdate,
  root: 'FolderHierarchy:FolderUpdate',
  ...common,
});
export const folderDeleteCommand = defineCommand({
  name: 'FolderDelete',
  command: folderDelete,
  root: 'FolderHierarchy:FolderDelete',
  ...common,
});
