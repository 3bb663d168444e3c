import type { FastifyInstance } from 'fastify';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { folderSync } from './eas-requests.js';
import { MailDevice, type CollectionAnswer, type SyncCollectionSpec } from './mail-sync.js';

// A simulated phone: it keeps, per synced folder, what a real client keeps (the SyncKey and, by
// ServerId, the fields it shows) and changes that view only from the answers it applies, as
// MS-ASCMD 2.2.1.21 (Sync), 2.2.1.5 (FolderSync) and 2.2.1.12 (MoveItems) describe. The model-
// based tests compare this view with the mailbox or the DAV collection. What an item is (the
// fields compared) comes from a codec per class: mail and contacts below.

export interface ItemCodec<Item> {
  /** The item an Add's ApplicationData describes. */
  read(data: WbxmlElement): Item;
  /** The item after a Change's ApplicationData. */
  change(item: Item, data: WbxmlElement): Item;
}

export interface FolderView<Item> {
  syncKey: string;
  items: Map<string, Item>;
  /** The device's own Adds not confirmed yet, by ClientId (MS-ASCMD 2.2.3.28). */
  pending: Map<string, Item>;
}

/** Small windows, so that MoreAvailable is part of every run. */
const WINDOW = 3;
/**
 * A folder that still has changes after this many Syncs in a row never becomes quiet. Generous: a
 * shared folder such as Trash may hold hundreds of messages other suites left there, and each
 * Sync brings only WINDOW of them.
 */
const MAX_ROUNDS = 2000;

/** Something the device saw that a correct server never sends (a duplicate Add, …). */
export class DeviceAnomaly extends Error {}

export class SimDevice<Item extends object> {
  readonly wire: MailDevice;
  private folderKey = '0';
  /** FolderSync's view of the hierarchy: DisplayName by ServerId. */
  readonly names = new Map<string, string>();
  /** The folders the device syncs, by CollectionId. */
  readonly views = new Map<string, FolderView<Item>>();
  /** Folder names the device syncs (a renamed folder is followed through its ServerId). */
  private readonly tracked = new Set<string>();
  /** The last Sync request and the view before it, for a retry as if its answer was lost. */
  private last: { collectionId: string; spec: SyncCollectionSpec; before: FolderView<Item> } | undefined;
  /** What happened on the wire, for the report of a failing sequence. */
  readonly journal: string[] = [];

  constructor(
    app: FastifyInstance,
    user: string,
    deviceId: string,
    private readonly codec: ItemCodec<Item>,
  ) {
    this.wire = new MailDevice(app, user, '14.1', deviceId);
  }

  async onboard(): Promise<void> {
    await this.wire.onboard().catch((err: unknown) => {
      throw new Error(`provisioning failed: ${String(err)}`, { cause: err });
    });
    await this.folderSync();
  }

  collectionIdOf(name: string): string {
    const found = [...this.names].find(([, n]) => n === name);
    if (found === undefined)
      throw new Error(`the device has no folder ${name}: ${[...this.names.values()].join(', ')}`);
    return found[0];
  }

  /** Starts syncing a folder (from SyncKey 0) unless the device already does; its CollectionId. */
  track(name: string): string {
    return this.trackId(this.collectionIdOf(name));
  }

  trackId(id: string): string {
    this.tracked.add(id);
    this.ensureViews();
    return id;
  }

  private ensureViews(): void {
    for (const id of this.tracked) if (!this.views.has(id)) this.views.set(id, emptyView<Item>());
  }

  /** Incremental FolderSync; Status 9 (MS-ASCMD 2.2.3.177.5) starts the hierarchy over. */
  async folderSync(): Promise<void> {
    const res = await this.wire.call('FolderSync', folderSync(this.folderKey));
    if (res.status !== 200 || res.body === undefined)
      throw new Error(`FolderSync answered HTTP ${res.status} ${res.text}`);
    const status = childText(res.body!, 'FolderHierarchy:Status');
    if (status === '9') {
      this.journal.push('FolderSync: Status 9, starting over');
      await this.resetAll();
      return;
    }
    if (status !== '1') throw new Error(`FolderSync Status ${status}`);
    this.folderKey = childText(res.body!, 'FolderHierarchy:SyncKey')!;
    const changes = child(res.body!, 'FolderHierarchy:Changes');
    if (changes === undefined) return;
    for (const e of [
      ...elements(changes, 'FolderHierarchy:Add'),
      ...elements(changes, 'FolderHierarchy:Update'),
    ])
      this.names.set(childText(e, 'FolderHierarchy:ServerId')!, childText(e, 'FolderHierarchy:DisplayName')!);
    for (const e of elements(changes, 'FolderHierarchy:Delete')) {
      const id = childText(e, 'FolderHierarchy:ServerId')!;
      this.journal.push(`FolderSync: Delete ${id} (${this.names.get(id)})`);
      this.names.delete(id);
      this.views.delete(id);
      this.tracked.delete(id);
    }
  }

  /**
   * FolderSync with SyncKey 0, as after Status 9 or when the account is added again: every sync
   * state goes (MS-ASCMD 2.2.1.5), so the device drops every folder; those it tracks again start
   * from SyncKey 0.
   */
  async resetAll(): Promise<void> {
    this.folderKey = '0';
    this.names.clear();
    this.views.clear();
    this.tracked.clear();
    this.last = undefined;
    await this.folderSync();
  }

  /** SyncKey 0 for one folder: the device drops what it shows there and syncs it anew. */
  async resetFolder(collectionId: string): Promise<void> {
    this.views.set(collectionId, emptyView<Item>());
    this.last = undefined;
    await this.sync(collectionId);
  }

  /** One Sync of one folder (GetChanges, a small window), with the device's own commands. */
  async sync(collectionId: string, commands: WbxmlElement[] = []): Promise<{ quiet: boolean }> {
    const view = this.view(collectionId);
    const spec: SyncCollectionSpec =
      view.syncKey === '0'
        ? { syncKey: '0', collectionId }
        : { syncKey: view.syncKey, collectionId, windowSize: WINDOW, getChanges: true, commands };
    this.last = { collectionId, spec, before: cloneView(view) };
    return this.send(collectionId, spec);
  }

  /** The last Sync again with the same SyncKey, as if its answer had been lost on the way. */
  async retryLastSync(): Promise<boolean> {
    if (this.last === undefined) return false;
    const { collectionId, spec, before } = this.last;
    if (!this.views.has(collectionId)) return false;
    this.views.set(collectionId, cloneView(before));
    this.journal.push(`retry of Sync ${collectionId} key ${spec.syncKey}`);
    await this.send(collectionId, spec);
    return true;
  }

  /** Syncs the folder until an answer brings nothing and has nothing more available. */
  async syncUntilQuiet(collectionId: string): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if ((await this.sync(collectionId)).quiet) return;
    }
    throw new DeviceAnomaly(`${collectionId} still has changes after ${MAX_ROUNDS} Syncs`);
  }

  /** The device changes an item on its side and sends that Change. */
  async change(collectionId: string, serverId: string, next: Item, data: WbxmlElement[]): Promise<void> {
    this.view(collectionId).items.set(serverId, next);
    await this.sync(collectionId, [
      el('AirSync:Change', el('AirSync:ServerId', serverId), el('AirSync:ApplicationData', data)),
    ]);
  }

  /** The device creates an item and sends the Add under a ClientId of its own. */
  async add(collectionId: string, clientId: string, item: Item, data: WbxmlElement[]): Promise<void> {
    this.view(collectionId).pending.set(clientId, item);
    await this.sync(collectionId, [
      el('AirSync:Add', el('AirSync:ClientId', clientId), el('AirSync:ApplicationData', data)),
    ]);
  }

  /** The device deletes a message (MS-ASCMD 2.2.3.43 DeletesAsMoves: to Deleted Items or gone). */
  async delete(collectionId: string, serverId: string, deletesAsMoves: boolean): Promise<void> {
    this.view(collectionId).items.delete(serverId);
    const view = this.view(collectionId);
    if (view.syncKey === '0') return;
    const spec: SyncCollectionSpec = {
      syncKey: view.syncKey,
      collectionId,
      windowSize: WINDOW,
      getChanges: true,
      deletesAsMoves,
      commands: [el('AirSync:Delete', el('AirSync:ServerId', serverId))],
    };
    this.last = { collectionId, spec, before: cloneView(view) };
    await this.send(collectionId, spec);
  }

  /**
   * MoveItems (MS-ASCMD 2.2.1.12): on Status 3 the device shows the message in the target folder
   * under DstMsgId, with what it showed before; on any other status it leaves it where it was.
   * With `answerLost` the first answer never arrives and the device retries the same request.
   */
  async moveItems(from: string, serverId: string, to: string, answerLost = false): Promise<string> {
    this.last = undefined;
    const request = el(
      'Move:MoveItems',
      el('Move:Move', el('Move:SrcMsgId', serverId), el('Move:SrcFldId', from), el('Move:DstFldId', to)),
    );
    // A lost answer: the device changed nothing and sends the same MoveItems again.
    if (answerLost) this.journal.push(`MoveItems ${serverId} → ${to}: answer lost`);
    if (answerLost) await this.wire.call('MoveItems', request);
    const res = await this.wire.call('MoveItems', request);
    if (res.status !== 200) throw new Error(`MoveItems answered HTTP ${res.status} ${res.text}`);
    const response = child(res.body!, 'Move:Response')!;
    const status = childText(response, 'Move:Status')!;
    const dst = childText(response, 'Move:DstMsgId');
    this.journal.push(`MoveItems ${serverId} → ${to}: Status ${status}${dst ? ` as ${dst}` : ''}`);
    // MS-ASCMD 2.2.3.177.10: Status 1 (the source is gone, or the item was moved out already)
    // is resolved with a FolderSync; the next Syncs must then set the view right.
    if (status === '1') await this.folderSync();
    if (status !== '3') return status;
    const source = this.view(from);
    const item = source.items.get(serverId);
    source.items.delete(serverId);
    const target = this.views.get(to);
    if (item !== undefined && dst !== undefined && target !== undefined) {
      if (target.items.has(dst))
        throw new DeviceAnomaly(`MoveItems gave ${dst}, which the device already shows`);
      target.items.set(dst, { ...item });
    }
    return status;
  }

  private view(collectionId: string): FolderView<Item> {
    const v = this.views.get(collectionId);
    if (v === undefined) throw new Error(`the device does not sync ${collectionId}`);
    return v;
  }

  private async send(collectionId: string, spec: SyncCollectionSpec): Promise<{ quiet: boolean }> {
    const { collections } = await this.wire.sync([spec]);
    const c = collections.get(collectionId);
    // MS-ASCMD 2.2.1.21: an empty answer (or the collection left out) means "no changes".
    if (c === undefined) return { quiet: true };
    const view = this.view(collectionId);
    switch (c.status) {
      case '1':
        break;
      case '3':
        // MS-ASCMD 2.2.3.177.16 Status 3: the client must start this folder over with SyncKey 0.
        this.journal.push(`Sync ${collectionId}: Status 3, starting over`);
        this.views.set(collectionId, emptyView<Item>());
        return { quiet: false };
      case '12':
        // Status 12: the hierarchy changed; FolderSync, then Sync again.
        this.journal.push(`Sync ${collectionId}: Status 12, FolderSync`);
        await this.folderSync();
        return { quiet: false };
      default:
        throw new Error(`Sync of ${collectionId} answered Status ${c.status}`);
    }
    const initial = spec.syncKey === '0';
    view.syncKey = c.syncKey!;
    this.apply(collectionId, view, c);
    const brought = c.adds.length + c.changes.length + c.deletes.length + c.softDeletes.length;
    this.applyResponses(collectionId, view, c.responses);
    return { quiet: !initial && !c.moreAvailable && brought === 0 };
  }

  /** Answers to the device's own commands: a confirmed Add now has its ServerId. */
  private applyResponses(collectionId: string, view: FolderView<Item>, responses: WbxmlElement[]): void {
    for (const r of responses) {
      const status = childText(r, 'AirSync:Status');
      if (status !== '1') this.journal.push(`Sync ${collectionId}: ${r.tag} response Status ${status}`);
      const clientId = childText(r, 'AirSync:ClientId');
      if (r.tag !== 'AirSync:Add' || clientId === undefined) continue;
      const item = view.pending.get(clientId);
      view.pending.delete(clientId);
      const serverId = childText(r, 'AirSync:ServerId');
      if (status !== '1' || item === undefined || serverId === undefined) continue;
      if (view.items.has(serverId))
        throw new DeviceAnomaly(
          `Sync ${collectionId}: Add ${clientId} got ${serverId}, which the device already shows`,
        );
      view.items.set(serverId, item);
    }
  }

  private apply(collectionId: string, view: FolderView<Item>, c: CollectionAnswer): void {
    for (const id of [...c.deletes, ...c.softDeletes]) {
      if (!view.items.delete(id)) this.journal.push(`Sync ${collectionId}: Delete of unknown ${id}`);
    }
    for (const a of c.adds) {
      if (view.items.has(a.serverId))
        throw new DeviceAnomaly(`Sync ${collectionId}: Add of ${a.serverId}, which the device already shows`);
      view.items.set(a.serverId, this.codec.read(a.data));
    }
    for (const ch of c.changes) {
      const item = view.items.get(ch.serverId);
      if (item === undefined) {
        this.journal.push(`Sync ${collectionId}: Change of unknown ${ch.serverId}`);
        continue;
      }
      view.items.set(ch.serverId, this.codec.change(item, ch.data));
    }
  }
}

function emptyView<Item>(): FolderView<Item> {
  return { syncKey: '0', items: new Map(), pending: new Map() };
}

function cloneView<Item extends object>(v: FolderView<Item>): FolderView<Item> {
  const copy = (m: Map<string, Item>) => new Map([...m].map(([id, item]) => [id, { ...item }]));
  return { syncKey: v.syncKey, items: copy(v.items), pending: copy(v.pending) };
}

/** What the device shows of a message. */
export interface MailItem {
  read: boolean;
  flagged: boolean;
  subject: string;
}

/** MS-ASEMAIL 2.2.2.34: flagged means a Flag with Status 2 (active); empty means none. */
const isFlagged = (flag: WbxmlElement | undefined): boolean =>
  flag !== undefined && childText(flag, 'Email:Status') === '2';

/** A server's Change of a message carries Read and Flag (MS-ASEMAIL 2.2.2.58, 2.2.2.34). */
export const mailCodec: ItemCodec<MailItem> = {
  read: (data) => ({
    read: childText(data, 'Email:Read') === '1',
    flagged: isFlagged(child(data, 'Email:Flag')),
    subject: childText(data, 'Email:Subject') ?? '',
  }),
  change: (item, data) => {
    const read = childText(data, 'Email:Read');
    const flag = child(data, 'Email:Flag');
    return {
      ...item,
      ...(read !== undefined ? { read: read === '1' } : {}),
      ...(flag !== undefined ? { flagged: isFlagged(flag) } : {}),
    };
  },
};

/** What the device shows of a contact: its name. */
export interface ContactItem {
  name: string;
}

/** MS-ASCNTC 2.2.2.27, 2.2.2.36: FirstName and LastName; a server Change carries the whole contact. */
export const contactCodec: ItemCodec<ContactItem> = {
  read: (data) => ({
    name: `${childText(data, 'Contacts:FirstName') ?? ''} ${childText(data, 'Contacts:LastName') ?? ''}`,
  }),
  change: (_item, data) => contactCodec.read(data),
};
