import { child, childText, el, type WbxmlElement } from '../../src/wbxml/index.js';
import { eas, type EasCall, type EasTarget } from './eas-client.js';

// Request bodies as phones send them, and the provisioning dance, shared by the protocol suites.

export const provisionRequest = (policyKey?: string, status?: string): WbxmlElement =>
  el(
    'Provision:Provision',
    el(
      'Provision:Policies',
      el(
        'Provision:Policy',
        el('Provision:PolicyType', 'MS-EAS-Provisioning-WBXML'),
        policyKey && el('Provision:PolicyKey', policyKey),
        status && el('Provision:Status', status),
      ),
    ),
  );

export const policyOf = (body: WbxmlElement): WbxmlElement =>
  child(child(body, 'Provision:Policies')!, 'Provision:Policy')!;

/** Both Provision phases; returns the final policy key. */
export async function provision(app: EasTarget, call: Partial<EasCall> = {}): Promise<string> {
  const first = await eas(app, { ...call, cmd: 'Provision', body: provisionRequest() });
  const temp = childText(policyOf(first.body!), 'Provision:PolicyKey')!;
  const second = await eas(app, {
    ...call,
    cmd: 'Provision',
    body: provisionRequest(temp, '1'),
    policyKey: temp,
  });
  return childText(policyOf(second.body!), 'Provision:PolicyKey')!;
}

export const folderSync = (syncKey: string): WbxmlElement =>
  el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', syncKey));

export const folderCreate = (syncKey: string, parentId: string, name: string, type: number): WbxmlElement =>
  el(
    'FolderHierarchy:FolderCreate',
    el('FolderHierarchy:SyncKey', syncKey),
    el('FolderHierarchy:ParentId', parentId),
    el('FolderHierarchy:DisplayName', name),
    el('FolderHierarchy:Type', type),
  );

export const folderUpdate = (
  syncKey: string,
  serverId: string,
  parentId: string,
  name: string,
): WbxmlElement =>
  el(
    'FolderHierarchy:FolderUpdate',
    el('FolderHierarchy:SyncKey', syncKey),
    el('FolderHierarchy:ServerId', serverId),
    el('FolderHierarchy:ParentId', parentId),
    el('FolderHierarchy:DisplayName', name),
  );

export const folderDelete = (syncKey: string, serverId: string): WbxmlElement =>
  el(
    'FolderHierarchy:FolderDelete',
    el('FolderHierarchy:SyncKey', syncKey),
    el('FolderHierarchy:ServerId', serverId),
  );

export const statusOf = (body: WbxmlElement | undefined): string | undefined =>
  body && childText(body, 'FolderHierarchy:Status');
export const syncKeyOf = (body: WbxmlElement | undefined): string | undefined =>
  body && childText(body, 'FolderHierarchy:SyncKey');
