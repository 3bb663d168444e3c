import pg from 'pg';
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
import { PostgresDeviceCoordinator } from './coordinator.js';
import { PG_MIGRATIONS } from './migrations.js';
import { DEVICE_COLUMNS, deviceOf, PATCH_COLUMNS, patchValue, syncStateOfRows } from '../device-row.js';

// The state store for several gateway instances behind one load balancer: every write is one
// transaction; sync-state commits lock the scope's rows (compare-and-set across instances), and
// CollectionId allocation takes a per-user advisory lock. No coordination outside PostgreSQL.

type Queryable = Pick<pg.PoolClient, 'query'>;
type Row = Record<string, unknown>;

const MIGRATION_LOCK = 0x45415347; // "EASG"

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use (created if missing); tests give each run its own. */
  schema?: string;
  max?: number;
}

export async function openPostgresStateStore(
  options: PostgresOptions,
  now: () => Date = () => new Date(),
): Promise<StateStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new StateStoreError(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', () => undefined);
  try {
    await withClient(pool, (c) => migrate(c, schema));
  } catch (e) {
    await pool.end();
    throw new StateStoreError(`cannot open the PostgreSQL state store: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return new PostgresStateStore(pool, now, new PostgresDeviceCoordinator(options.connectionString));
}

async function withClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    return await fn(c);
  } finally {
    c.release();
  }
}

async function migrate(c: pg.PoolClient, schema: string | undefined): Promise<void> {
  // Instances starting together: one creates and migrates, the others wait (CREATE … IF NOT
  // EXISTS alone races in PostgreSQL's catalog).
  await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    if (schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const applied = Number(
      (await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0].v,
    );
    if (applied > PG_MIGRATIONS.length) {
      throw new StateStoreError(
        `state database has schema version ${applied}, this gateway knows ${PG_MIGRATIONS.length}: upgrade the gateway`,
      );
    }
    for (const [i, sql] of PG_MIGRATIONS.slice(applied).entries()) {
      await c.query('BEGIN');
      try {
        await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          applied + i + 1,
          Date.now(),
        ]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    }
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

class PostgresStateStore implements StateStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date,
    readonly coordinator: PostgresDeviceCoordinator,
  ) {}

  private async rows(sql: string, params: unknown[] = [], c: Queryable = this.pool): Promise<Row[]> {
    return (await c.query(sql, params)).rows as Row[];
  }

  private transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withClient(this.pool, async (c) => {
      await c.query('BEGIN');
      try {
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    });
  }

  async touchDevice(ref: DeviceRef, touch: DeviceTouch): Promise<DeviceRecord> {
    const t = this.now().getTime();
    const [row] = await this.rows(
      `INSERT INTO devices ("user", device_id, device_type, user_agent, protocol_version, first_seen, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT ("user", device_id) DO UPDATE SET device_type = EXCLUDED.device_type,
         user_agent = EXCLUDED.user_agent, protocol_version = EXCLUDED.protocol_version, last_seen = EXCLUDED.last_seen
       RETURNING ${DEVICE_COLUMNS}`,
      [ref.user, ref.deviceId, touch.deviceType, touch.userAgent ?? null, touch.protocolVersion, t],
    );
    return deviceOf(row!);
  }

  async getDevice(ref: DeviceRef): Promise<DeviceRecord | undefined> {
    const [row] = await this.rows(
      `SELECT ${DEVICE_COLUMNS} FROM devices WHERE "user" = $1 AND device_id = $2`,
      [ref.user, ref.deviceId],
    );
    return row && deviceOf(row);
  }

  async patchDevice(ref: DeviceRef, patch: DevicePatch): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [ref.user, ref.deviceId];
    for (const [key, column] of Object.entries(PATCH_COLUMNS) as [keyof DevicePatch, string][]) {
      if (!(key in patch)) continue;
      values.push(patchValue(key, patch[key]));
      sets.push(`${column} = $${values.length}`);
    }
    if (sets.length > 0)
      await this.rows(`UPDATE devices SET ${sets.join(', ')} WHERE "user" = $1 AND device_id = $2`, values);
  }

  async listDevices(user?: string): Promise<DeviceRecord[]> {
    const rows =
      user === undefined
        ? await this.rows(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY "user", device_id`)
        : await this.rows(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE "user" = $1 ORDER BY device_id`, [
            user,
          ]);
    return rows.map(deviceOf);
  }

  async removeDevice(ref: DeviceRef): Promise<void> {
    await this.transaction(async (c) => {
      for (const table of ['devices', 'sync_states', 'device_cache', 'client_ids']) {
        await c.query(`DELETE FROM ${table} WHERE "user" = $1 AND device_id = $2`, [ref.user, ref.deviceId]);
      }
    });
  }

  async collectionIdFor(user: string, backendKey: string): Promise<string> {
    const [found] = await this.rows(
      'SELECT collection_id FROM folders WHERE "user" = $1 AND backend_key = $2',
      [user, backendKey],
    );
    if (found) return String(found.collection_id);
    return this.transaction(async (c) => {
      // One allocation per user at a time, across instances; ids are never handed out twice.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`folders:${user}`]);
      const [again] = await this.rows(
        'SELECT collection_id FROM folders WHERE "user" = $1 AND backend_key = $2',
        [user, backendKey],
        c,
      );
      if (again) return String(again.collection_id);
      const [next] = await this.rows(
        'SELECT COALESCE(MAX(collection_id), 0) + 1 AS id FROM folders WHERE "user" = $1',
        [user],
        c,
      );
      await c.query('INSERT INTO folders ("user", collection_id, backend_key) VALUES ($1, $2, $3)', [
        user,
        next!.id,
        backendKey,
      ]);
      return String(next!.id);
    });
  }

  async backendKeyFor(user: string, collectionId: string): Promise<string | undefined> {
    if (!/^\d{1,15}$/.test(collectionId)) return undefined;
    const [row] = await this.rows(
      'SELECT backend_key FROM folders WHERE "user" = $1 AND collection_id = $2',
      [user, Number(collectionId)],
    );
    return row?.backend_key == null ? undefined : String(row.backend_key);
  }

  async rekeyFolder(user: string, oldKey: string, newKey: string): Promise<void> {
    await this.rows('UPDATE folders SET backend_key = $3 WHERE "user" = $1 AND backend_key = $2', [
      user,
      oldKey,
      newKey,
    ]);
  }

  async forgetFolder(user: string, backendKey: string): Promise<void> {
    await this.rows('UPDATE folders SET backend_key = NULL WHERE "user" = $1 AND backend_key = $2', [
      user,
      backendKey,
    ]);
  }

  async loadSyncState(
    device: DeviceRef,
    scope: string,
    syncKey: string,
  ): Promise<LoadedSyncState | undefined> {
    const rows = await this.rows(
      'SELECT slot, sync_key, snapshot FROM sync_states WHERE "user" = $1 AND device_id = $2 AND scope = $3',
      [device.user, device.deviceId, scope],
    );
    return syncStateOfRows(rows, syncKey);
  }

  async commitSyncState(
    device: DeviceRef,
    scope: string,
    base: SyncBase | null,
    next: SyncState,
  ): Promise<'committed' | 'conflict'> {
    const key = [device.user, device.deviceId, scope];
    try {
      return await this.transaction(async (c) => {
        const rows = await this.rows(
          'SELECT slot, sync_key FROM sync_states WHERE "user" = $1 AND device_id = $2 AND scope = $3 FOR UPDATE',
          key,
          c,
        );
        const slots = new Map(rows.map((r) => [String(r.slot), String(r.sync_key)]));
        if (!baseMatches(slots, base)) return 'conflict';
        if (base?.which === 'current') {
          await c.query(
            `DELETE FROM sync_states WHERE "user" = $1 AND device_id = $2 AND scope = $3 AND slot = 'previous'`,
            key,
          );
          await c.query(
            `UPDATE sync_states SET slot = 'previous' WHERE "user" = $1 AND device_id = $2 AND scope = $3 AND slot = 'current'`,
            key,
          );
        } else if (base !== null) {
          // A replay replaces the unacknowledged current; a first commit (base null) only inserts,
          // so a racing first commit meets the primary key instead of deleting the winner's row.
          await c.query(
            `DELETE FROM sync_states WHERE "user" = $1 AND device_id = $2 AND scope = $3 AND slot = 'current'`,
            key,
          );
        }
        await c.query(
          `INSERT INTO sync_states ("user", device_id, scope, slot, sync_key, snapshot, updated_at) VALUES ($1, $2, $3, 'current', $4, $5, $6)`,
          [...key, next.syncKey, JSON.stringify(next.snapshot), this.now().getTime()],
        );
        return 'committed' as const;
      });
    } catch (e) {
      // Two first commits of one scope race on the primary key: the loser is a conflict.
      if ((e as { code?: string }).code === '23505') return 'conflict';
      throw e;
    }
  }

  async resetSyncState(device: DeviceRef, scope?: string): Promise<void> {
    if (scope === undefined)
      await this.rows('DELETE FROM sync_states WHERE "user" = $1 AND device_id = $2', [
        device.user,
        device.deviceId,
      ]);
    else
      await this.rows('DELETE FROM sync_states WHERE "user" = $1 AND device_id = $2 AND scope = $3', [
        device.user,
        device.deviceId,
        scope,
      ]);
  }

  async getDeviceCache(device: DeviceRef, name: string): Promise<unknown> {
    const [row] = await this.rows(
      'SELECT value FROM device_cache WHERE "user" = $1 AND device_id = $2 AND name = $3',
      [device.user, device.deviceId, name],
    );
    return row === undefined ? undefined : JSON.parse(String(row.value));
  }

  async setDeviceCache(device: DeviceRef, name: string, value: unknown): Promise<void> {
    await this.rows(
      'INSERT INTO device_cache ("user", device_id, name, value) VALUES ($1, $2, $3, $4) ON CONFLICT ("user", device_id, name) DO UPDATE SET value = EXCLUDED.value',
      [device.user, device.deviceId, name, JSON.stringify(value ?? null)],
    );
  }

  async recordClientId(device: DeviceRef, scope: string, clientId: string, serverId: string): Promise<void> {
    await this.rows(
      `INSERT INTO client_ids ("user", device_id, scope, client_id, server_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("user", device_id, scope, client_id) DO UPDATE SET server_id = EXCLUDED.server_id`,
      [device.user, device.deviceId, scope, clientId, serverId, this.now().getTime()],
    );
  }

  async lookupClientId(device: DeviceRef, scope: string, clientId: string): Promise<string | undefined> {
    const [row] = await this.rows(
      'SELECT server_id FROM client_ids WHERE "user" = $1 AND device_id = $2 AND scope = $3 AND client_id = $4',
      [device.user, device.deviceId, scope, clientId],
    );
    return row === undefined ? undefined : String(row.server_id);
  }

  async close(): Promise<void> {
    await this.coordinator.close();
    await this.pool.end();
  }
}
