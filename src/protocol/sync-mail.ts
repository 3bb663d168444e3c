import type { BackendError } from '../backends/types.js';
import { type MessageStore } from '../backends/types.js';
import {
  EmailChangeError,
  keywordChanges,
  parseEmailChange,
  type EmailRenderOptions,
} from '../model/email/index.js';
import { draftFieldsOf, draftToMime, editsDraft, mergeDraft, type DraftFields } from '../model/draft-mime.js';
import { OutgoingMessageError, prepareOutgoing } from '../model/outgoing.js';
import { itemServerId, parseItemServerId } from '../model/server-id.js';
import { INITIAL_SYNC_KEY } from '../model/sync-key.js';
import { UidSet } from '../model/uid-set.js';
import { renderEmailFlagChanges, renderEmailItems, type RenderedEmail } from '../sync/mail-items.js';
import {
  bootstrapSnapshot,
  MailSyncState,
  readSnapshot,
  refresh,
  takeWindow,
  type MailSnapshot,
} from '../sync/mail-state.js';
import { applyMoveNotes, lastMoveNote } from '../sync/moved-items.js';
import { collectionScope } from '../sync/sync-state.js';
import { childText, el, text, type WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import type { ClientCommand, SyncCollectionRequest } from './sync-request.js';
import type { ItemOptions } from './sync-options.js';
import { atLeast, versionByte } from './version.js';
import { fileInSent, submitMessage } from './mail-submission.js';
import { CommonStatus, EasError } from './status.js';
import {
  closeCollection,
  countSent,
  failed,
  openCollection,
  statusOnly,
  SyncStatus,
  type CollectionResult,
} from './sync-collection.js';

// One Email collection of a Sync request (MS-ASCMD 2.2.1.21, MS-ASEMAIL): the device's own
// changes first, then the server's, and the new state committed only once the answer is built.

export interface MailFolderRef {
  readonly key: string;
  readonly collectionId: string;
}

export async function syncMailCollection(
  req: SyncCollectionRequest,
  folder: MailFolderRef,
  windowSize: number,
  ctx: CommandContext,
): Promise<CollectionResult> {
  const { state, device } = ctx;
  // A new state has seen every MoveItems note so far (moved-items.ts).
  const notesSoFar =
    req.syncKey === INITIAL_SYNC_KEY ? await lastMoveNote(state, device, ctx.now().getTime()) : 0;
  const opened = await openCollection(
    req,
    ctx,
    () => ({ ...bootstrapSnapshot(), moves: notesSoFar }),
    readSnapshot,
  );
  if (opened.done) return opened.done;
  const { known, snapshot } = opened;
  const s = new MailSyncState(snapshot);
  const before = JSON.stringify(s.snapshot());
  const store = ctx.backends.mail;
  const render = renderOptionsFor(req.options, req.collectionId, ctx);

  // The device's own moves into and out of this folder first: its commands may name a message it
  // moved here, and the server's delta must find such a message known.
  await applyMoveNotes(state, device, req.collectionId, s, ctx.now().getTime());
  const responses = await applyClientCommands(req, folder, s, render, ctx);

  const commands: WbxmlElement[] = [];
  let moreAvailable = false;
  if (req.getChanges !== false) {
    // While a backlog fills whole windows (an initial sync), the server is not asked again: what
    // changed meanwhile comes once the backlog is through, and each window costs only its FETCHes.
    const draining = s.primed && s.filter === req.options.filterType && s.pendingCount >= windowSize;
    const listed = s.primed;
    if (
      !draining &&
      (await refresh(s, store, folder.key, req.options.filterType, ctx.now(), ctx.signal)) === 'invalid'
    ) {
      // The folder was recreated (UIDVALIDITY): only this collection starts over.
      ctx.log.warn({ collectionId: req.collectionId }, 'UIDVALIDITY changed; the device must resync');
      await state.resetSyncState(device, collectionScope(req.collectionId));
      return failed(req.collectionId, SyncStatus.InvalidSyncKey);
    }
    if (!listed) await applyMoveNotes(state, device, req.collectionId, s, ctx.now().getTime());
    const window = takeWindow(s, windowSize);
    const rendered = await renderWindow(store, folder.key, req.collectionId, s, window, render, ctx);
    moreAvailable = window.moreAvailable || rendered.deferred;
    ctx.log.debug(
      {
        collectionId: req.collectionId,
        syncKey: req.syncKey,
        replay: known.which === 'previous',
        adds: window.adds,
        changes: window.changes,
        deletes: window.deletes,
        deferred: rendered.deferred,
      },
      'Sync window',
    );
    commands.push(...rendered.commands);
    countSent('Email', rendered.commands, ctx);
  }

  s.releaseLaterDeletes();
  return closeCollection(
    req,
    ctx,
    known,
    { snapshot: s.snapshot() satisfies MailSnapshot, unchanged: JSON.stringify(s.snapshot()) === before },
    { commands, responses, moreAvailable },
  );
}

/** Render options per message: FileReferences name the item, so each message gets its own. */
export function renderOptionsFor(
  options: ItemOptions,
  collectionId: string,
  ctx: CommandContext,
): (uid: number) => EmailRenderOptions {
  const base = {
    versionRank: versionByte(ctx.request.version),
    bodyPreferences: options.bodyPreferences,
    mimeSupport: options.mimeSupport,
  };
  return (uid) => ({
    ...base,
    fileReference: (section: string) => fileReferenceOf(collectionId, uid, section),
  });
}

/** AirSyncBase:FileReference of an attachment: collection, message and MIME section. */
export function fileReferenceOf(collectionId: string, uid: number, section: string): string {
  return `${collectionId}:${uid}:${section}`;
}

export function parseFileReference(
  ref: string,
): { collectionId: string; uid: number; section: string } | undefined {
  const m = /^([^:]+):(\d{1,10}):(\d+(?:\.\d+)*)$/.exec(ref);
  return m ? { collectionId: m[1] as string, uid: Number(m[2]), section: m[3] as string } : undefined;
}

async function renderWindow(
  store: MessageStore,
  folderKey: string,
  collectionId: string,
  s: MailSyncState,
  window: ReturnType<typeof takeWindow>,
  render: (uid: number) => EmailRenderOptions,
  ctx: CommandContext,
): Promise<{ commands: WbxmlElement[]; deferred: boolean }> {
  const id = (uid: number): string => itemServerId(collectionId, uid);
  const [changed, added] = await Promise.all([
    renderEmailFlagChanges(store, folderKey, window.changes, versionByte(ctx.request.version), ctx.signal),
    renderWithinBudget(store, folderKey, window.adds, render, ctx),
  ]);
  const out: WbxmlElement[] = [];
  const vanished: number[] = [];
  for (const uid of window.deletes) out.push(el('AirSync:Delete', el('AirSync:ServerId', id(uid))));
  for (const uid of window.softDeletes) out.push(el('AirSync:SoftDelete', el('AirSync:ServerId', id(uid))));
  for (const uid of window.changes) {
    const item = changed.get(uid);
    if (item === undefined) {
      // Expunged between the listing and now: the device learns it as a deletion right away.
      vanished.push(uid);
      out.push(el('AirSync:Delete', el('AirSync:ServerId', id(uid))));
      continue;
    }
    s.flags?.set(uid, item.flagsKey);
    out.push(
      el('AirSync:Change', el('AirSync:ServerId', id(uid)), el('AirSync:ApplicationData', item.fields)),
    );
  }
  const deferred: number[] = [];
  for (const uid of window.adds) {
    if (!added.done.has(uid)) {
      deferred.push(uid);
      continue;
    }
    const item = added.items.get(uid);
    if (item === undefined) {
      vanished.push(uid);
      continue;
    }
    s.flags?.set(uid, item.flagsKey);
    out.push(el('AirSync:Add', el('AirSync:ServerId', id(uid)), el('AirSync:ApplicationData', item.fields)));
  }
  s.forgetServerSide(UidSet.of(vanished));
  s.putBack(deferred);
  return { commands: out, deferred: deferred.length > 0 };
}

// Gmail for Android gives up on a request after about 30 s without a byte (shared/DESIGN.md):
// additions are rendered in chunks and whatever is left when the budget runs out waits for the
// next Sync (MoreAvailable) instead of holding the answer back.
const RENDER_BUDGET_MS = 15_000;
const RENDER_CHUNK = 100;

async function renderWithinBudget(
  store: MessageStore,
  folderKey: string,
  uids: readonly number[],
  render: (uid: number) => EmailRenderOptions,
  ctx: CommandContext,
): Promise<{ items: Map<number, RenderedEmail>; done: Set<number> }> {
  const items = new Map<number, RenderedEmail>();
  const done = new Set<number>();
  const deadline = Date.now() + RENDER_BUDGET_MS;
  for (let i = 0; i < uids.length; i += RENDER_CHUNK) {
    // The first chunk always goes out, however slow: a Sync must make progress.
    if (i > 0 && Date.now() > deadline) break;
    const chunk = uids.slice(i, i + RENDER_CHUNK);
    for (const [uid, item] of await renderEmailItems(store, folderKey, chunk, render, ctx.signal))
      items.set(uid, item);
    for (const uid of chunk) done.add(uid);
  }
  return { items, done };
}

// --- the device's own changes -------------------------------------------------------------------

async function applyClientCommands(
  req: SyncCollectionRequest,
  folder: MailFolderRef,
  s: MailSyncState,
  render: (uid: number) => EmailRenderOptions,
  ctx: CommandContext,
): Promise<WbxmlElement[]> {
  const responses: WbxmlElement[] = [];
  const uidOf = (serverId: string): number | undefined => {
    const parsed = parseItemServerId(serverId);
    return parsed?.collectionId === req.collectionId ? parsed.uid : undefined;
  };
  const deletes: number[] = [];
  const fetches: { serverId: string; uid: number | undefined }[] = [];
  for (const command of req.commands) {
    if (command.kind === 'delete') {
      const uid = uidOf(command.serverId);
      // MS-ASCMD 2.2.3.154: a failed Delete is reported; a ServerId of another folder never acts.
      if (uid === undefined)
        responses.push(statusOnly('AirSync:Delete', command.serverId, SyncStatus.ObjectNotFound));
      else deletes.push(uid);
    } else if (command.kind === 'change') {
      const status = await applyChange(
        command,
        uidOf(command.serverId),
        folder,
        s,
        req.options.conflict,
        ctx,
      );
      if (status !== SyncStatus.Success)
        responses.push(statusOnly('AirSync:Change', command.serverId, status));
    } else if (command.kind === 'fetch') {
      fetches.push({ serverId: command.serverId, uid: uidOf(command.serverId) });
    } else {
      responses.push(await applyDraftAdd(command, folder, s, ctx));
    }
  }
  if (deletes.length > 0) await applyDeletes(deletes, req.deletesAsMoves, folder, s, ctx);
  if (fetches.length > 0) responses.push(...(await applyFetches(fetches, folder, render, ctx)));
  return responses;
}

/**
 * MS-ASEMAIL 3.1.5.3: from 16.0 a device saves drafts as Adds in the Drafts folder; anywhere else
 * mail arrives by delivery and SendMail. A retried Add (same ClientId) finds the draft it made.
 */
async function applyDraftAdd(
  command: Extract<ClientCommand, { kind: 'add' }>,
  folder: MailFolderRef,
  s: MailSyncState,
  ctx: CommandContext,
): Promise<WbxmlElement> {
  const answer = (status: number, uid?: number) =>
    el(
      'AirSync:Add',
      el('AirSync:ClientId', command.clientId),
      uid !== undefined && el('AirSync:ServerId', itemServerId(folder.collectionId, uid)),
      el('AirSync:Status', status),
    );
  const store = ctx.backends.mail;
  const inDrafts = (await store.listFolders(ctx.signal)).find((f) => f.key === folder.key)?.role === 'drafts';
  if (
    !atLeast(ctx.request.version, '16.0') ||
    !inDrafts ||
    command.data === undefined ||
    command.clientId === ''
  )
    return answer(SyncStatus.ConversionError);
  const scope = collectionScope(folder.collectionId);
  const earlier = await ctx.state.lookupClientId(ctx.device, scope, command.clientId);
  const earlierUid = earlier === undefined ? undefined : parseItemServerId(earlier)?.uid;
  if (earlierUid !== undefined) return answer(SyncStatus.Success, earlierUid);
  const raw = draftToMime(draftFieldsOf(command.data), ctx.principal.email, ctx.now());
  const uid = await store.appendMessage(folder.key, raw, ['\\Draft', '\\Seen'], ctx.signal);
  if (uid === undefined) return answer(SyncStatus.ServerError);
  const send = childText(command.data, 'Email2:Send') === '1';
  if (send) {
    const status = await sendDraft(raw, folder, uid, true, ctx);
    if (status !== SyncStatus.Success) return answer(status);
  }
  await ctx.state.recordClientId(ctx.device, scope, command.clientId, itemServerId(folder.collectionId, uid));
  // A sent draft is gone from Drafts: the device, which keeps it under this ServerId, hears a
  // Delete in its next Sync (in this answer the Delete would come before the Add's response).
  if (send) s.deleteNextTime([uid]);
  else s.deviceHas([uid]);
  return answer(SyncStatus.Success, uid);
}

/**
 * MS-ASEMAIL 2.2.2.72 Send (16.0+): the draft goes out over SMTP, is filed in Sent and leaves
 * Drafts. If sending fails, a draft the same request added is removed again (`removeOnFailure`),
 * so the retried Add starts afresh; a draft saved earlier stays.
 */
async function sendDraft(
  raw: Uint8Array,
  folder: MailFolderRef,
  uid: number,
  removeOnFailure: boolean,
  ctx: CommandContext,
): Promise<number> {
  const store = ctx.backends.mail;
  try {
    const out = prepareOutgoing(raw, { sender: ctx.principal.email, now: ctx.now() });
    await submitMessage(ctx, out);
    await fileInSent(ctx, out);
    await store.expungeMessages(folder.key, [uid], ctx.signal);
    return SyncStatus.Success;
  } catch (err) {
    if (removeOnFailure) await store.expungeMessages(folder.key, [uid], ctx.signal).catch(() => undefined);
    if (err instanceof OutgoingMessageError) return SyncStatus.ConversionError;
    if (!(err instanceof EasError)) throw err;
    ctx.log.warn({ err: err.message, status: err.status }, 'sending a draft failed');
    return err.status === CommonStatus.ServerErrorRetryLater ? SyncStatus.Retry : SyncStatus.ServerError;
  }
}

/**
 * MS-ASEMAIL 3.1.5.3: a 16.x device edits (or sends, Email2:Send) a draft it saved. IMAP cannot
 * edit a message, so the edited draft is appended anew and the old one removed: the device sees
 * the old ServerId deleted and the new one added.
 */
async function applyDraftChange(
  data: WbxmlElement,
  uid: number,
  folder: MailFolderRef,
  ctx: CommandContext,
): Promise<number> {
  const store = ctx.backends.mail;
  if ((await store.listFolders(ctx.signal)).find((f) => f.key === folder.key)?.role !== 'drafts')
    return SyncStatus.ConversionError;
  const existing = await existingDraft(folder, uid, ctx);
  if (existing === undefined) return SyncStatus.ObjectNotFound;
  const raw = draftToMime(mergeDraft(existing, data), ctx.principal.email, ctx.now());
  // Sent as edited; the draft stays in Drafts if sending fails.
  if (childText(data, 'Email2:Send') === '1') return sendDraft(raw, folder, uid, false, ctx);
  await store.appendMessage(folder.key, raw, ['\\Draft', '\\Seen'], ctx.signal);
  await store.expungeMessages(folder.key, [uid], ctx.signal);
  return SyncStatus.Success;
}

/** The draft's fields as the device knows them: envelope, importance and its body text or HTML. */
async function existingDraft(
  folder: MailFolderRef,
  uid: number,
  ctx: CommandContext,
): Promise<DraftFields | undefined> {
  const store = ctx.backends.mail;
  const [message] = await store.fetchMessages(folder.key, [uid], [], ctx.signal);
  if (message === undefined) return undefined;
  const render = (type: number) =>
    renderEmailItems(
      store,
      folder.key,
      [uid],
      () => ({ versionRank: 161, bodyPreferences: [{ type }], mimeSupport: 0, fileReference: () => '' }),
      ctx.signal,
    );
  const plain = (await render(1)).get(uid)?.fields ?? [];
  const native = plain.find((f) => f.tag === 'AirSyncBase:NativeBodyType');
  const bodyType = text(native) === '2' ? 2 : 1;
  const fields = bodyType === 2 ? ((await render(2)).get(uid)?.fields ?? []) : plain;
  const body = fields.find((f) => f.tag === 'AirSyncBase:Body');
  const list = (a: readonly { name?: string; address?: string }[]) =>
    a.map((x) => (x.name ? `"${x.name}" <${x.address ?? ''}>` : (x.address ?? ''))).join(', ') || undefined;
  const env = message.envelope;
  return {
    to: list(env.to),
    cc: list(env.cc),
    bcc: list(env.bcc),
    subject: env.subject,
    bodyType,
    body: (body && childText(body, 'AirSyncBase:Data')) ?? '',
  };
}

async function applyChange(
  command: Extract<ClientCommand, { kind: 'change' }>,
  uid: number | undefined,
  folder: MailFolderRef,
  s: MailSyncState,
  conflict: 0 | 1,
  ctx: CommandContext,
): Promise<number> {
  if (uid === undefined) return SyncStatus.ObjectNotFound;
  if (command.data === undefined) return SyncStatus.ConversionError;
  if (atLeast(ctx.request.version, '16.0') && editsDraft(command.data))
    return applyDraftChange(command.data, uid, folder, ctx);
  let change;
  try {
    change = parseEmailChange(command.data);
  } catch (err) {
    if (!(err instanceof EmailChangeError)) throw err;
    ctx.log.info({ serverId: command.serverId, err: err.message }, 'malformed Email Change');
    return SyncStatus.ConversionError;
  }
  const store = ctx.backends.mail;
  const { messages } = await store.listFlags(folder.key, String(uid), ctx.signal);
  const current = messages[0];
  if (current === undefined) return SyncStatus.ObjectNotFound;
  // MS-ASCMD 2.2.3.35 Conflict 1 (the default): the server's version wins, the device gets it
  // with this answer's changes and Status 7 for its own.
  if (conflict === 1 && s.changedOnServer(current)) return SyncStatus.Conflict;
  const { add, remove } = keywordChanges(current.flags, change);
  if (add.length === 0 && remove.length === 0) return SyncStatus.Success;
  const after = await store.storeFlags(folder.key, [uid], add, remove, ctx.signal);
  const flagsNow = [...current.flags.filter((f) => !remove.includes(f)), ...add];
  s.ownChanges(after, new Map([[uid, flagsNow]]));
  return SyncStatus.Success;
}

async function applyDeletes(
  uids: readonly number[],
  deletesAsMoves: boolean,
  folder: MailFolderRef,
  s: MailSyncState,
  ctx: CommandContext,
): Promise<void> {
  const store = ctx.backends.mail;
  const folders = deletesAsMoves ? await store.listFolders(ctx.signal) : [];
  const inTrash = folders.find((f) => f.key === folder.key)?.role === 'trash';
  const trash = inTrash ? undefined : folders.find((f) => f.role === 'trash');
  // MS-ASCMD 2.2.3.43 DeletesAsMoves: the item goes to Deleted Items, unless this is that folder.
  let unsure: readonly number[] = uids;
  if (trash !== undefined) {
    const moved = await store.moveMessages(folder.key, uids, trash.key, ctx.signal);
    unsure = uids.filter((uid) => !moved.has(uid));
  } else {
    await store.expungeMessages(folder.key, uids, ctx.signal);
  }
  // A write the server answered OK may have touched nothing: what is still here goes back to the
  // device as an Add, so its view returns to the mailbox instead of silently parting from it.
  const stayed =
    unsure.length === 0
      ? []
      : (await store.listFlags(folder.key, UidSet.of(unsure).toString(), ctx.signal)).messages.map(
          (m) => m.uid,
        );
  if (stayed.length > 0)
    ctx.log.warn({ folder: folder.collectionId, uids: stayed }, 'Delete left messages in place');
  s.forget(uids);
  s.putBack(stayed);
}

async function applyFetches(
  fetches: readonly { serverId: string; uid: number | undefined }[],
  folder: MailFolderRef,
  render: (uid: number) => EmailRenderOptions,
  ctx: CommandContext,
): Promise<WbxmlElement[]> {
  const uids = fetches.flatMap((f) => (f.uid === undefined ? [] : [f.uid]));
  const items =
    uids.length === 0
      ? new Map<number, RenderedEmail>()
      : await renderEmailItems(ctx.backends.mail, folder.key, uids, render, ctx.signal);
  return fetches.map(({ serverId, uid }) => {
    const item = uid === undefined ? undefined : items.get(uid);
    if (item === undefined) return statusOnly('AirSync:Fetch', serverId, SyncStatus.ObjectNotFound);
    return el(
      'AirSync:Fetch',
      el('AirSync:ServerId', serverId),
      el('AirSync:Status', SyncStatus.Success),
      el('AirSync:ApplicationData', item.fields),
    );
  });
}

/** Backend failures a collection reports with its own Status, leaving its state where it was. */
export function statusOfBackendError(err: BackendError): number {
  if (err.kind === 'not-found') return SyncStatus.FolderHierarchyChanged;
  if (err.kind === 'temporary') return SyncStatus.Retry;
  return SyncStatus.ServerError;
}
