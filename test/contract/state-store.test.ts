import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MemoryStateStore } from '../../src/state/memory/index.js';
import { openPostgresStateStore } from '../../src/state/postgres/index.js';
import { openSqliteStateStore } from '../../src/state/sqlite/index.js';
import type { StateStore } from '../../src/state/types.js';

// One contract for every StateStore implementation (PostgreSQL joins this list when it lands).
interface Factory {
  name: string;
  open(): Promise<StateStore>;
  /** Opens the same store again (after close), for implementations that persist. */
  reopen?(): Promise<StateStore>;
}

function sqliteFactory(): Factory {
  let path = '';
  return {
    name: 'sqlite',
    open: async () => {
      path = join(mkdtempSync(join(tmpdir(), 'eas-state-')), 'state.sqlite');
      return openSqliteStateStore(path);
    },
    reopen: () => openSqliteStateStore(path),
  };
}

// PostgreSQL from the test environment (test/env/start), each run in a schema of its own.
const envFile = new URL('../env/run/env.json', import.meta.url);
const pgUrl = existsSync(envFile)
  ? `postgres://eas:eas@127.0.0.1:${(JSON.parse(readFileSync(envFile, 'utf8')) as { pgPort: number }).pgPort}/eas`
  : undefined;
const pgSchemas: string[] = [];

function postgresFactory(url: string): Factory {
  let schema = '';
  return {
    name: 'postgres',
    open: () => {
      schema = `t_${randomBytes(6).toString('hex')}`;
      pgSchemas.push(schema);
      return openPostgresStateStore({ connectionString: url, schema });
    },
    reopen: () => openPostgresStateStore({ connectionString: url, schema }),
  };
}

afterAll(async () => {
  if (pgUrl === undefined || pgSchemas.length === 0) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const schema of pgSchemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const FACTORIES: Factory[] = [
  { name: 'memory', open: async () => new MemoryStateStore() },
  sqliteFactory(),
  ...(pgUrl === undefined ? [] : [postgresFactory(pgUrl)]),
];

const alice = { user: 'alice@example.test', deviceId: 'PHONE1' };
const touch = { deviceType: 'iPhone', userAgent: 'Apple-iPhone/2101', protocolVersion: '16.1' };

describe.each(FACTORIES)('StateStore contract: $name', (factory) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => store.close());

  it('creates a device on first touch and records later requests', async () => {
    const first = await store.touchDevice(alice, touch);
    expect(first).toMatchObject({ ...alice, ...touch, wipe: 'none', policyKey: undefined });
    const later = await store.touchDevice(alice, { ...touch, protocolVersion: '14.1', userAgent: undefined });
    expect(later.protocolVersion).toBe('14.1');
    expect(later.firstSeen.getTime()).toBe(first.firstSeen.getTime());
    expect(await store.getDevice({ ...alice, deviceId: 'OTHER' })).toBeUndefined();
  });

  it('patches policy keys, wipe state and device information; undefined clears', async () => {
    await store.touchDevice(alice, touch);
    await store.patchDevice(alice, { pendingPolicyKey: '123', deviceInformation: { model: 'iPhone15,2' } });
    await store.patchDevice(alice, { policyKey: '456', pendingPolicyKey: undefined, wipe: 'requested' });
    expect(await store.getDevice(alice)).toMatchObject({
      policyKey: '456',
      pendingPolicyKey: undefined,
      wipe: 'requested',
      deviceInformation: { model: 'iPhone15,2' },
    });
  });

  it('lists devices, by user or all, and removes a device with all its state', async () => {
    await store.touchDevice(alice, touch);
    await store.touchDevice({ user: 'bob@example.test', deviceId: 'B1' }, touch);
    expect((await store.listDevices()).map((d) => d.deviceId)).toEqual(['PHONE1', 'B1']);
    expect((await store.listDevices('bob@example.test')).map((d) => d.deviceId)).toEqual(['B1']);
    await store.commitSyncState(alice, 'hierarchy', null, { syncKey: 'k1', snapshot: {} });
    await store.setDeviceCache(alice, 'ping', { folders: ['1'] });
    await store.recordClientId(alice, '5', 'c1', '5:1');
    await store.removeDevice(alice);
    expect(await store.getDevice(alice)).toBeUndefined();
    expect(await store.loadSyncState(alice, 'hierarchy', 'k1')).toBeUndefined();
    expect(await store.getDeviceCache(alice, 'ping')).toBeUndefined();
    expect(await store.lookupClientId(alice, '5', 'c1')).toBeUndefined();
  });

  it('gives folders stable CollectionIds that survive a re-key and are never reused', async () => {
    const a = await store.collectionIdFor('alice', 'mail|imap:id:1');
    const b = await store.collectionIdFor('alice', 'calendar|dav:/alice/calendar/');
    expect(await store.collectionIdFor('alice', 'mail|imap:id:1')).toBe(a);
    expect(a).not.toBe(b);
    expect(await store.collectionIdFor('bob', 'mail|imap:id:1')).toBe('1');
    await store.rekeyFolder('alice', 'mail|imap:id:1', 'mail|imap:path:Renamed');
    expect(await store.collectionIdFor('alice', 'mail|imap:path:Renamed')).toBe(a);
    expect(await store.backendKeyFor('alice', a)).toBe('mail|imap:path:Renamed');
    await store.forgetFolder('alice', 'mail|imap:path:Renamed');
    expect(await store.backendKeyFor('alice', a)).toBeUndefined();
    const c = await store.collectionIdFor('alice', 'mail|imap:id:3');
    expect([a, b]).not.toContain(c);
    expect(await store.backendKeyFor('alice', 'not-a-number')).toBeUndefined();
  });

  it('keeps the previous SyncKey for a replay until the device uses the next one', async () => {
    expect(await store.commitSyncState(alice, 'h', null, { syncKey: 'k1', snapshot: { a: 1 } })).toBe(
      'committed',
    );
    expect(await store.commitSyncState(alice, 'h', null, { syncKey: 'kx', snapshot: {} })).toBe('conflict');
    expect(
      await store.commitSyncState(
        alice,
        'h',
        { syncKey: 'k1', which: 'current' },
        { syncKey: 'k2', snapshot: { a: 2 } },
      ),
    ).toBe('committed');
    expect(await store.loadSyncState(alice, 'h', 'k1')).toEqual({
      state: { syncKey: 'k1', snapshot: { a: 1 } },
      which: 'previous',
      currentKey: 'k2',
    });
    expect(await store.loadSyncState(alice, 'h', 'k2')).toEqual({
      state: { syncKey: 'k2', snapshot: { a: 2 } },
      which: 'current',
    });
    // The device lost the k2 answer and builds on k1 again: k2 is replaced, k1 stays.
    expect(
      await store.commitSyncState(
        alice,
        'h',
        { syncKey: 'k1', which: 'previous' },
        { syncKey: 'k2b', snapshot: { a: 3 } },
      ),
    ).toBe('committed');
    expect(await store.loadSyncState(alice, 'h', 'k2')).toBeUndefined();
    expect((await store.loadSyncState(alice, 'h', 'k1'))?.which).toBe('previous');
    // Using k2b moves on: k1 is gone.
    expect(
      await store.commitSyncState(
        alice,
        'h',
        { syncKey: 'k2b', which: 'current' },
        { syncKey: 'k3', snapshot: {} },
      ),
    ).toBe('committed');
    expect(await store.loadSyncState(alice, 'h', 'k1')).toBeUndefined();
    expect((await store.loadSyncState(alice, 'h', 'k2b'))?.which).toBe('previous');
    expect(
      await store.commitSyncState(
        alice,
        'h',
        { syncKey: 'k2b', which: 'current' },
        { syncKey: 'k9', snapshot: {} },
      ),
    ).toBe('conflict');
  });

  it('lets exactly one of two racing commits on the same key win', async () => {
    await store.commitSyncState(alice, 'h', null, { syncKey: 'k1', snapshot: {} });
    const results = await Promise.all([
      store.commitSyncState(alice, 'h', { syncKey: 'k1', which: 'current' }, { syncKey: 'a', snapshot: {} }),
      store.commitSyncState(alice, 'h', { syncKey: 'k1', which: 'current' }, { syncKey: 'b', snapshot: {} }),
    ]);
    expect(results.sort()).toEqual(['committed', 'conflict']);
  });

  it('lets only one of two replays of the same previous key win, even one after the other', async () => {
    await store.commitSyncState(alice, 'r', null, { syncKey: 'k1', snapshot: {} });
    await store.commitSyncState(
      alice,
      'r',
      { syncKey: 'k1', which: 'current' },
      { syncKey: 'k2', snapshot: {} },
    );
    const seenA = await store.loadSyncState(alice, 'r', 'k1');
    const seenB = await store.loadSyncState(alice, 'r', 'k1');
    const base = (seen: typeof seenA) => ({
      syncKey: 'k1',
      which: 'previous' as const,
      currentKey: seen!.currentKey,
    });
    expect(await store.commitSyncState(alice, 'r', base(seenA), { syncKey: 'a', snapshot: {} })).toBe(
      'committed',
    );
    expect(await store.commitSyncState(alice, 'r', base(seenB), { syncKey: 'b', snapshot: {} })).toBe(
      'conflict',
    );
    expect((await store.loadSyncState(alice, 'r', 'a'))?.which).toBe('current');
  });

  it('lands many parallel commits of different scopes', async () => {
    const scopes = Array.from({ length: 50 }, (_, i) => String(i));
    const results = await Promise.all(
      scopes.map((s) => store.commitSyncState(alice, s, null, { syncKey: `k${s}`, snapshot: { s } })),
    );
    expect(results.every((r) => r === 'committed')).toBe(true);
    for (const s of scopes)
      expect((await store.loadSyncState(alice, s, `k${s}`))?.state.snapshot).toEqual({ s });
  });

  it('resets one scope or all scopes of a device', async () => {
    await store.commitSyncState(alice, 'h', null, { syncKey: 'k1', snapshot: {} });
    await store.commitSyncState(alice, '5', null, { syncKey: 'k5', snapshot: {} });
    await store.resetSyncState(alice, '5');
    expect(await store.loadSyncState(alice, '5', 'k5')).toBeUndefined();
    expect(await store.loadSyncState(alice, 'h', 'k1')).toBeDefined();
    await store.resetSyncState(alice);
    expect(await store.loadSyncState(alice, 'h', 'k1')).toBeUndefined();
  });

  it('stores large snapshots', async () => {
    const snapshot = { items: Array.from({ length: 40_000 }, (_, i) => [`${i}:${i}`, 'x'.repeat(40)]) };
    expect(JSON.stringify(snapshot).length).toBeGreaterThan(2_000_000);
    await store.commitSyncState(alice, 'big', null, { syncKey: 'k', snapshot });
    expect((await store.loadSyncState(alice, 'big', 'k'))?.state.snapshot).toEqual(snapshot);
  });

  it('keeps device caches and ClientIds', async () => {
    await store.setDeviceCache(alice, 'ping', { heartbeat: 480 });
    await store.setDeviceCache(alice, 'ping', { heartbeat: 900 });
    expect(await store.getDeviceCache(alice, 'ping')).toEqual({ heartbeat: 900 });
    await store.recordClientId(alice, '5', 'client-1', '5:42');
    expect(await store.lookupClientId(alice, '5', 'client-1')).toBe('5:42');
    expect(await store.lookupClientId(alice, '6', 'client-1')).toBeUndefined();
  });

  it.skipIf(factory.reopen === undefined)('survives closing and reopening', async () => {
    await store.touchDevice(alice, touch);
    await store.commitSyncState(alice, 'h', null, { syncKey: 'k1', snapshot: { x: 1 } });
    const id = await store.collectionIdFor('alice', 'mail|k');
    await store.close();
    store = await factory.reopen!();
    expect((await store.getDevice(alice))?.deviceType).toBe('iPhone');
    expect((await store.loadSyncState(alice, 'h', 'k1'))?.state.snapshot).toEqual({ x: 1 });
    expect(await store.collectionIdFor('alice', 'mail|k')).toBe(id);
  });
});

describe('SQLite schema migrations', () => {
  it('upgrades an empty file and refuses a file from a newer gateway', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'eas-state-')), 'state.sqlite');
    const store = await openSqliteStateStore(path);
    await store.close();
    const { openSqlite } = await import('../../src/state/sqlite/driver.js');
    const db = openSqlite(path);
    db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', 99, Date.now());
    db.close();
    await expect(openSqliteStateStore(path)).rejects.toThrow(
      /schema version 99, this gateway knows 1: upgrade the gateway/,
    );
  });
});

describe.skipIf(pgUrl === undefined)('PostgreSQL across gateway instances', () => {
  it('lets two instances race on one SyncKey and one folder without losing or doubling anything', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    pgSchemas.push(schema);
    const [a, b] = await Promise.all([
      openPostgresStateStore({ connectionString: pgUrl!, schema }),
      openPostgresStateStore({ connectionString: pgUrl!, schema }),
    ]);
    try {
      // Twenty races of a first commit: exactly one instance wins each (a READ COMMITTED
      // race once let both win).
      for (let i = 0; i < 20; i++) {
        const results = await Promise.all([
          a.commitSyncState(alice, `race${i}`, null, { syncKey: 'a1', snapshot: {} }),
          b.commitSyncState(alice, `race${i}`, null, { syncKey: 'b1', snapshot: {} }),
        ]);
        expect(results.sort()).toEqual(['committed', 'conflict']);
      }
      const firsts = await Promise.all([
        a.commitSyncState(alice, 'h', null, { syncKey: 'a1', snapshot: {} }),
        b.commitSyncState(alice, 'h', null, { syncKey: 'b1', snapshot: {} }),
      ]);
      expect(firsts.sort()).toEqual(['committed', 'conflict']);
      const winner = (await a.loadSyncState(alice, 'h', 'a1')) ? 'a1' : 'b1';
      const seconds = await Promise.all(
        [a, b, a, b].map((s, i) =>
          s.commitSyncState(
            alice,
            'h',
            { syncKey: winner, which: 'current' },
            { syncKey: `n${i}`, snapshot: {} },
          ),
        ),
      );
      expect(seconds.filter((r) => r === 'committed')).toHaveLength(1);
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).collectionIdFor('alice', `mail|k${i % 5}`),
        ),
      );
      for (let i = 0; i < 20; i++) expect(ids[i]).toBe(ids[i % 5]);
      expect(new Set(ids).size).toBe(5);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
