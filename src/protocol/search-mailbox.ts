import { BackendError, type MailFolder, type MailSearchHit } from '../backends/types.js';
import {
  EMAIL_HEADER_FIELDS,
  planBodyFetches,
  renderEmail,
  type EmailRenderOptions,
} from '../model/email/index.js';
import type { BodyFetch, MailMessage } from '../model/mail-message.js';
import { itemServerId, parseItemServerId } from '../model/server-id.js';
import { folderMapKey } from '../sync/hierarchy.js';
import type { WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import { resolveCollection } from './mail-collection.js';
import { rowsOf, type RowRange } from './search-range.js';
import { fileReferenceOf } from './sync-mail.js';
import type { ItemOptions } from './sync-options.js';
import { versionByte } from './version.js';

// The mailbox part of Search (MS-ASCMD 2.2.1.16, Store Name "Mailbox") and Find (2.2.1.2,
// MailBoxSearchCriterion): which folders, the backend's search under a time budget, the Range's
// rows rendered as Email items.

/**
 * How long the backend may search. Gmail for Android gives up after about 30 s without an answer,
 * and the rows still have to be fetched and rendered after the search: past this the client gets
 * Status 10 (Search) and can narrow its query.
 */
export const SEARCH_BUDGET_MS = 20_000;

export interface MailboxCriteria {
  /** CollectionIds to search; none means every mail folder (MS-ASCMD 2.2.3.41 DeepTraversal). */
  readonly collectionIds: readonly string[];
  /** The folders' subfolders too (MS-ASCMD 2.2.3.41). */
  readonly deepTraversal: boolean;
  /** airsync:Class values asked for; only Email lives in mail folders. */
  readonly classes: readonly string[];
  readonly freeText?: string;
  readonly receivedAfter?: Date;
  readonly receivedBefore?: Date;
}

export interface MailboxRow {
  readonly collectionId: string;
  readonly folderKey: string;
  readonly uid: number;
}

export type MailboxOutcome =
  | { readonly kind: 'ok'; readonly total: number; readonly rows: readonly MailboxRow[] }
  /** A CollectionId the device has not been given (or another user's). */
  | { readonly kind: 'unknown-collection' }
  | { readonly kind: 'timeout' }
  /** No MailSearch backend is configured. */
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'failed'; readonly error: BackendError };

/**
 * MS-ASCMD 2.2.3.98.3 LongId: opaque to the client, up to 256 characters. Ours is the item's
 * ServerId (`<CollectionId>:<uid>`), so ItemOperations can fetch it with or without the
 * CollectionId beside it, and SmartReply/SmartForward can find the source message.
 */
export function longIdOf(row: MailboxRow): string {
  return itemServerId(row.collectionId, row.uid);
}

/** The collection and ServerId a LongId names, or undefined for a value we never handed out. */
export function itemOfLongId(longId: string): { collectionId: string; serverId: string } | undefined {
  const item = parseItemServerId(longId);
  return item === undefined ? undefined : { collectionId: item.collectionId, serverId: longId };
}

export async function searchMailbox(
  ctx: CommandContext,
  criteria: MailboxCriteria,
  range: RowRange,
  budgetMs: number = SEARCH_BUDGET_MS,
): Promise<MailboxOutcome> {
  const search = ctx.backends.mailSearch;
  if (search === undefined) return { kind: 'unavailable' };
  if (criteria.classes.length > 0 && !criteria.classes.includes('Email'))
    return { kind: 'ok', total: 0, rows: [] };
  const budget = AbortSignal.timeout(budgetMs);
  const signal = AbortSignal.any([ctx.signal, budget]);
  try {
    const scope = await foldersInScope(ctx, criteria, signal);
    if (scope === 'unknown-collection') return { kind: 'unknown-collection' };
    if (scope.length === 0) return { kind: 'ok', total: 0, rows: [] };
    const hits = await search.searchMail(
      {
        folderKeys: scope,
        ...(criteria.freeText !== undefined ? { freeText: criteria.freeText } : {}),
        ...(criteria.receivedAfter ? { receivedAfter: criteria.receivedAfter } : {}),
        ...(criteria.receivedBefore ? { receivedBefore: criteria.receivedBefore } : {}),
      },
      signal,
    );
    return { kind: 'ok', total: hits.length, rows: await rowsFor(ctx, rowsOf(hits, range)) };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (budget.aborted) return { kind: 'timeout' };
    if (err instanceof BackendError && err.kind !== 'auth') return { kind: 'failed', error: err };
    throw err;
  }
}

async function foldersInScope(
  ctx: CommandContext,
  criteria: MailboxCriteria,
  signal: AbortSignal,
): Promise<string[] | 'unknown-collection'> {
  const folders = (await ctx.backends.mail.listFolders(signal)).filter((f) => f.role !== 'outbox');
  if (criteria.collectionIds.length === 0) return folders.map((f) => f.key);
  const keys = new Set<string>();
  for (const id of criteria.collectionIds) {
    const resolved = await resolveCollection(ctx, id);
    if (resolved === undefined) return 'unknown-collection';
    // A calendar or address book holds no mail: nothing to find there.
    if (resolved.store !== 'mail') continue;
    // The folder went away since the device's last FolderSync.
    if (!folders.some((f) => f.key === resolved.key)) return 'unknown-collection';
    keys.add(resolved.key);
    if (criteria.deepTraversal) for (const k of descendantsOf(folders, resolved.key)) keys.add(k);
  }
  return folders.filter((f) => keys.has(f.key)).map((f) => f.key);
}

function descendantsOf(folders: readonly MailFolder[], key: string): string[] {
  const out: string[] = [];
  const queue = [key];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const f of folders) {
      if (f.parentKey === parent && !out.includes(f.key)) {
        out.push(f.key);
        queue.push(f.key);
      }
    }
  }
  return out;
}

async function rowsFor(ctx: CommandContext, hits: readonly MailSearchHit[]): Promise<MailboxRow[]> {
  const ids = new Map<string, string>();
  const out: MailboxRow[] = [];
  for (const h of hits) {
    let collectionId = ids.get(h.folderKey);
    if (collectionId === undefined) {
      collectionId = await ctx.state.collectionIdFor(
        ctx.principal.id,
        folderMapKey({ store: 'mail', key: h.folderKey }),
      );
      ids.set(h.folderKey, collectionId);
    }
    out.push({ collectionId, folderKey: h.folderKey, uid: h.uid });
  }
  return out;
}

export interface RenderedRow {
  readonly row: MailboxRow;
  readonly message: MailMessage;
  /** The Email item's fields, as Sync would send them. */
  readonly fields: WbxmlElement[];
}

/**
 * The rows as Email items in the rows' order: one FETCH per folder for the structures and one
 * per distinct body part; a message expunged since the search is left out.
 */
export async function renderRows(
  ctx: CommandContext,
  rows: readonly MailboxRow[],
  options: ItemOptions,
): Promise<RenderedRow[]> {
  const store = ctx.backends.mail;
  const byFolder = new Map<string, MailboxRow[]>();
  for (const r of rows) byFolder.set(r.folderKey, [...(byFolder.get(r.folderKey) ?? []), r]);
  const rendered = new Map<string, RenderedRow>();
  for (const [folderKey, folderRows] of byFolder) {
    const collectionId = folderRows[0]!.collectionId;
    const optionsFor = (uid: number): EmailRenderOptions => ({
      versionRank: versionByte(ctx.request.version),
      bodyPreferences: options.bodyPreferences,
      mimeSupport: options.mimeSupport,
      fileReference: (section) => fileReferenceOf(collectionId, uid, section),
    });
    const uids = folderRows.map((r) => r.uid);
    const messages = await store.fetchMessages(folderKey, uids, EMAIL_HEADER_FIELDS, ctx.signal);
    const plans = new Map<number, readonly BodyFetch[]>();
    for (const m of messages) {
      const plan = planBodyFetches(m, optionsFor(m.uid));
      if (plan.length > 0) plans.set(m.uid, plan);
    }
    const bodies = await store.fetchBodies(folderKey, plans, ctx.signal);
    for (const m of messages) {
      const row = folderRows.find((r) => r.uid === m.uid)!;
      const fields = renderEmail(m, bodies.get(m.uid) ?? new Map(), optionsFor(m.uid));
      rendered.set(longIdOf(row), { row, message: m, fields });
    }
  }
  return rows.flatMap((r) => rendered.get(longIdOf(r)) ?? []);
}
