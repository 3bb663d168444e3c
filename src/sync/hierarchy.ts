import {
  BackendError,
  type CollectionStore,
  type DavCollection,
  type MailFolder,
  type UserBackends,
} from '../backends/types.js';
import {
  FOLDER_TYPE_OF_MAIL_ROLE,
  FOLDER_TYPES_OF_DAV_KIND,
  type DavCollectionKind,
  type FolderType,
} from '../model/folder-type.js';
import type { FolderMapStore } from '../state/types.js';
import { mergedKey } from './merged-items.js';

/** One folder as FolderSync shows it (MS-ASCMD 2.2.3.186 Add/Update children). */
export interface FolderEntry {
  readonly collectionId: string;
  /** '0' for a top-level folder (MS-ASCMD 2.2.3.134.2). */
  readonly parentId: string;
  readonly displayName: string;
  readonly type: FolderType;
}

/** What a device was last told about the hierarchy: collectionId → [parentId, name, type]. */
export type HierarchySnapshot = Readonly<Record<string, readonly [string, string, number]>>;

export interface HierarchyChanges {
  readonly adds: FolderEntry[];
  readonly updates: FolderEntry[];
  readonly deletes: string[];
}

export const ROOT_PARENT_ID = '0';

/**
 * A backend folder as the folder map knows it: the store it lives in and that store's key. DAV
 * keys carry their kind because one collection may serve as a calendar and as a task list.
 */
export type FolderRef = { store: 'mail'; key: string } | { store: DavCollectionKind; key: string };

export function folderMapKey(ref: FolderRef): string {
  return `${ref.store}|${ref.key}`;
}

export function parseFolderMapKey(mapKey: string): FolderRef | undefined {
  const bar = mapKey.indexOf('|');
  const store = mapKey.slice(0, bar);
  const key = mapKey.slice(bar + 1);
  if (store === 'mail' || store === 'calendar' || store === 'tasks' || store === 'contacts')
    return { store, key };
  return undefined;
}

export interface ListHierarchyOptions {
  /** DAV kinds whose collections the device sees as one folder each. */
  readonly merge?: readonly DavCollectionKind[];
  /** What the device was told last: the folders of a DAV server that is down are kept from it. */
  readonly known?: HierarchySnapshot;
  /** Told about a DAV server that could not be listed (its folders were kept). */
  readonly onUnavailable?: (kinds: readonly DavCollectionKind[], err: BackendError) => void;
}

/**
 * Lists every folder of every backend of the user, with stable CollectionIds. A DAV server that
 * is down costs nothing but its own folders' freshness: the device keeps the calendars and address
 * books it knows (deleting them would make it drop and later re-download every item), and mail
 * is listed as always (DESIGN rule 12).
 */
export async function listHierarchy(
  user: string,
  backends: UserBackends,
  folderMap: FolderMapStore,
  signal?: AbortSignal,
  options: ListHierarchyOptions = {},
): Promise<FolderEntry[]> {
  const [mail, calendars, contacts] = await Promise.all([
    backends.mail.listFolders(signal),
    davCollections(backends.calendars, signal),
    davCollections(backends.contacts, signal),
  ]);
  const idOf = (ref: FolderRef): Promise<string> => folderMap.collectionIdFor(user, folderMapKey(ref));
  const out: FolderEntry[] = [];
  for (const f of mail) out.push(await mailEntry(f, idOf));
  const listed: DavCollection[] = [];
  for (const [store, result] of [
    [backends.calendars, calendars],
    [backends.contacts, contacts],
  ] as const) {
    if (Array.isArray(result)) listed.push(...result);
    else if (store !== undefined) {
      options.onUnavailable?.(store.kinds, result);
      out.push(...keptEntries(options.known ?? {}, store.kinds));
    }
  }
  out.push(...(await davEntries(mergeCollections(listed, options.merge ?? []), idOf)));
  return out;
}

/** The collections of a store, or the failure when the server is unreachable for now. */
async function davCollections(
  store: CollectionStore | undefined,
  signal: AbortSignal | undefined,
): Promise<DavCollection[] | BackendError> {
  try {
    return (await store?.listCollections(signal)) ?? [];
  } catch (err) {
    if (err instanceof BackendError && err.kind === 'temporary' && !signal?.aborted) return err;
    throw err;
  }
}

/** The folders of the given kinds as the device knows them (DAV folders are all top-level). */
function keptEntries(known: HierarchySnapshot, kinds: readonly DavCollectionKind[]): FolderEntry[] {
  const types = new Set<number>(
    kinds.flatMap((k) => [FOLDER_TYPES_OF_DAV_KIND[k].first, FOLDER_TYPES_OF_DAV_KIND[k].other]),
  );
  return Object.entries(known)
    .filter(([, [, , type]]) => types.has(type))
    .map(([collectionId, [parentId, displayName, type]]) => ({
      collectionId,
      parentId,
      displayName,
      type: type as FolderType,
    }));
}

async function mailEntry(f: MailFolder, idOf: (ref: FolderRef) => Promise<string>): Promise<FolderEntry> {
  return {
    collectionId: await idOf({ store: 'mail', key: f.key }),
    parentId: f.parentKey === undefined ? ROOT_PARENT_ID : await idOf({ store: 'mail', key: f.parentKey }),
    // IMAP names it INBOX; every Exchange client expects to see "Inbox".
    displayName: f.role === 'inbox' ? 'Inbox' : f.name,
    type: FOLDER_TYPE_OF_MAIL_ROLE[f.role],
  };
}

/** The collections of each merged kind as one, named after the default (first by key) one. */
function mergeCollections(
  collections: readonly DavCollection[],
  merge: readonly DavCollectionKind[],
): DavCollection[] {
  const sorted = [...collections].sort(byKey);
  return sorted.flatMap((c) => {
    if (!merge.includes(c.kind)) return [c];
    const first = sorted.find((o) => o.kind === c.kind);
    return first === c ? [{ ...c, key: mergedKey(c.kind) }] : [];
  });
}

/** The order that makes the first collection of a kind its default folder (type 7/8/9). */
export function byKey(a: DavCollection, b: DavCollection): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

async function davEntries(
  collections: readonly DavCollection[],
  idOf: (ref: FolderRef) => Promise<string>,
): Promise<FolderEntry[]> {
  // The first collection of a kind is the default folder (type 7/8/9), the rest user-created.
  // Ordering by key keeps that choice stable from one FolderSync to the next.
  const sorted = [...collections].sort(byKey);
  const seen = new Set<DavCollectionKind>();
  const out: FolderEntry[] = [];
  for (const c of sorted) {
    const types = FOLDER_TYPES_OF_DAV_KIND[c.kind];
    out.push({
      collectionId: await idOf({ store: c.kind, key: c.key }),
      parentId: ROOT_PARENT_ID,
      displayName: c.name,
      type: seen.has(c.kind) ? types.other : types.first,
    });
    seen.add(c.kind);
  }
  return out;
}

/**
 * Device cache entry: how many calendar, task and contact folders the device was last given.
 * A device with none is told (Ping Status 7) when the user's DAV account appears.
 */
export const DAV_FOLDER_COUNT_CACHE = 'hierarchy-dav-folders';

const DAV_FOLDER_TYPES = new Set<number>(
  Object.values(FOLDER_TYPES_OF_DAV_KIND).flatMap((t) => [t.first, t.other]),
);

export function davFolderCount(entries: readonly FolderEntry[]): number {
  return entries.filter((e) => DAV_FOLDER_TYPES.has(e.type)).length;
}

export function snapshotOf(entries: readonly FolderEntry[]): HierarchySnapshot {
  const out: Record<string, readonly [string, string, number]> = {};
  for (const e of entries) out[e.collectionId] = [e.parentId, e.displayName, e.type];
  return out;
}

/** What changed between what the device knows and the folders now; adds come parents first. */
export function diffHierarchy(known: HierarchySnapshot, now: readonly FolderEntry[]): HierarchyChanges {
  const adds: FolderEntry[] = [];
  const updates: FolderEntry[] = [];
  const present = new Set<string>();
  for (const e of now) {
    present.add(e.collectionId);
    const k = known[e.collectionId];
    if (k === undefined) adds.push(e);
    else if (k[0] !== e.parentId || k[1] !== e.displayName || k[2] !== e.type) updates.push(e);
  }
  const deletes = Object.keys(known).filter((id) => !present.has(id));
  return { adds: parentsFirst(adds), updates, deletes };
}

function parentsFirst(adds: FolderEntry[]): FolderEntry[] {
  const byId = new Map(adds.map((e) => [e.collectionId, e]));
  const depth = (e: FolderEntry, guard = 0): number => {
    const parent = byId.get(e.parentId);
    return parent === undefined || guard > 64 ? 0 : 1 + depth(parent, guard + 1);
  };
  return adds
    .map((e) => ({ e, d: depth(e) }))
    .sort((a, b) => a.d - b.d)
    .map(({ e }) => e);
}

export function applyToSnapshot(
  known: HierarchySnapshot,
  change: { upsert?: FolderEntry; remove?: string },
): HierarchySnapshot {
  const out: Record<string, readonly [string, string, number]> = { ...known };
  if (change.upsert)
    out[change.upsert.collectionId] = [change.upsert.parentId, change.upsert.displayName, change.upsert.type];
  if (change.remove !== undefined) delete out[change.remove];
  return out;
}
