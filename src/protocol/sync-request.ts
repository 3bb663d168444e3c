import { child, childText, elements, type TagRef, type WbxmlElement } from '../wbxml/index.js';
import { DEFAULT_ITEM_OPTIONS, optionalInt, parseItemOptions, type ItemOptions } from './sync-options.js';
import { optionalId, requireId, type IdKind } from './ids.js';
import { ProtocolError } from './status.js';
import { SyncStatus } from './sync-collection.js';

// MS-ASCMD 2.2.1.21 Sync request, read into plain values. Empty and partial requests (12.1+) are
// completed from the device's previous request by the command, not here.

export type ClientCommand =
  | { readonly kind: 'add'; readonly clientId: string; readonly data: WbxmlElement | undefined }
  | { readonly kind: 'change'; readonly serverId: string; readonly data: WbxmlElement | undefined }
  /** 16.0+: with an InstanceId only that occurrence of a recurring event goes (MS-ASCMD 2.2.3.87). */
  | { readonly kind: 'delete'; readonly serverId: string; readonly instanceId?: string }
  | { readonly kind: 'fetch'; readonly serverId: string };

export interface SyncCollectionRequest {
  readonly syncKey: string;
  readonly collectionId: string;
  /** Undefined when absent: true for a known key, false for SyncKey 0 (MS-ASCMD 2.2.3.84). */
  readonly getChanges: boolean | undefined;
  /** MS-ASCMD 2.2.3.43: absent means true. */
  readonly deletesAsMoves: boolean;
  readonly windowSize: number | undefined;
  readonly options: ItemOptions;
  /** Whether Options were present (a partial request without them keeps the cached ones). */
  readonly hasOptions: boolean;
  readonly commands: readonly ClientCommand[];
  /**
   * MS-ASCMD 2.2.3.168 Supported, on SyncKey 0 only: the elements the client handles; those it
   * leaves out of the list are ghosted (a Change without them keeps them). Undefined when absent.
   */
  readonly supported?: readonly TagRef[];
}

export interface SyncRequest {
  readonly collections: readonly SyncCollectionRequest[];
  readonly windowSize: number | undefined;
  readonly wait: number | undefined;
  readonly heartbeatInterval: number | undefined;
  readonly partial: boolean;
}

// MS-ASCMD 2.2.3.199: WindowSize is 1–512; 0 or more is treated as 512 by Exchange.
export const MAX_WINDOW_SIZE = 512;
export const DEFAULT_WINDOW_SIZE = 100;

export function parseSyncRequest(input: WbxmlElement | undefined): SyncRequest | undefined {
  if (input === undefined) return undefined;
  if (input.tag !== 'AirSync:Sync') throw new ProtocolError(`expected Sync, got ${input.tag}`);
  const collections = child(input, 'AirSync:Collections');
  return {
    collections: collections ? elements(collections, 'AirSync:Collection').map(parseCollection) : [],
    windowSize: windowSizeOf(input),
    wait: optionalInt(input, 'AirSync:Wait'),
    heartbeatInterval: optionalInt(input, 'AirSync:HeartbeatInterval'),
    partial: child(input, 'AirSync:Partial') !== undefined,
  };
}

function parseCollection(c: WbxmlElement): SyncCollectionRequest {
  const syncKey = childText(c, 'AirSync:SyncKey');
  const collectionId = childText(c, 'AirSync:CollectionId');
  if (!syncKey) throw new ProtocolError('Sync Collection without SyncKey');
  if (!collectionId) throw new ProtocolError('Sync Collection without CollectionId');
  requireId('SyncKey', syncKey, SyncStatus.ProtocolError);
  requireId('CollectionId', collectionId, SyncStatus.ProtocolError);
  const getChanges = child(c, 'AirSync:GetChanges');
  const optionsList = elements(c, 'AirSync:Options');
  const commands = child(c, 'AirSync:Commands');
  const supported = child(c, 'AirSync:Supported');
  return {
    syncKey,
    collectionId,
    // An empty GetChanges element means 1 (MS-ASCMD 2.2.3.84).
    getChanges: getChanges === undefined ? undefined : childText(c, 'AirSync:GetChanges') !== '0',
    deletesAsMoves: childText(c, 'AirSync:DeletesAsMoves') !== '0',
    windowSize: windowSizeOf(c),
    options: optionsList.length > 0 ? parseItemOptions(optionsList) : DEFAULT_ITEM_OPTIONS,
    hasOptions: optionsList.length > 0,
    commands: commands ? commands.children.flatMap(parseCommand) : [],
    ...(supported !== undefined ? { supported: elements(supported).map((e) => e.tag) } : {}),
  };
}

function parseCommand(node: WbxmlElement['children'][number]): ClientCommand[] {
  if (typeof node !== 'object' || node instanceof Uint8Array) return [];
  // MS-ASCMD 2.2.3.177.17 Status 4: a request that does not keep the specification (an Add
  // without its ClientId, an id that breaks its grammar) is a protocol error.
  const id = (kind: IdKind, tag: TagRef): string =>
    requireId(kind, childText(node, tag) ?? '', SyncStatus.ProtocolError);
  const data = child(node, 'AirSync:ApplicationData');
  switch (node.tag) {
    case 'AirSync:Add':
      return [{ kind: 'add', clientId: id('ClientId', 'AirSync:ClientId'), data }];
    case 'AirSync:Change':
      return [
        { kind: 'change', serverId: id('ServerId', 'AirSync:ServerId'), data: withInstanceId(node, data) },
      ];
    case 'AirSync:Delete': {
      const serverId = id('ServerId', 'AirSync:ServerId');
      const instanceId = optionalId(
        'InstanceId',
        childText(node, 'AirSyncBase:InstanceId'),
        SyncStatus.ProtocolError,
      );
      return [{ kind: 'delete', serverId, ...(instanceId !== undefined ? { instanceId } : {}) }];
    }
    case 'AirSync:Fetch':
      return [{ kind: 'fetch', serverId: id('ServerId', 'AirSync:ServerId') }];
    default:
      throw new ProtocolError(`unexpected ${node.tag} in Sync Commands`);
  }
}

/**
 * 16.0+: a Change of one occurrence names it with InstanceId beside ApplicationData (MS-ASCMD
 * 2.2.3.87); the item codec reads it inside, with the fields it applies to.
 */
function withInstanceId(change: WbxmlElement, data: WbxmlElement | undefined): WbxmlElement | undefined {
  const instanceId = child(change, 'AirSyncBase:InstanceId');
  if (data === undefined || instanceId === undefined) return data;
  return { ...data, children: [...data.children, instanceId] };
}

function windowSizeOf(e: WbxmlElement): number | undefined {
  const n = optionalInt(e, 'AirSync:WindowSize');
  if (n === undefined) return undefined;
  return n === 0 || n > MAX_WINDOW_SIZE ? MAX_WINDOW_SIZE : n;
}
