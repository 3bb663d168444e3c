import type { BodyPreference } from '../model/email/index.js';
import { isFilterType } from '../model/filter-type.js';
import type { child } from '../wbxml/index.js';
import { childText, elements, type WbxmlElement } from '../wbxml/index.js';
import { ProtocolError } from './status.js';

// The Options a client sends with Sync, GetItemEstimate and ItemOperations (MS-ASCMD 2.2.3.125):
// which items (FilterType) and how their bodies should look (MS-ASAIRS 2.2.2.8 BodyPreference).

export interface ItemOptions {
  readonly filterType: number;
  readonly bodyPreferences: readonly BodyPreference[];
  /** MS-ASCMD 2.2.3.110 MIMESupport: 0 never, 1 S/MIME only, 2 always. */
  readonly mimeSupport: 0 | 1 | 2;
  /** MS-ASCMD 2.2.3.35 Conflict: 0 client wins, 1 server wins (the default). */
  readonly conflict: 0 | 1;
}

export const DEFAULT_ITEM_OPTIONS: ItemOptions = {
  filterType: 0,
  bodyPreferences: [],
  mimeSupport: 0,
  conflict: 1,
};

/**
 * Reads the Options that apply to the collection's own items: a 14.0+ request may carry one
 * Options per Class (SMS beside Email); the one without a Class, or with any other Class, is ours.
 */
export function parseItemOptions(
  optionsList: readonly WbxmlElement[],
  defaults: ItemOptions = DEFAULT_ITEM_OPTIONS,
): ItemOptions {
  const options = optionsList.find((o) => {
    const cls = childText(o, 'AirSync:Class');
    return cls !== 'SMS';
  });
  if (options === undefined) return defaults;
  const filter = optionalInt(options, 'AirSync:FilterType');
  if (filter !== undefined && !isFilterType(filter))
    throw new ProtocolError(`FilterType ${filter} is not defined`);
  const mime = optionalInt(options, 'AirSync:MIMESupport');
  if (mime !== undefined && mime !== 0 && mime !== 1 && mime !== 2)
    throw new ProtocolError(`MIMESupport ${mime} is not defined`);
  const conflict = optionalInt(options, 'AirSync:Conflict');
  return {
    filterType: filter ?? defaults.filterType,
    bodyPreferences: elements(options, 'AirSyncBase:BodyPreference').map(bodyPreference),
    mimeSupport: mime ?? defaults.mimeSupport,
    conflict: conflict === 0 ? 0 : 1,
  };
}

function bodyPreference(e: WbxmlElement): BodyPreference {
  const type = optionalInt(e, 'AirSyncBase:Type');
  if (type === undefined || type < 1 || type > 4)
    throw new ProtocolError('BodyPreference needs a Type of 1 to 4');
  const truncationSize = optionalInt(e, 'AirSyncBase:TruncationSize');
  const preview = optionalInt(e, 'AirSyncBase:Preview');
  return {
    type,
    ...(truncationSize !== undefined ? { truncationSize } : {}),
    ...(childText(e, 'AirSyncBase:AllOrNone') === '1' ? { allOrNone: true } : {}),
    ...(preview !== undefined ? { preview: Math.min(preview, 255) } : {}),
  };
}

/** An unsigned integer child, or undefined when absent; anything else is a protocol error. */
export function optionalInt(parent: WbxmlElement, tag: Parameters<typeof child>[1]): number | undefined {
  const value = childText(parent, tag);
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value.trim())) throw new ProtocolError(`${tag} "${value}" is not a number`);
  return Number(value.trim());
}
