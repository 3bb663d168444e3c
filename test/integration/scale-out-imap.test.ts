import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStateStore } from '../../src/state/postgres/index.js';
import type { StateStore } from '../../src/state/types.js';
import { el } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, MailDevice, message } from '../support/mail-sync.js';
import { testEnv } from '../support/test-env.js';

// Two gateway instances on one PostgreSQL in front of the real Dovecot, each with IMAP connections
// of its own (issue 22, defect 4): a connection that has not yet seen a new message must not take
// a write to it for done.

const url = `postgres://eas:eas@127.0.0.1:${testEnv().pgPort}/eas`;
const schema = `t_${randomBytes(6).toString('hex')}`;
const folder = `TwoInstances-${randomBytes(3).toString('hex')}`;
let stores: StateStore[] = [];
let a: RealGateway;
let b: RealGateway;
let imap: ImapFlow;

beforeAll(async () => {
  stores = await Promise.all([0, 1].map(() => openPostgresStateStore({ connectionString: url, schema })));
  a = await realGateway({ state: stores[0] });
  b = await realGateway({ state: stores[1] });
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  await imap.append(folder, message('already there'));
});

afterAll(async () => {
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await a?.close();
  await b?.close();
  await Promise.all(stores.map((s) => s.close()));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe('two instances over one Dovecot mailbox', () => {
  it.each([
    { deletesAsMoves: false, name: 'expunged' },
    { deletesAsMoves: true, name: 'moved to Deleted Items' },
  ])(
    'a Delete sent to the instance that did not deliver the message is $name',
    async ({ deletesAsMoves }) => {
      const onA = new MailDevice(a.app, 'bob', '14.1');
      await onA.onboard();
      const onB = new MailDevice(b.app, 'bob', '14.1', onA.deviceId);
      onB.policyKey = onA.policyKey;
      onB.folders = onA.folders;
      const id = onA.idOf(folder);
      // B's IMAP connection selects the folder now, before the new message arrives.
      const start = await onB.initialSync(id);
      const subject = `deliver on A, delete on B ${deletesAsMoves}`;
      await imap.append(folder, message(subject));
      const got = await onA.sync([{ syncKey: start.syncKey, collectionId: id }]);
      const answer = got.collections.get(id)!;
      const added = answer.adds.find((x) => x.data.children.some((c) => JSON.stringify(c).includes(subject)));
      expect(added).toBeDefined();
      const del = await onB.sync([
        {
          syncKey: answer.syncKey!,
          collectionId: id,
          deletesAsMoves,
          commands: [el('AirSync:Delete', el('AirSync:ServerId', added!.serverId))],
        },
      ]);
      expect(del.collections.get(id)?.responses ?? []).toEqual([]);
      await imap.mailboxOpen(folder);
      const left = await imap.search({ subject }, { uid: true });
      expect(left || []).toEqual([]);
    },
  );
});
