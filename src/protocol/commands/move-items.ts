import { BackendError, type MessageFlags } from '../../backends/types.js';
import { itemServerId, parseItemServerId } from '../../model/server-id.js';
import { UidSet } from '../../model/uid-set.js';
import { recordMoves, type DeviceMove } from '../../sync/moved-items.js';
import { childText, el, elements } from '../../wbxml/index.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection } from '../mail-collection.js';
import { ProtocolError } from '../status.js';

// MS-ASCMD 2.2.1.12 MoveItems: IMAP MOVE (RFC 6851), the new ServerId from COPYUID (RFC 4315).

// MS-ASCMD 2.2.3.177.9 Status in MoveItems.
const MoveStatus = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameFolder: 4,
  Failure: 5,
  Locked: 7,
} as const;

interface Move {
  readonly srcMsgId: string;
  readonly srcFldId: string;
  readonly dstFldId: string;
}

interface MoveResult {
  readonly srcMsgId: string;
  readonly status: number;
  readonly dstMsgId?: string;
}

const moveItems: Command<Move[], MoveResult[]> = {
  parse(input) {
    if (input === undefined || input.tag !== 'Move:MoveItems') throw new ProtocolError('MoveItems expected');
    return elements(input, 'Move:Move').map((m) => ({
      srcMsgId: childText(m, 'Move:SrcMsgId') ?? '',
      srcFldId: childText(m, 'Move:SrcFldId') ?? '',
      dstFldId: childText(m, 'Move:DstFldId') ?? '',
    }));
  },

  async handle(moves, ctx) {
    const results: MoveResult[] = [];
    const done: DoneMove[] = [];
    for (const move of moves) {
      const { result, moved } = await moveOne(move, ctx);
      results.push(result);
      if (moved) done.push(moved);
    }
    await recordMoves(ctx.state, ctx.device, await withStateAfter(done, ctx), ctx.now().getTime());
    return results;
  },

  render(results) {
    return el(
      'Move:MoveItems',
      results.map((r) =>
        el(
          'Move:Response',
          el('Move:SrcMsgId', r.srcMsgId),
          el('Move:Status', r.status),
          r.dstMsgId !== undefined && el('Move:DstMsgId', r.dstMsgId),
        ),
      ),
    );
  },
};

interface DoneMove extends DeviceMove {
  readonly toKey: string;
}

async function moveOne(move: Move, ctx: CommandContext): Promise<{ result: MoveResult; moved?: DoneMove }> {
  const fail = (status: number) => ({ result: { srcMsgId: move.srcMsgId, status } });
  const item = parseItemServerId(move.srcMsgId);
  if (item === undefined || item.collectionId !== move.srcFldId) return fail(MoveStatus.InvalidSource);
  if (move.srcFldId === move.dstFldId) return fail(MoveStatus.SameFolder);
  const [src, dst] = await Promise.all([
    resolveCollection(ctx, move.srcFldId),
    resolveCollection(ctx, move.dstFldId),
  ]);
  if (src?.store !== 'mail') return fail(MoveStatus.InvalidSource);
  if (dst?.store !== 'mail') return fail(MoveStatus.InvalidDestination);
  try {
    const store = ctx.backends.mail;
    const newUid = (await store.moveMessages(src.key, [item.uid], dst.key, ctx.signal)).get(item.uid);
    if (newUid === undefined) {
      // RFC 6851: a MOVE of a UID that is gone succeeds with nothing moved. One that is still
      // there was not moved at all: the device may try again.
      const still = await store.listFlags(src.key, String(item.uid), ctx.signal);
      if (still.messages.length === 0) return fail(MoveStatus.InvalidSource);
      ctx.log.warn({ srcMsgId: move.srcMsgId }, 'MOVE left the message where it was');
      return fail(MoveStatus.Locked);
    }
    return {
      result: {
        srcMsgId: move.srcMsgId,
        status: MoveStatus.Success,
        dstMsgId: itemServerId(move.dstFldId, newUid),
      },
      moved: { from: move.srcFldId, fromUid: item.uid, to: move.dstFldId, toUid: newUid, toKey: dst.key },
    };
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.log.warn({ srcMsgId: move.srcMsgId, err: err.message }, 'MoveItems failed');
    if (err.kind === 'not-found') return fail(MoveStatus.InvalidDestination);
    return fail(err.kind === 'temporary' ? MoveStatus.Locked : MoveStatus.Failure);
  }
}

/**
 * Each moved message's mod-sequence and flags in its new folder, which is how the device holds it:
 * the target folder's next Sync then sends only what changes after the move (one FETCH per folder).
 * Without them the move is still recorded; the device may get one needless Change.
 */
async function withStateAfter(moves: readonly DoneMove[], ctx: CommandContext): Promise<DeviceMove[]> {
  const byFolder = new Map<string, DoneMove[]>();
  for (const m of moves) byFolder.set(m.toKey, [...(byFolder.get(m.toKey) ?? []), m]);
  const out: DeviceMove[] = [];
  for (const [key, group] of byFolder) {
    const uids = UidSet.of(group.flatMap((m) => (m.toUid === undefined ? [] : [m.toUid])));
    const after = await ctx.backends.mail.listFlags(key, uids.toString(), ctx.signal).then(
      (listed) => new Map(listed.messages.map((m) => [m.uid, m])),
      (err: unknown) => {
        if (!(err instanceof BackendError)) throw err;
        ctx.log.info({ err: err.message }, 'flags after MoveItems not read');
        return new Map<number, MessageFlags>();
      },
    );
    for (const m of group) {
      const now = m.toUid === undefined ? undefined : after.get(m.toUid);
      out.push({ ...m, ...(now ? { after: { modseq: now.modseq, flags: now.flags } } : {}) });
    }
  }
  return out;
}

export const moveItemsCommand = defineCommand({
  name: 'MoveItems',
  command: moveItems,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'Move:MoveItems',
  statusTag: 'Move:Status',
});
