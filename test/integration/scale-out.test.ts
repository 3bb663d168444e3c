import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { openPostgresStateStore } from '../../src/state/postgres/index.js';
import { childText } from '../../src/wbxml/index.js';
import { eas } from '../support/eas-client.js';
import { folderSync, provision } from '../support/eas-requests.js';
import { fakeBackends } from '../support/fake-backends.js';
import { testEnv } from '../support/test-env.js';

// Two gateway instances share one PostgreSQL and nothing else: a device may reach either.
const url = `postgres://eas:eas@127.0.0.1:${testEnv().pgPort}/eas`;
const schema = `t_${randomBytes(6).toString('hex')}`;

afterAll(async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe('several gateway instances on one PostgreSQL', () => {
  it('provisions on one instance and syncs folders on the other, keys and ids shared', async () => {
    const config: GatewayConfig = { ...DEFAULT_CONFIG, state: { driver: 'postgres', path: '', url } };
    const backends = fakeBackends();
    const stores = await Promise.all(
      [0, 1].map(() => openPostgresStateStore({ connectionString: url, schema })),
    );
    const [a, b] = await Promise.all(stores.map((state) => buildApp({ config, backends, state })));
    try {
      const key = await provision(a!.fastify, { deviceId: 'SCALE1' });
      const first = await eas(b!.fastify, {
        cmd: 'FolderSync',
        deviceId: 'SCALE1',
        policyKey: key,
        body: folderSync('0'),
      });
      expect(childText(first.body!, 'FolderHierarchy:Status')).toBe('1');
      const syncKey = childText(first.body!, 'FolderHierarchy:SyncKey')!;
      const again = await eas(a!.fastify, {
        cmd: 'FolderSync',
        deviceId: 'SCALE1',
        policyKey: key,
        body: folderSync(syncKey),
      });
      expect(childText(again.body!, 'FolderHierarchy:SyncKey')).toBe(syncKey);
    } finally {
      await a!.fastify.close();
      await b!.fastify.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
