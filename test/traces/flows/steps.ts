import { el, type TagRef, type WbxmlElement } from '../../../src/wbxml/index.js';
import { provisionRequest } from '../../support/eas-requests.js';
import type { Capability } from '../../support/backend-matrix.js';

// What a flow is made of: requests in a client's order, each body possibly built from what the
// client has learnt from the server's earlier answers (test/traces/traces.test.ts records them).

/** What a client has learnt from the server's answers so far, for its next requests. */
export interface FlowState {
  policyKey: string;
  /** Folder display name → ServerId (CollectionId). */
  folders: Map<string, string>;
  /** CollectionId → the last SyncKey. */
  syncKeys: Map<string, string>;
  /** CollectionId → ServerIds of the items added so far, in order. */
  items: Map<string, string[]>;
  /** ClientId → the ServerId the server gave the client's Add. */
  added: Map<string, string>;
  /** MoveItems: the new ServerIds (DstMsgId), in order. */
  moved: string[];
  /** Search Mailbox: the LongIds of the last results, in order. */
  found: string[];
}

export const newFlowState = (): FlowState => ({
  policyKey: '',
  folders: new Map(),
  syncKeys: new Map(),
  items: new Map(),
  added: new Map(),
  moved: [],
  found: [],
});

export interface FlowStep {
  cmd: string;
  /** A body, or one made from what the client knows by then. */
  body?: WbxmlElement | ((state: FlowState) => WbxmlElement);
  /** Use the policy key the server handed out last (the client does so after Provision). */
  withPolicyKey?: boolean;
}

export interface Flow {
  name: string;
  client: string;
  source: string;
  version: string;
  queryForm: 'plain' | 'base64';
  deviceType: string;
  userAgent: string;
  /** Whose mailbox: alice (read-only flows) or dave, the trace suite's own user (flows that write). */
  user?: 'alice' | 'dave';
  /** What the servers must offer (test/support/backend-matrix.ts); skipped with the reason elsewhere. */
  needs?: Capability[];
  steps: FlowStep[];
}

export const deviceInformation = (fields: [string, string][]): WbxmlElement =>
  el(
    'Settings:DeviceInformation',
    el(
      'Settings:Set',
      fields.map(([tag, v]) => el(`Settings:${tag}` as TagRef, v)),
    ),
  );

export const provisionWithInfo = (fields: [string, string][]): WbxmlElement =>
  el('Provision:Provision', deviceInformation(fields), provisionRequest().children[0] as WbxmlElement);

export const folderSync0: FlowStep = {
  cmd: 'FolderSync',
  body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
  withPolicyKey: true,
};

// MS-ASPROV 3.1.5.1.2: the acknowledgement carries the temporary key, in the body and the header.
export const ack: FlowStep = {
  cmd: 'Provision',
  body: (s) => provisionRequest(s.policyKey, '1'),
  withPolicyKey: true,
};

export const provisioning: FlowStep[] = [{ cmd: 'Provision', body: provisionRequest() }, ack];

export const folderId = (s: FlowState, name: string): string => s.folders.get(name) ?? '';

/** The n-th item the server added to a folder (negative counts from the end). */
export const itemOf = (s: FlowState, folder: string, n: number): string =>
  s.items.get(folderId(s, folder))?.at(n) ?? '';

/** One collection of a Sync request, elements in MS-ASCMD 2.2.3.29.2's order. */
export interface CollectionSpec {
  folder: string;
  /** SyncKey 0 (a fresh start) instead of the last key the server gave. */
  initial?: boolean;
  /** An empty element (TbSync writes `<DeletesAsMoves/>`) or a value. */
  deletesAsMoves?: boolean | 'empty';
  getChanges?: boolean | 'empty';
  windowSize?: number;
  options?: WbxmlElement[];
  commands?: (s: FlowState) => WbxmlElement[];
}

const flag = (tag: TagRef, v: boolean | 'empty' | undefined) =>
  v !== undefined && (v === 'empty' ? el(tag) : el(tag, v ? 1 : 0));

export function collection(spec: CollectionSpec, s: FlowState): WbxmlElement {
  const id = folderId(s, spec.folder);
  return el(
    'AirSync:Collection',
    el('AirSync:SyncKey', spec.initial ? '0' : (s.syncKeys.get(id) ?? '0')),
    el('AirSync:CollectionId', id),
    flag('AirSync:DeletesAsMoves', spec.deletesAsMoves),
    flag('AirSync:GetChanges', spec.getChanges),
    spec.windowSize !== undefined && el('AirSync:WindowSize', spec.windowSize),
    spec.options && el('AirSync:Options', spec.options),
    spec.commands && el('AirSync:Commands', spec.commands(s)),
  );
}

/** A Sync step over one or more collections; `extra` goes after Collections (Wait, WindowSize…). */
export const sync = (specs: CollectionSpec | CollectionSpec[], extra: WbxmlElement[] = []): FlowStep => ({
  cmd: 'Sync',
  withPolicyKey: true,
  body: (s) =>
    el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        (Array.isArray(specs) ? specs : [specs]).map((spec) => collection(spec, s)),
      ),
      extra,
    ),
});

export const bodyPreference = (type: number, truncationSize?: number): WbxmlElement =>
  el(
    'AirSyncBase:BodyPreference',
    el('AirSyncBase:Type', type),
    truncationSize !== undefined && el('AirSyncBase:TruncationSize', truncationSize),
  );

export const change = (serverId: string, ...data: WbxmlElement[]): WbxmlElement =>
  el('AirSync:Change', el('AirSync:ServerId', serverId), el('AirSync:ApplicationData', data));

export const remove = (serverId: string): WbxmlElement =>
  el('AirSync:Delete', el('AirSync:ServerId', serverId));

export const add = (clientId: string, ...data: WbxmlElement[]): WbxmlElement =>
  el('AirSync:Add', el('AirSync:ClientId', clientId), el('AirSync:ApplicationData', data));
