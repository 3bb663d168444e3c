import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { openPostgresStateStore } from '../../src/state/postgres/index.js';
import { childText, el } from '../../src/wbxml/index.js';
import { collectionsOf, MailDevice, syncRequest } from '../support/mail-sync.js';
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

async function twoInstances() {
  const config: GatewayConfig = { ...DEFAULT_CONFIG, state: { driver: 'postgres', path: '', url } };
  const backends = fakeBackends();
  const stores = await Promise.all(
    [0, 1].map(() => openPostgresStateStore({ connectionString: url, schema })),
  );
  const [a, b] = await Promise.all(stores.map((state) => buildApp({ config, backends, state })));
  return {
    backends,
    a: a!.fastify,
    b: b!.fastify,
    close: async () => {
      await a!.fastify.close();
      await b!.fastify.close();
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

const pingBody = (id: string) =>
  el(
    'Ping:Ping',
    el('Ping:HeartbeatInterval', 600),
    el('Ping:Folders', el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Email'))),
  );

describe('several gateway instances on one PostgreSQL', () => {
  it('lets one device alternate between instances through Sync, Ping and SendMail, nothing lost or doubled', async () => {
    const { backends, a, b, close } = await twoInstances();
    try {
      for (let i = 1; i <= 3; i++) backends.mail.deliver('m:inbox', `First ${i}`);
      const onA = new MailDevice(a, 'alice', '14.1', 'SCALE2');
      await onA.onboard();
      const onB = new MailDevice(b, 'alice', '14.1', 'SCALE2');
      onB.policyKey = onA.policyKey;
      onB.folders = onA.folders;
      const inbox = onA.idOf('Inbox');
      const seen = new Set<string>();
      const take = (adds: { serverId: string }[]) => {
        for (const x of adds) {
          expect(seen.has(x.serverId)).toBe(false);
          seen.add(x.serverId);
        }
      };
      const start = await onB.initialSync(inbox);
      take(start.adds);
      let key = start.syncKey;

      // A Ping waiting on B ends (Status 1) when the device's next request reaches A.
      const waiting = onB.call('Ping', pingBody(inbox));
      await new Promise((r) => setTimeout(r, 300));
      const began = Date.now();
      const quiet = await onA.sync([{ syncKey: key, collectionId: inbox }]);
      expect(quiet.collections.get(inbox)).toBeUndefined();
      expect(childText((await waiting).body!, 'Ping:Status')).toBe('1');
      expect(Date.now() - began).toBeLessThan(3000);

      // New mail wakes a Ping on A; B's Sync brings it.
      const woken = onA.call('Ping', pingBody(inbox));
      await new Promise((r) => setTimeout(r, 100));
      backends.mail.deliver('m:inbox', 'Second');
      expect(childText((await woken).body!, 'Ping:Status')).toBe('2');
      const second = await onB.sync([{ syncKey: key, collectionId: inbox }]);
      const c = second.collections.get(inbox)!;
      take(c.adds);
      key = c.syncKey!;

      // The same Sync on both instances at once: serialised by the device lock, the later one a
      // replay of the same key; its key carries on.
      backends.mail.deliver('m:inbox', 'Third');
      const [x, y] = await Promise.all([
        onA.sync([{ syncKey: key, collectionId: inbox }]),
        onB.sync([{ syncKey: key, collectionId: inbox }]),
      ]);
      const answers = [x.collections.get(inbox)!, y.collections.get(inbox)!];
      expect(answers.map((r) => r.status)).toEqual(['1', '1']);
      expect(answers.map((r) => r.adds.length)).toEqual([1, 1]);
      const keys = answers.map((r) => r.syncKey!);
      const results = await Promise.all(
        keys.map((k) => onA.call('Sync', syncRequest([{ syncKey: k, collectionId: inbox }]))),
      );
      // Exactly one of the two keys is the state's current one.
      const valid = results.filter(
        (r) => r.body === undefined || collectionsOf(r.body).get(inbox)?.status === '1',
      );
      expect(valid).toHaveLength(1);
      take(answers[0]!.adds);
      expect(seen.size).toBe(5);

      // SendMail on B with a ClientId, retried on A: one message.
      const mime = Buffer.from(
        'From: alice@example.test\r\nTo: bob@example.test\r\nSubject: once\r\n\r\nx\r\n',
      );
      const send = el(
        'ComposeMail:SendMail',
        el('ComposeMail:ClientId', 'scale-1'),
        el('ComposeMail:Mime', mime),
      );
      expect((await onB.call('SendMail', send)).status).toBe(200);
      expect((await onA.call('SendMail', send)).status).toBe(200);
      expect(backends.sent).toHaveLength(1);
    } finally {
      await close();
    }
  });

  it('provisions on one instance and syncs folders on the other, keys and ids shared', async () => {
    const { a, b, close } = await twoInstances();
    try {
      const key = await provision(a, { deviceId: 'SCALE1' });
      const first = await eas(b, {
        cmd: 'FolderSync',
        deviceId: 'SCALE1',
        policyKey: key,
        body: folderSync('0'),
      });
      expect(childText(first.body!, 'FolderHierarchy:Status')).toBe('1');
      const syncKey = childText(first.body!, 'FolderHierarchy:SyncKey')!;
      const again = await eas(a, {
        cmd: 'FolderSync',
        deviceId: 'SCALE1',
        policyKey: key,
        body: folderSync(syncKey),
      });
      expect(childText(again.body!, 'FolderHierarchy:SyncKey')).toBe(syncKey);
    } finally {
      await close();
    }
  });
});
