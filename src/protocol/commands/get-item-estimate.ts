import { INITIAL_SYNC_KEY } from '../../model/sync-key.js';
import { child, childText, el, elements, type WbxmlElement } from '../../wbxml/index.js';
import { requireId } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection } from '../mail-collection.js';
import { estimateCollection } from '../collection-estimate.js';
import { ProtocolError } from '../status.js';
import { optionalInt, parseItemOptions } from '../sync-options.js';

// MS-ASCMD 2.2.1.9 GetItemEstimate: how many changes the next Syncs would bring, computed exactly
// as Sync computes them but without committing anything.

// MS-ASCMD 2.2.3.177.7 Status in GetItemEstimate.
const EstimateStatus = { Success: 1, InvalidCollection: 2, NotPrimed: 3, InvalidSyncKey: 4 } as const;

interface EstimateRequest {
  readonly collectionId: string;
  readonly syncKey: string;
  readonly filterType: number;
}

interface EstimateResult {
  readonly collectionId: string;
  readonly status: number;
  readonly estimate?: number;
}

const getItemEstimate: Command<EstimateRequest[], EstimateResult[]> = {
  parse(input) {
    const collections = input && child(input, 'GetItemEstimate:Collections');
    if (input?.tag !== 'GetItemEstimate:GetItemEstimate' || collections === undefined)
      throw new ProtocolError('GetItemEstimate without Collections');
    return elements(collections, 'GetItemEstimate:Collection').map(parseCollection);
  },

  async handle(requests, ctx) {
    const out: EstimateResult[] = [];
    for (const r of requests) out.push(await estimate(r, ctx));
    return out;
  },

  render(results) {
    return el(
      'GetItemEstimate:GetItemEstimate',
      results.map((r) =>
        el(
          'GetItemEstimate:Response',
          el('GetItemEstimate:Status', r.status),
          el(
            'GetItemEstimate:Collection',
            el('GetItemEstimate:CollectionId', r.collectionId),
            r.estimate !== undefined && el('GetItemEstimate:Estimate', r.estimate),
          ),
        ),
      ),
    );
  },
};

function parseCollection(c: WbxmlElement): EstimateRequest {
  const collectionId = childText(c, 'GetItemEstimate:CollectionId');
  if (!collectionId) throw new ProtocolError('GetItemEstimate Collection without CollectionId');
  // 12.x puts FilterType directly in the Collection; 14.0+ in AirSync Options.
  const options = parseItemOptions(elements(c, 'AirSync:Options'));
  // MS-ASCMD 2.2.3.177.6: an id that breaks its grammar names no collection (2), no sync key (4).
  return {
    collectionId: requireId('CollectionId', collectionId, EstimateStatus.InvalidCollection),
    syncKey: requireId(
      'SyncKey',
      childText(c, 'AirSync:SyncKey') ?? INITIAL_SYNC_KEY,
      EstimateStatus.InvalidSyncKey,
    ),
    filterType: optionalInt(c, 'AirSync:FilterType') ?? options.filterType,
  };
}

async function estimate(r: EstimateRequest, ctx: CommandContext): Promise<EstimateResult> {
  const result = (status: number, estimate?: number): EstimateResult => ({
    collectionId: r.collectionId,
    status,
    ...(estimate !== undefined ? { estimate } : {}),
  });
  const folder = await resolveCollection(ctx, r.collectionId);
  if (folder === undefined) return result(EstimateStatus.InvalidCollection);
  // MS-ASCMD 2.2.3.177.7: Status 3 until the collection has been started with SyncKey 0.
  if (r.syncKey === INITIAL_SYNC_KEY) return result(EstimateStatus.NotPrimed);
  const estimate = await estimateCollection(ctx, r.collectionId, folder, r.syncKey, r.filterType);
  if (estimate === 'invalid-key') return result(EstimateStatus.InvalidSyncKey);
  if (estimate === 'not-found') return result(EstimateStatus.InvalidCollection);
  return result(EstimateStatus.Success, estimate);
}

export const getItemEstimateCommand = defineCommand({
  name: 'GetItemEstimate',
  command: getItemEstimate,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'GetItemEstimate:GetItemEstimate',
  statusTag: 'GetItemEstimate:Status',
});
