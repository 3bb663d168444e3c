import { BackendError } from '../../backends/types.js';
import { itemServerId, parseItemServerId } from '../../model/server-id.js';
import { earlierMove, recordMoves, type DeviceMove } from '../../sync/moved-items.js';
import { childText, el, elements } from '../../wbxml/index.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection } from '../mail-collection.js';
import { isValidId, printableId } from '../ids.js';
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
  /** Set when an id breaks its grammar (src/protocol/ids.ts): the item's answer, without acting. */
  readonly invalid?: typeof MoveStatus.InvalidSource | typeof MoveStatus.InvalidDestination;
}

interface MoveResult {
  readonly srcMsgId: string;
  readonly status: number;
  readonly dstMsgId?: string;
}

const moveItems: Command<Move[], MoveResult[]> = {
  parse(input) {
    if (input === undefined || input.tag !== 'Move:MoveItems') throw new ProtocolError('MoveItems expected');
    return elements(input, 'Move:Move').map((m) => {
      const move = {
        srcMsgId: childText(m, 'Move:SrcMsgId') ?? '',
        srcFldId: childText(m, 'Move:SrcFldId') ?? '',
        dstFldId: childText(m, 'Move:DstFldId') ?? '',
      };
      // MS-ASCMD 2.2.3.177.10: Status 1 for a bad source id, 2 for a bad destination. The
      // answer echoes SrcMsgId, so a bad one is echoed without what makes it bad.
      if (!isValidId('ServerId', move.srcMsgId) || !isValidId('CollectionId', move.srcFldId))
        return { ...move, srcMsgId: printableId(move.srcMsgId), invalid: MoveStatus.InvalidSource };
      if (!isValidId('CollectionId', move.dstFldId))
        return { ...move, invalid: MoveStatus.InvalidDestination };
      return move;
    });
  },

  async handle(moves, ctx) {
    const results: MoveResult[] = [];
    const done: DeviceMove[] = [];
    for (const move of moves) {
      const { result, moved } = await moveOne(move, ctx);
      results.push(result);
      if (moved) done.push(moved);
    }
    await recordMoves(ctx.state, ctx.device, done, ctx.now().getTime());
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

async function moveOne(move: Move, ctx: CommandContext): Promise<{ result: MoveResult; moved?: DeviceMove }> {
  const fail = (status: number) => ({ result: { srcMsgId: move.srcMsgId, status } });
  if (move.invalid !== undefined) return fail(move.invalid);
  const item = parseItemServerId(move.srcMsgId);
  if (item === undefined || item.collectionId !== move.srcFldId) return fail(MoveStatus.InvalidSource);
  if (move.srcFldId === move.dstFldId) return fail(MoveStatus.SameFolder);
  const [src, dst] = await Promise.all([
    resolveCollection(ctx, move.srcFldId),
    resolveCollection(ctx, move.dstFldId),
  ]);
  if (src?.store !== 'mail') return fail(MoveStatus.InvalidSource);
  if (dst?.store !== 'mail') return fail(MoveStatus.InvalidDestination);
  const before = await earlierMove(ctx.state, ctx.device, move.srcFldId, item.uid, ctx.now().getTime());
  if (before !== undefined && before.to === move.dstFldId)
    return {
      result: {
        srcMsgId: move.srcMsgId,
        status: MoveStatus.Success,
        dstMsgId: itemServerId(before.to, before.toUid),
      },
    };
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
      moved: { from: move.srcFldId, fromUid: item.uid, to: move.dstFldId, toUid: newUid },
    };
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.log.warn({ srcMsgId: move.srcMsgId, err: err.message }, 'MoveItems failed');
    if (err.kind === 'not-found') return fail(MoveStatus.InvalidDestination);
    return fail(err.kind === 'temporary' ? MoveStatus.Locked : MoveStatus.Failure);
  }
}

export const moveItemsCommand = defineCommand({
  name: 'MoveItems',
  command: moveItems,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'Move:MoveItems',
  statusTag: 'Move:Status',
});
