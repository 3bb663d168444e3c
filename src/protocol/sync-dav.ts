import { randomUUID } from 'node:crypto';
import { BackendError, type DavItem, type DavItemStore } from '../backends/types.js';
import {
  ItemDataError,
  ItemSourceError,
  type ItemApplyOptions,
  type ItemRenderOptions,
} from '../model/item-codec.js';
import { itemServerId, parseItemServerId } from '../model/server-id.js';
import {
  bootstrapDavSnapshot,
  DavSyncState,
  readDavSnapshot,
  refreshDav,
  type DavSnapshot,
} from '../sync/dav-state.js';
import { collectionScope, loadKnown } from '../sync/sync-state.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import { clientDerivedHex } from './derived-names.js';
import { mailMeetingChanges } from './meeting-mail.js';
import { holdsComponent, resourceName, type DavClass, type DavCodec } from './dav-class.js';
import {
  closeCollection,
  countSent,
  openCollection,
  statusOnly,
  SyncStatus,
  type CollectionResult,
} from './sync-collection.js';
import type { ClientCommand, SyncCollectionRequest } from './sync-request.js';
import { versionByte } from './version.js';

// One calendar, task list or address book of a Sync request (MS-ASCMD 2.2.1.21 with MS-ASCAL,
// MS-ASTASK, MS-ASCNTC items over CalDAV/CardDAV): the device's changes become conditional PUTs
// and DELETEs, then the server's changes since the sync token go out, and the new state is
// committed once the answer is built.

export interface DavCollectionRef {
  readonly key: string;
  readonly collectionId: string;
  readonly cls: DavClass;
  readonly store: DavItemStore;
}

/** Where a retried Add (same ClientId) finds the item it made. */
const addScope = (collectionId: string): string => `dav-add:${collectionId}`;

export async function syncDavCollection(
  req: SyncCollectionRequest,
  ref: DavCollectionRef,
  windowSize: number,
  ctx: CommandContext,
): Promise<CollectionResult> {
  const { store } = ref;
  // The Supported list comes with SyncKey 0 only and holds for every later Sync of the folder.
  const bootstrap = (): DavSnapshot =>
    req.supported === undefined
      ? bootstrapDavSnapshot()
      : { ...bootstrapDavSnapshot(), supported: req.supported };
  const opened = await openCollection(req, ctx, bootstrap, readDavSnapshot);
  if (opened.done) return opened.done;
  const { known, snapshot } = opened;
  const s = new DavSyncState(snapshot);
  const before = JSON.stringify(s.snapshot());
  // A replay: the device lost our last answer. ETags our last answer wrote are ours, not conflicts.
  const ownEtags =
    known.which === 'previous' && known.currentKey !== undefined
      ? await etagsOf(ctx, collectionScope(req.collectionId), known.currentKey)
      : new Map<string, string>();
  const io = new DavIo(ref, store, s, ownEtags, req, ctx);

  const responses = await io.applyClientCommands();
  const commands: WbxmlElement[] = [];
  let moreAvailable = false;
  if (req.getChanges !== false) {
    await refreshDav(s, store, ref.key, ref.cls.inWindow ? req.options.filterType : 0, ctx.signal);
    const window = s.takeWindow(windowSize);
    commands.push(...(await io.renderWindow(window.gone, window.names)));
    moreAvailable = window.moreAvailable;
    countSent(ref.cls.itemClass, commands, ctx);
  }

  return closeCollection(
    req,
    ctx,
    known,
    { snapshot: s.snapshot() satisfies DavSnapshot, unchanged: JSON.stringify(s.snapshot()) === before },
    { commands, responses, moreAvailable },
  );
}

async function etagsOf(ctx: CommandContext, scope: string, syncKey: string): Promise<Map<string, string>> {
  const current = await loadKnown<unknown>(ctx.state, ctx.device, scope, syncKey);
  const snapshot = current && readDavSnapshot(current.snapshot);
  return new Map(Object.values(snapshot?.has ?? {}).map(([name, etag]) => [name, etag]));
}

/** The work of one collection in one request, with what it shares: the store, state and options. */
class DavIo {
  private readonly renderOptions: ItemRenderOptions;
  private readonly codec: DavCodec;

  constructor(
    private readonly ref: DavCollectionRef,
    private readonly store: DavItemStore,
    private readonly s: DavSyncState,
    private readonly ownEtags: ReadonlyMap<string, string>,
    private readonly req: SyncCollectionRequest,
    private readonly ctx: CommandContext,
  ) {
    this.codec = ref.cls.codecFor([ctx.principal.email, ...ctx.principal.aliases]);
    this.renderOptions = {
      versionRank: versionByte(ctx.request.version),
      bodyPreferences: req.options.bodyPreferences,
    };
  }

  private get applyOptions(): ItemApplyOptions {
    const supported = this.s.supported;
    return {
      versionRank: this.renderOptions.versionRank,
      newUid: () => randomUUID(),
      now: this.ctx.now(),
      ...(supported !== undefined ? { supported: new Set(supported) } : {}),
    };
  }

  private idOf(serverId: string): number | undefined {
    const parsed = parseItemServerId(serverId);
    return parsed?.collectionId === this.ref.collectionId && this.s.has.has(parsed.uid)
      ? parsed.uid
      : undefined;
  }

  private serverId(id: number): string {
    return itemServerId(this.ref.collectionId, id);
  }

  async applyClientCommands(): Promise<WbxmlElement[]> {
    const out: WbxmlElement[] = [];
    for (const command of this.req.commands) {
      const answer = await this.applyOne(command);
      if (answer !== undefined) out.push(answer);
    }
    return out;
  }

  private async applyOne(command: ClientCommand): Promise<WbxmlElement | undefined> {
    try {
      switch (command.kind) {
        case 'add':
          return await this.add(command.clientId, command.data);
        case 'change':
          return await this.change(command.serverId, command.data);
        case 'delete':
          return await this.delete(command.serverId, command.instanceId);
        case 'fetch':
          return await this.fetch(command.serverId);
      }
    } catch (err) {
      const status = statusOfItemError(err);
      if (status === undefined) throw err;
      this.ctx.log.warn(
        { collectionId: this.ref.collectionId, command: command.kind, err: (err as Error).message },
        'a device change could not be stored',
      );
      if (err instanceof BackendError) this.ctx.metrics?.backendError(err.kind);
      return command.kind === 'add'
        ? el('AirSync:Add', el('AirSync:ClientId', command.clientId), el('AirSync:Status', status))
        : statusOnly(TAG_OF_KIND[command.kind], command.serverId, status);
    }
  }

  /** MS-ASCMD 2.2.3.7.2: the Add is answered with the new ServerId; a retried ClientId finds the first. */
  private async add(clientId: string, data: WbxmlElement | undefined): Promise<WbxmlElement> {
    const answer = (status: number, id?: number): WbxmlElement =>
      el(
        'AirSync:Add',
        el('AirSync:ClientId', clientId),
        id !== undefined && el('AirSync:ServerId', this.serverId(id)),
        el('AirSync:Status', status),
      );
    if (data === undefined) return answer(SyncStatus.ProtocolError);
    const scope = addScope(this.ref.collectionId);
    const earlier =
      clientId === '' ? undefined : await this.ctx.state.lookupClientId(this.ctx.device, scope, clientId);
    const remembered = earlier === undefined ? undefined : parseRemembered(earlier);
    if (remembered !== undefined) {
      this.ctx.log.info(
        { collectionId: this.ref.collectionId, clientId },
        'Add already stored; the device retried',
      );
      this.s.next = Math.max(this.s.next, remembered.id + 1);
      this.s.track(remembered.id, remembered);
      return answer(SyncStatus.Success, remembered.id);
    }
    // The new item's UID, and so its resource name, follows from the device's ClientId: an Add
    // retried after a crash between the PUT and recording the ClientId finds what the first made.
    const derived = clientId === '' ? undefined : this.uidForClientId(clientId);
    let first = derived;
    const newUid = (): string => {
      const uid = first ?? randomUUID();
      first = undefined;
      return uid;
    };
    const item = this.codec.apply(data, undefined, { ...this.applyOptions, newUid });
    const name = resourceName(item.uid, this.ref.cls.extension);
    const made = await this.store
      .putItem(this.ref.key, name, item.text, { ifNoneMatch: '*' }, this.ctx.signal)
      .then(
        (version) => ({ version, now: true }),
        async (err: unknown) => {
          const ours = isPrecondition(err) && derived !== undefined && item.uid === derived;
          const there = ours ? await this.current(name) : undefined;
          if (there === undefined) throw err;
          this.ctx.log.info(
            { collectionId: this.ref.collectionId, clientId },
            'Add found stored by an earlier try',
          );
          return { version: { name, etag: there.etag }, now: false };
        },
      );
    const id = this.s.added(made.version);
    // At most once: after a crash the meeting mail of the first try may or may not have gone out.
    if (made.now) await this.meetingMail(undefined, item.text);
    if (clientId !== '')
      await this.ctx.state.recordClientId(
        this.ctx.device,
        scope,
        clientId,
        JSON.stringify({ id, ...made.version }),
      );
    return answer(SyncStatus.Success, id);
  }

  /** A UUID-shaped name unique to this device, collection and ClientId (RFC 4122 layout, SHA-256). */
  private uidForClientId(clientId: string): string {
    const hex = clientDerivedHex(this.ctx.device, this.ref.collectionId, clientId);
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join('-');
  }

  /** Only failures are answered (MS-ASCMD 2.2.3.24). */
  private async change(serverId: string, data: WbxmlElement | undefined): Promise<WbxmlElement | undefined> {
    const id = this.idOf(serverId);
    if (id === undefined) return statusOnly('AirSync:Change', serverId, SyncStatus.ObjectNotFound);
    if (data === undefined) return statusOnly('AirSync:Change', serverId, SyncStatus.ProtocolError);
    const [name, deviceEtag] = this.s.has.get(id)!;
    const current = await this.current(name);
    if (current === undefined) {
      this.s.gone.add(id);
      return statusOnly('AirSync:Change', serverId, SyncStatus.ObjectNotFound);
    }
    if (this.serverWins(name, deviceEtag, current.etag)) {
      // MS-ASCMD 2.2.3.35: the server's version stays and goes to the device with this Sync.
      this.s.pending.set(name, current.etag);
      return statusOnly('AirSync:Change', serverId, SyncStatus.Conflict);
    }
    const item = this.codec.apply(data, current.text, this.applyOptions);
    const answer = await this.write(id, serverId, name, item.text, current.etag, 'AirSync:Change');
    if (answer === undefined) await this.meetingMail(current.text, item.text);
    return answer;
  }

  private async delete(serverId: string, instanceId: string | undefined): Promise<WbxmlElement | undefined> {
    const id = this.idOf(serverId);
    // Already gone on both sides: nothing to say (a Delete is answered only when it fails).
    if (id === undefined) return undefined;
    const [name, deviceEtag] = this.s.has.get(id)!;
    if (instanceId !== undefined && this.codec.deleteOccurrence !== undefined) {
      const current = await this.current(name);
      if (current === undefined) {
        this.s.dropped(id);
        return undefined;
      }
      const item = this.codec.deleteOccurrence(current.text, instanceId, this.applyOptions);
      const answer = await this.write(id, serverId, name, item.text, current.etag, 'AirSync:Delete');
      if (answer === undefined) await this.meetingMail(current.text, item.text);
      return answer;
    }
    // The organizer's deletion cancels the meeting for its attendees.
    const before = this.ref.cls.itemClass === 'Calendar' ? await this.current(name) : undefined;
    try {
      const ifMatch = this.req.options.conflict === 1 && !this.ownEtags.has(name) ? deviceEtag : undefined;
      await this.store.deleteItem(this.ref.key, name, ifMatch, this.ctx.signal);
    } catch (err) {
      if (!(err instanceof BackendError)) throw err;
      if (err.kind === 'precondition') {
        // Changed on the server since the device saw it, and the server wins: it comes back.
        this.s.dropped(id);
        this.s.pending.set(name, 'changed');
        return undefined;
      }
      if (err.kind !== 'not-found') throw err;
    }
    this.s.dropped(id);
    if (before !== undefined) await this.meetingMail(before.text, undefined);
    return undefined;
  }

  private async meetingMail(before: string | undefined, after: string | undefined): Promise<void> {
    if (this.ref.cls.itemClass === 'Calendar') await mailMeetingChanges(this.ctx, before, after);
  }

  private async fetch(serverId: string): Promise<WbxmlElement> {
    const id = this.idOf(serverId);
    const name = id === undefined ? undefined : this.s.has.get(id)?.[0];
    const current = name === undefined ? undefined : await this.current(name);
    if (current === undefined) return statusOnly('AirSync:Fetch', serverId, SyncStatus.ObjectNotFound);
    return el(
      'AirSync:Fetch',
      el('AirSync:ServerId', serverId),
      el('AirSync:Status', SyncStatus.Success),
      el('AirSync:ApplicationData', this.codec.render(current.text, this.renderOptions)),
    );
  }

  private serverWins(name: string, deviceEtag: string, serverEtag: string): boolean {
    if (this.req.options.conflict === 0) return false;
    return serverEtag !== deviceEtag && serverEtag !== this.ownEtags.get(name);
  }

  private async write(
    id: number,
    serverId: string,
    name: string,
    text: string,
    etag: string,
    tag: 'AirSync:Change' | 'AirSync:Delete',
  ): Promise<WbxmlElement | undefined> {
    try {
      const version = await this.store.putItem(this.ref.key, name, text, { ifMatch: etag }, this.ctx.signal);
      this.s.track(id, version);
      return undefined;
    } catch (err) {
      // Written by someone else between our read and our PUT: the server's version wins.
      if (!(err instanceof BackendError) || err.kind !== 'precondition') throw err;
      this.s.pending.set(name, 'changed');
      return statusOnly(tag, serverId, SyncStatus.Conflict);
    }
  }

  private async current(name: string): Promise<DavItem | undefined> {
    const [item] = await this.store.getItems(this.ref.key, [name], this.ctx.signal);
    return item;
  }

  /** Deletes, then Adds and Changes of the fetched items; what is not of this class is left out. */
  async renderWindow(gone: readonly number[], names: readonly string[]): Promise<WbxmlElement[]> {
    const out: WbxmlElement[] = [];
    for (const id of gone) {
      this.s.dropped(id);
      out.push(el('AirSync:Delete', el('AirSync:ServerId', this.serverId(id))));
    }
    if (names.length === 0) return out;
    const items = new Map(
      (await this.store.getItems(this.ref.key, names, this.ctx.signal)).map((i) => [i.name, i]),
    );
    const now = this.ctx.now();
    for (const name of names) {
      const item = items.get(name);
      const id = this.s.idOfName.get(name);
      if (item === undefined) {
        // Deleted between the listing and now.
        this.s.pending.delete(name);
        if (id !== undefined) {
          this.s.dropped(id);
          out.push(el('AirSync:Delete', el('AirSync:ServerId', this.serverId(id))));
        }
        continue;
      }
      const command = this.renderItem(item, id, now);
      if (command !== undefined) out.push(command);
    }
    return out;
  }

  private renderItem(item: DavItem, id: number | undefined, now: Date): WbxmlElement | undefined {
    const { cls } = this.ref;
    const leaveOut = (softDelete: boolean): WbxmlElement | undefined => {
      this.s.skip(item.name, item.etag);
      if (id === undefined) return undefined;
      this.s.dropped(id);
      return el(
        softDelete ? 'AirSync:SoftDelete' : 'AirSync:Delete',
        el('AirSync:ServerId', this.serverId(id)),
      );
    };
    if (!holdsComponent(item.text, cls.component)) return leaveOut(false);
    if (cls.inWindow !== undefined && this.s.filter !== 0 && !cls.inWindow(item.text, this.s.filter, now))
      // MS-ASCMD 2.2.3.168: an item leaving the filter window is soft-deleted from the device.
      return leaveOut(true);
    const held = id === undefined ? undefined : this.s.has.get(id);
    if (held !== undefined && held[1] === item.etag) {
      this.s.pending.delete(item.name);
      return undefined;
    }
    let fields: WbxmlElement[];
    try {
      fields = this.codec.render(item.text, this.renderOptions);
    } catch (err) {
      if (!(err instanceof ItemSourceError)) throw err;
      this.ctx.log.warn(
        { collectionId: this.ref.collectionId, item: item.name, err: err.message },
        'unreadable item left out',
      );
      return leaveOut(false);
    }
    if (id !== undefined) {
      this.s.track(id, item);
      return el(
        'AirSync:Change',
        el('AirSync:ServerId', this.serverId(id)),
        el('AirSync:ApplicationData', fields),
      );
    }
    const newId = this.s.added(item);
    return el(
      'AirSync:Add',
      el('AirSync:ServerId', this.serverId(newId)),
      el('AirSync:ApplicationData', fields),
    );
  }
}

const TAG_OF_KIND = {
  change: 'AirSync:Change',
  delete: 'AirSync:Delete',
  fetch: 'AirSync:Fetch',
} as const;

function isPrecondition(err: unknown): boolean {
  return err instanceof BackendError && err.kind === 'precondition';
}

/** The Sync Status of one item that failed, or undefined when the whole collection must fail. */
function statusOfItemError(err: unknown): number | undefined {
  if (err instanceof ItemDataError) return SyncStatus.ConversionError;
  if (err instanceof BackendError) {
    if (err.kind === 'not-found') return SyncStatus.ObjectNotFound;
    if (err.kind === 'precondition' || err.kind === 'conflict' || err.kind === 'exists')
      return SyncStatus.Conflict;
    if (err.kind === 'permanent' || err.kind === 'quota') return SyncStatus.ServerError;
  }
  return undefined;
}

function parseRemembered(value: string): { id: number; name: string; etag: string } | undefined {
  try {
    const v = JSON.parse(value) as { id?: unknown; name?: unknown; etag?: unknown };
    if (typeof v.id === 'number' && typeof v.name === 'string' && typeof v.etag === 'string')
      return { id: v.id, name: v.name, etag: v.etag };
  } catch {
    // Not ours: treated as unknown.
  }
  return undefined;
}
