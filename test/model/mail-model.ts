import fc from 'fast-check';
import { expect } from 'vitest';
import { parseItemServerId } from '../../src/model/server-id.js';
import { el } from '../../src/wbxml/index.js';
import { mailCodec, SimDevice, type MailItem } from '../support/sim-device.js';
import type { MailWorld, ServerFlag } from './mail-worlds.js';
import { modelProperty, type CommandSettings, type Harness } from './model-run.js';

// Model-based test of the mail sync engine (issue 22): random sequences of changes by another
// IMAP client and by a phone, and at every quiet point (the phone has synced each folder until
// nothing is pending) the phone must show exactly the mailbox: the same messages, read and flagged
// alike. Operations name their targets by index into what exists when they run, so that every
// sequence fast-check shrinks to is still meaningful.

const FOLDERS = 4;

export type MailOp =
  | { kind: 'append'; folder: number; seen: boolean; flagged: boolean }
  | { kind: 'server flag'; folder: number; pick: number; flag: ServerFlag }
  | { kind: 'server expunge'; folder: number; pick: number }
  | { kind: 'server move'; folder: number; pick: number; to: number }
  | { kind: 'server rename'; folder: number }
  | { kind: 'device sync'; folder: number }
  | { kind: 'device change'; folder: number; pick: number; field: 'read' | 'flagged' }
  | { kind: 'device delete'; folder: number; pick: number; deletesAsMoves: boolean }
  | { kind: 'device move'; folder: number; pick: number; to: number }
  /** MoveItems whose answer is lost: the device sends the same request again. */
  | { kind: 'device move retried'; folder: number; pick: number; to: number }
  | { kind: 'device retry' }
  | { kind: 'device SyncKey 0'; folder: number }
  | { kind: 'device FolderSync 0' }
  | { kind: 'quiet point' };

const folder = fc.nat({ max: FOLDERS - 1 });
const pick = fc.nat({ max: 99 });
/** Another folder than `folder`: an offset 1…FOLDERS-1 from it. */
const other = fc.integer({ min: 1, max: FOLDERS - 1 });

/**
 * Operations to leave out, by kind, or 'mark deleted' for `\Deleted` without expunge: to look past
 * a known divergence for others (EAS_MODEL_EXCLUDE in the tests).
 */
export type OpChoice = readonly string[];

export function mailOps(exclude: OpChoice = []): fc.Arbitrary<MailOp>[] {
  const serverFlags: ServerFlag[] = [
    '\\Seen',
    '\\Flagged',
    ...(exclude.includes('mark deleted') ? [] : ['\\Deleted' as const]),
  ];
  const to = (f: number, offset: number) => (f + offset) % FOLDERS;
  const all: Record<MailOp['kind'], fc.Arbitrary<MailOp>> = {
    append: fc.record({ kind: fc.constant('append'), folder, seen: fc.boolean(), flagged: fc.boolean() }),
    'server flag': fc.record({
      kind: fc.constant('server flag'),
      folder,
      pick,
      flag: fc.constantFrom(...serverFlags),
    }),
    'server expunge': fc.record({ kind: fc.constant('server expunge'), folder, pick }),
    'server move': fc
      .tuple(folder, pick, other)
      .map(([f, p, o]) => ({ kind: 'server move' as const, folder: f, pick: p, to: to(f, o) })),
    'server rename': fc.record({ kind: fc.constant('server rename'), folder }),
    'device sync': fc.record({ kind: fc.constant('device sync'), folder }),
    'device change': fc.record({
      kind: fc.constant('device change'),
      folder,
      pick,
      field: fc.constantFrom('read' as const, 'flagged' as const),
    }),
    'device delete': fc.record({
      kind: fc.constant('device delete'),
      folder,
      pick,
      deletesAsMoves: fc.boolean(),
    }),
    'device move': fc
      .tuple(folder, pick, other)
      .map(([f, p, o]) => ({ kind: 'device move' as const, folder: f, pick: p, to: to(f, o) })),
    'device move retried': fc
      .tuple(folder, pick, other)
      .map(([f, p, o]) => ({ kind: 'device move retried' as const, folder: f, pick: p, to: to(f, o) })),
    'device retry': fc.constant({ kind: 'device retry' as const }),
    'device SyncKey 0': fc.record({ kind: fc.constant('device SyncKey 0'), folder }),
    'device FolderSync 0': fc.constant({ kind: 'device FolderSync 0' as const }),
    'quiet point': fc.constant({ kind: 'quiet point' as const }),
  };
  return Object.entries(all)
    .filter(([kind]) => !exclude.includes(kind))
    .map(([, arb]) => arb);
}

/** One world and one phone for one run. */
export class MailHarness implements Harness<MailOp> {
  private serial = 0;
  private readonly ids: string[] = [];

  private constructor(
    readonly world: MailWorld,
    readonly device: SimDevice<MailItem>,
  ) {}

  static async start(world: MailWorld, deviceId: string): Promise<MailHarness> {
    const device = new SimDevice(world.app, world.user, deviceId, mailCodec);
    await device.onboard();
    const h = new MailHarness(world, device);
    for (let f = 0; f < FOLDERS; f++) h.ids.push(device.track(world.names[f]!));
    await h.quietAndCompare();
    return h;
  }

  /**
   * The folder's CollectionId: the one the device syncs, or (after FolderSync 0, or a folder the
   * hierarchy replaced) the one its current name has now, tracked from SyncKey 0.
   */
  async idOf(f: number): Promise<string> {
    const id = this.ids[f]!;
    if (this.device.names.has(id)) return this.device.trackId(id);
    // Gone from the device's hierarchy: a FolderSync tells it what the folder is called now.
    if (![...this.device.names.values()].includes(this.world.names[f]!)) await this.device.folderSync();
    this.ids[f] = this.device.track(this.world.names[f]!);
    return this.ids[f];
  }

  /** The device's ServerIds in a folder, in a stable order, for an op's pick. */
  private async deviceItem(f: number, index: number): Promise<string | undefined> {
    const ids = [...(this.device.views.get(await this.idOf(f))?.items.keys() ?? [])].sort();
    return ids.length === 0 ? undefined : ids[index % ids.length];
  }

  private async serverUid(f: number, index: number): Promise<number | undefined> {
    const uids = await this.world.uids(f);
    return uids.length === 0 ? undefined : uids[index % uids.length];
  }

  async apply(op: MailOp): Promise<void> {
    const w = this.world;
    const d = this.device;
    switch (op.kind) {
      case 'append': {
        const flags: ServerFlag[] = [
          ...(op.seen ? ['\\Seen' as const] : []),
          ...(op.flagged ? ['\\Flagged' as const] : []),
        ];
        return w.append(op.folder, `${w.tag} m${++this.serial}`, flags);
      }
      case 'server flag': {
        const uid = await this.serverUid(op.folder, op.pick);
        return uid === undefined ? undefined : w.toggleFlag(op.folder, uid, op.flag);
      }
      case 'server expunge': {
        const uid = await this.serverUid(op.folder, op.pick);
        return uid === undefined ? undefined : w.expunge(op.folder, uid);
      }
      case 'server move': {
        const uid = await this.serverUid(op.folder, op.pick);
        return uid === undefined ? undefined : w.move(op.folder, uid, op.to);
      }
      case 'server rename':
        return w.renamable(op.folder) ? w.rename(op.folder, `renamed${++this.serial}`) : undefined;
      case 'device sync':
        return void (await d.sync(await this.idOf(op.folder)));
      case 'device change': {
        const serverId = await this.deviceItem(op.folder, op.pick);
        if (serverId === undefined) return;
        const id = await this.idOf(op.folder);
        const shown = d.views.get(id)!.items.get(serverId)!;
        const value = !shown[op.field];
        const data =
          op.field === 'read'
            ? el('Email:Read', value ? 1 : 0)
            : value
              ? el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', 'Flag for follow up'))
              : el('Email:Flag');
        return d.change(id, serverId, { ...shown, [op.field]: value }, [data]);
      }
      case 'device delete': {
        const item = await this.deviceItem(op.folder, op.pick);
        return item === undefined ? undefined : d.delete(await this.idOf(op.folder), item, op.deletesAsMoves);
      }
      case 'device move':
      case 'device move retried': {
        const item = await this.deviceItem(op.folder, op.pick);
        return item === undefined
          ? undefined
          : void (await d.moveItems(
              await this.idOf(op.folder),
              item,
              await this.idOf(op.to),
              op.kind === 'device move retried',
            ));
      }
      case 'device retry':
        return void (await d.retryLastSync());
      case 'device SyncKey 0':
        return d.resetFolder(await this.idOf(op.folder));
      case 'device FolderSync 0':
        return d.resetAll();
      case 'quiet point':
        return this.quietAndCompare();
    }
  }

  /** FolderSync, every folder synced until quiet, then each folder's view against the mailbox. */
  async quietAndCompare(): Promise<void> {
    await this.device.folderSync();
    for (let f = 0; f < FOLDERS; f++) await this.device.syncUntilQuiet(await this.idOf(f));
    for (let f = 0; f < FOLDERS; f++) {
      const id = await this.idOf(f);
      const shown = [...this.device.views.get(id)!.items].map(([serverId, item]) => {
        const parsed = parseItemServerId(serverId);
        const uid = parsed?.collectionId === id ? parsed.uid : serverId;
        return `${uid} ${item.subject} read=${item.read} flagged=${item.flagged}`;
      });
      const truth = (await this.world.truth(f)).map(
        (m) => `${m.uid} ${m.subject} read=${m.read} flagged=${m.flagged}`,
      );
      expect(
        shown.sort(),
        `folder ${f} (${this.world.names[f]}, CollectionId ${id}): the device's view differs from the mailbox\n` +
          `device journal:\n  ${this.device.journal.join('\n  ')}`,
      ).toEqual(truth.sort());
    }
  }
}

/** The mail model as a property; `world` makes a fresh world per run, `afterRun` ends a device. */
export function mailProperty(
  world: () => Promise<MailWorld>,
  exclude: OpChoice,
  sequences: CommandSettings,
  afterRun: (deviceId: string) => Promise<void> = async () => undefined,
) {
  return modelProperty<MailOp, MailHarness>(
    mailOps(exclude),
    sequences,
    async (deviceId) => {
      const w = await world();
      try {
        return await MailHarness.start(w, deviceId);
      } catch (err) {
        await w.close();
        throw err;
      }
    },
    async (h) => {
      await h.world.close();
      await afterRun(h.device.wire.deviceId);
    },
  );
}
