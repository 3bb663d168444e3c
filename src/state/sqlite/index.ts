import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  baseMatches,
  StateStoreError,
  type DevicePatch,
  type DeviceRecord,
  type DeviceRef,
  type DeviceTouch,
  type LoadedSyncState,
  type StateStore,
  type SyncBase,
  type SyncState,
} from '../types.js';
import { openSqlite, type SqliteDb, type SqlValue } from './driver.js';
import { MIGRATIONS } from './migrations.js';
import { DEVICE_COLUMNS, deviceOf, PATCH_COLUMNS, patchValue, syncStateOfRows } from '../device-row.js';

/** Opens (creating and migrating) the SQLite state file: the default, single-instance store. */
export async function openSqliteStateStore(
  path: string,
  now: () => Date = () => new Date(),
): Promise<StateStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = openSqlite(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;',
  );
  migrate(db);
  return new SqliteStateStore(db, now);
}

function migrate(db: SqliteDb): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const applied = Number(db.get('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')?.v ?? 0);
  if (applied > MIGRATIONS.length) {
    throw new StateStoreError(
      `state database has schema version ${applied}, this gateway knows ${MIGRATIONS.length}: upgrade the gateway`,
    );
  }
  MIGRATIONS.slice(applied).forEach((sql, i) => {
    db.transaction(() => {
      db.exec(sql);
      db.run(
        'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
        applied + i + 1,
        Date.now(),
      );
    });
  });
}

class SqliteStateStore implements StateStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly now: () => Date,
  ) {}

  async touchDevice(ref: DeviceRef, touch: DeviceTouch): Promise<DeviceRecord> {
    const t = this.now().getTime();
    this.db.run(
      `INSERT INTO devices (user, device_id, device_type, user_agent, protocol_version, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user, device_id) DO UPDATE SET device_type = excluded.device_type,
         user_agent = excluded.user_agent, protocol_version = excluded.protocol_version, last_seen = excluded.last_seen`,
      ref.user,
      ref.deviceId,
      touch.deviceType,
      touch.userAgent ?? null,
      touch.protocolVersion,
      t,
      t,
    );
    return (await this.getDevice(ref))!;
  }

  async getDevice(ref: DeviceRef): Promise<DeviceRecord | undefined> {
    const row = this.db.get(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user = ? AND device_id = ?`,
      ref.user,
      ref.deviceId,
    );
    return row && deviceOf(row);
  }

  async patchDevice(ref: DeviceRef, patch: DevicePatch): Promise<void> {
    const sets: string[] = [];
    const values: SqlValue[] = [];
    for (const [key, column] of Object.entries(PATCH_COLUMNS) as [keyof DevicePatch, string][]) {
      if (!(key in patch)) continue;
      sets.push(`${column} = ?`);
      values.push(patchValue(key, patch[key]));
    }
    if (sets.length === 0) return;
    this.db.run(
      `UPDATE devices SET ${sets.join(', ')} WHERE user = ? AND device_id = ?`,
      ...values,
      ref.user,
      ref.deviceId,
    );
  }

  async listDevices(user?: string): Promise<DeviceRecord[]> {
    const rows =
      user === undefined
        ? this.db.all(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY user, device_id`)
        : this.db.all(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE user = ? ORDER BY device_id`, user);
    return rows.map(deviceOf);
  }

  async removeDevice(ref: DeviceRef): Promise<void> {
    this.db.transaction(() => {
      for (const table of ['devices', 'sync_states', 'device_cache', 'client_ids']) {
        this.db.run(`DELETE FROM ${table} WHERE user = ? AND device_id = ?`, ref.user, ref.deviceId);
      }
    });
  }

  async collectionIdFor(user: string, backendKey: string): Promise<string> {
    return this.db.transaction(() => {
      const found = this.db.get(
        'SELECT collection_id FROM folders WHERE user = ? AND backend_key = ?',
        user,
        backendKey,
      );
      if (found) return String(found.collection_id);
      // Forgotten folders keep their row (backend_key NULL), so MAX + 1 never hands an id out twice.
      const next = Number(
        this.db.get('SELECT COALESCE(MAX(collection_id), 0) + 1 AS id FROM folders WHERE user = ?', user)!.id,
      );
      this.db.run(
        'INSERT INTO folders (user, collection_id, backend_key) VALUES (?, ?, ?)',
        user,
        next,
        backendKey,
      );
      return String(next);
    });
  }

  async backendKeyFor(user: string, collectionId: string): Promise<string | undefined> {
    const id = Number(collectionId);
    if (!Number.isSafeInteger(id)) return undefined;
    const row = this.db.get('SELECT backend_key FROM folders WHERE user = ? AND collection_id = ?', user, id);
    return row?.backend_key == null ? undefined : String(row.backend_key);
  }

  async rekeyFolder(user: string, oldKey: string, newKey: string): Promise<void> {
    this.db.run(
      'UPDATE folders SET backend_key = ? WHERE user = ? AND backend_key = ?',
      newKey,
      user,
      oldKey,
    );
  }

  async forgetFolder(user: string, backendKey: string): Promise<void> {
    this.db.run('UPDATE folders SET backend_key = NULL WHERE user = ? AND backend_key = ?', user, backendKey);
  }

  async loadSyncState(
    device: DeviceRef,
    scope: string,
    syncKey: string,
  ): Promise<LoadedSyncState | undefined> {
    const rows = this.db.all(
      'SELECT slot, sync_key, snapshot FROM sync_states WHERE user = ? AND device_id = ? AND scope = ?',
      device.user,
      device.deviceId,
      scope,
    );
    return syncStateOfRows(rows, syncKey);
  }

  async commitSyncState(
    device: DeviceRef,
    scope: string,
    base: SyncBase | null,
    next: SyncState,
  ): Promise<'committed' | 'conflict'> {
    const key = [device.user, device.deviceId, scope] as const;
    const t = this.now().getTime();
    return this.db.transaction(() => {
      const slots = new Map(
        this.db
          .all(
            'SELECT slot, sync_key FROM sync_states WHERE user = ? AND device_id = ? AND scope = ?',
            ...key,
          )
          .map((r) => [String(r.slot), String(r.sync_key)]),
      );
      if (!baseMatches(slots, base)) return 'conflict';
      if (base?.which === 'current') {
        this.db.run(
          "DELETE FROM sync_states WHERE user = ? AND device_id = ? AND scope = ? AND slot = 'previous'",
          ...key,
        );
        this.db.run(
          "UPDATE sync_states SET slot = 'previous' WHERE user = ? AND device_id = ? AND scope = ? AND slot = 'current'",
          ...key,
        );
      } else {
        this.db.run(
          "DELETE FROM sync_states WHERE user = ? AND device_id = ? AND scope = ? AND slot = 'current'",
          ...key,
        );
      }
      this.db.run(
        "INSERT INTO sync_states (user, device_id, scope, slot, sync_key, snapshot, updated_at) VALUES (?, ?, ?, 'current', ?, ?, ?)",
        ...key,
        next.syncKey,
        JSON.stringify(next.snapshot),
        t,
      );
      return 'committed';
    });
  }

  async resetSyncState(device: DeviceRef, scope?: string): Promise<void> {
    if (scope === undefined)
      this.db.run('DELETE FROM sync_states WHERE user = ? AND device_id = ?', device.user, device.deviceId);
    else
      this.db.run(
        'DELETE FROM sync_states WHERE user = ? AND device_id = ? AND scope = ?',
        device.user,
        device.deviceId,
        scope,
      );
  }

  async getDeviceCache(device: DeviceRef, name: string): Promise<unknown> {
    const row = this.db.get(
      'SELECT value FROM device_cache WHERE user = ? AND device_id = ? AND name = ?',
      device.user,
      device.deviceId,
      name,
    );
    return row === undefined ? undefined : JSON.parse(String(row.value));
  }

  async setDeviceCache(device: DeviceRef, name: string, value: unknown): Promise<void> {
    this.db.run(
      'INSERT INTO device_cache (user, device_id, name, value) VALUES (?, ?, ?, ?) ON CONFLICT (user, device_id, name) DO UPDATE SET value = excluded.value',
      device.user,
      device.deviceId,
      name,
      JSON.stringify(value ?? null),
    );
  }

  async recordClientId(device: DeviceRef, scope: string, clientId: string, serverId: string): Promise<void> {
    this.db.run(
      'INSERT OR REPLACE INTO client_ids (user, device_id, scope, client_id, server_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      device.user,
      device.deviceId,
      scope,
      clientId,
      serverId,
      this.now().getTime(),
    );
  }

  async lookupClientId(device: DeviceRef, scope: string, clientId: string): Promise<string | undefined> {
    const row = this.db.get(
      'SELECT server_id FROM client_ids WHERE user = ? AND device_id = ? AND scope = ? AND client_id = ?',
      device.user,
      device.deviceId,
      scope,
      clientId,
    );
    return row === undefined ? undefined : String(row.server_id);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
