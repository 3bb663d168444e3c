import {
  pickSlot,
  type DevicePatch,
  type DeviceRecord,
  type LoadedSyncState,
  type WipeState,
} from './types.js';

// Rows as both SQL stores lay them out. The devices table ("user" quoted: a reserved word in PostgreSQL).
export const DEVICE_COLUMNS =
  '"user", device_id, device_type, user_agent, protocol_version, first_seen, last_seen, policy_key, pending_policy_key, wipe, device_information';

export const PATCH_COLUMNS: Readonly<Record<keyof DevicePatch, string>> = {
  policyKey: 'policy_key',
  pendingPolicyKey: 'pending_policy_key',
  wipe: 'wipe',
  deviceInformation: 'device_information',
};

/** The column value for a patched field; undefined clears (a cleared wipe is 'none'). */
export function patchValue(key: keyof DevicePatch, v: DevicePatch[keyof DevicePatch]): string | null {
  if (v === undefined) return key === 'wipe' ? 'none' : null;
  return typeof v === 'object' ? JSON.stringify(v) : v;
}

export function deviceOf(r: Readonly<Record<string, unknown>>): DeviceRecord {
  const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
  return {
    user: String(r.user),
    deviceId: String(r.device_id),
    deviceType: text(r.device_type),
    userAgent: text(r.user_agent),
    protocolVersion: text(r.protocol_version),
    firstSeen: new Date(Number(r.first_seen)),
    lastSeen: new Date(Number(r.last_seen)),
    policyKey: text(r.policy_key),
    pendingPolicyKey: text(r.pending_policy_key),
    wipe: (text(r.wipe) ?? 'none') as WipeState,
    deviceInformation:
      r.device_information == null
        ? undefined
        : (JSON.parse(String(r.device_information)) as Record<string, string>),
  };
}

/** The state stored under `syncKey` among a scope's rows (slot, sync_key, JSON snapshot). */
export function syncStateOfRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  syncKey: string,
): LoadedSyncState | undefined {
  return pickSlot(
    rows.map((r) => ({ slot: String(r.slot), syncKey: String(r.sync_key), snapshot: r.snapshot })),
    syncKey,
    (raw) => JSON.parse(String(raw)),
  );
}
