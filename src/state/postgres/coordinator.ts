import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DeviceCoordinator, DeviceRef } from '../types.js';

// Cross-instance coordination through PostgreSQL itself (no other cluster software):
// - a session advisory lock per device (pg_try_advisory_lock on hashtext of user and DeviceId),
//   held on a connection of a pool of its own so state queries never wait behind locks;
// - LISTEN/NOTIFY on one channel to end a device's waiting Ping on whichever instance holds it.

const CHANNEL = 'eas_device_request';
const LOCK_POLL_MS = 25;
const REANNOUNCE_EVERY = 40;

export class PostgresDeviceCoordinator implements DeviceCoordinator {
  readonly #instance = randomUUID();
  readonly #locks: pg.Pool;
  readonly #notify: pg.Pool;
  readonly #listeners = new Set<(device: DeviceRef) => void>();
  #listener: Promise<pg.Client> | undefined;
  #closed = false;

  constructor(connectionString: string, options: { maxLocks?: number } = {}) {
    // A request holds a lock connection while it runs (not while it waits for changes).
    this.#locks = new pg.Pool({ connectionString, max: options.maxLocks ?? 50 });
    this.#locks.on('error', () => undefined);
    this.#notify = new pg.Pool({ connectionString, max: 2 });
    this.#notify.on('error', () => undefined);
  }

  async lockDevice(device: DeviceRef, signal?: AbortSignal): Promise<() => Promise<void>> {
    const key = lockKey(device);
    const client = await this.#locks.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        signal?.throwIfAborted();
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock(hashtext($1)) AS ok',
          [key],
        );
        if (rows[0]?.ok) break;
        // The holder may have started waiting for changes only after our first announcement.
        if (attempt % REANNOUNCE_EVERY === 0) await this.announceRequest(device);
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      }
    } catch (err) {
      client.release();
      throw err;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
        client.release();
      } catch (err) {
        // A connection that cannot unlock is closed, which drops the lock with it.
        client.release(err instanceof Error ? err : true);
      }
    };
  }

  async announceRequest(device: DeviceRef): Promise<void> {
    const payload = JSON.stringify({ from: this.#instance, user: device.user, deviceId: device.deviceId });
    await this.#notify.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
  }

  onRequestElsewhere(listener: (device: DeviceRef) => void): () => void {
    this.#listeners.add(listener);
    this.#listener ??= this.#listen();
    return () => this.#listeners.delete(listener);
  }

  async #listen(): Promise<pg.Client> {
    const client = await this.#notify.connect().then((c) => c as unknown as pg.Client);
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || n.payload === undefined) return;
      const m = parse(n.payload);
      if (m === undefined || m.from === this.#instance) return;
      for (const l of this.#listeners) l({ user: m.user, deviceId: m.deviceId });
    });
    client.on('error', () => {
      // Lost LISTEN connection: listen again (announcements in between are missed; the waiting
      // request still ends at its heartbeat).
      this.#listener = undefined;
      if (!this.#closed && this.#listeners.size > 0) this.#listener = this.#listen();
    });
    await client.query(`LISTEN ${CHANNEL}`);
    return client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const listener = await this.#listener?.catch(() => undefined);
    (listener as unknown as pg.PoolClient | undefined)?.release(true);
    await Promise.all([this.#locks.end(), this.#notify.end()]);
  }
}

function lockKey(device: DeviceRef): string {
  // PostgreSQL text holds no NUL: the unit separator keeps user and DeviceId apart.
  return `eas-device\u001f${device.user}\u001f${device.deviceId}`;
}

function parse(payload: string): { from: string; user: string; deviceId: string } | undefined {
  try {
    const v = JSON.parse(payload) as { from?: unknown; user?: unknown; deviceId?: unknown };
    return typeof v.from === 'string' && typeof v.user === 'string' && typeof v.deviceId === 'string'
      ? { from: v.from, user: v.user, deviceId: v.deviceId }
      : undefined;
  } catch {
    return undefined;
  }
}
