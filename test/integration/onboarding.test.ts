import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { Backends } from '../../src/backends/types.js';
import type { StateStore } from '../../src/state/types.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { eas } from '../support/eas-client.js';
import { folderCreate, folderDelete, folderSync, provision } from '../support/eas-requests.js';
import { itWith, missing, testBackends } from '../support/backend-matrix.js';

// The onboarding path of a phone against the real servers: Dovecot (IMAP, ManageSieve) and
// Radicale, with the SQLite state store. Folder changes use bob; alice's seeded data is only read,
// except her out-of-office, which is switched off again (bob's Sieve script belongs to the sieve suite).

let app: FastifyInstance;
let state: StateStore;
let backends: Backends;
const device = `IT${randomBytes(4).toString('hex').toUpperCase()}`;

beforeAll(async () => {
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    ...testBackends().gatewayBackends(),
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-onboarding-')), 'state.sqlite') },
  };
  state = await openStateStore(config);
  backends = createBackends(config);
  ({ fastify: app } = await buildApp({ config, backends, state }));
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await backends?.close();
  await state?.close();
});

const provisioned = (user: string, version: string, deviceId: string): Promise<string> =>
  provision(app, { user, version, deviceId });

describe('a phone adds the account (real IMAP, CalDAV/CardDAV, ManageSieve)', () => {
  it('goes 449 → Provision → FolderSync at 14.0, and 142 → Provision at 14.1', async () => {
    const d = `${device}A`;
    expect(
      (await eas(app, { cmd: 'FolderSync', version: '14.0', deviceId: d, body: folderSync('0') })).status,
    ).toBe(449);
    const key = await provisioned('alice', '14.0', d);
    const ok = await eas(app, {
      cmd: 'FolderSync',
      version: '14.0',
      deviceId: d,
      policyKey: key,
      body: folderSync('0'),
    });
    expect(childText(ok.body!, 'FolderHierarchy:Status')).toBe('1');

    const d2 = `${device}B`;
    const refused = await eas(app, {
      cmd: 'FolderSync',
      version: '14.1',
      deviceId: d2,
      body: folderSync('0'),
    });
    expect(childText(refused.body!, 'FolderHierarchy:Status')).toBe('142');
    const key2 = await provisioned('alice@example.test', '14.1', d2);
    expect(key2).toMatch(/^\d+$/);
  });

  it('lists mail folders with their types, the Outbox, calendars, task lists and address books', async () => {
    const d = `${device}C`;
    const key = await provisioned('alice', '16.1', d);
    const res = await eas(app, {
      cmd: 'FolderSync',
      version: '16.1',
      deviceId: d,
      policyKey: key,
      body: folderSync('0'),
    });
    const adds = elements(child(res.body!, 'FolderHierarchy:Changes')!, 'FolderHierarchy:Add').map((a) => ({
      name: childText(a, 'FolderHierarchy:DisplayName')!,
      type: childText(a, 'FolderHierarchy:Type')!,
      id: childText(a, 'FolderHierarchy:ServerId')!,
      parent: childText(a, 'FolderHierarchy:ParentId')!,
    }));
    const typeOf = (name: string) => adds.find((a) => a.name === name)?.type;
    expect(typeOf('Inbox')).toBe('2');
    expect(typeOf('Drafts')).toBe('3');
    expect(typeOf('Trash')).toBe('4');
    expect(typeOf('Sent')).toBe('5');
    expect(typeOf('Outbox')).toBe('6');
    expect(typeOf('Junk')).toBe('12');
    const types = adds.map((a) => a.type);
    expect(types.filter((t) => t === '8')).toHaveLength(1);
    expect(types).toContain('13');
    expect(types).toContain('7');
    expect(types).toContain('9');
    const alpha = adds.find((a) => a.name === 'Alpha')!;
    expect(adds.find((a) => a.id === alpha.parent)?.name).toBe('Projects');
  });

  it('sees a folder renamed on the IMAP server as an Update with the same ServerId', async () => {
    const d = `${device}D`;
    const key = await provisioned('bob', '14.1', d);
    const call = (body: WbxmlElement, cmd = 'FolderSync') =>
      eas(app, { cmd, user: 'bob', deviceId: d, policyKey: key, body });
    const first = await call(folderSync('0'));
    let k = childText(first.body!, 'FolderHierarchy:SyncKey')!;
    const name = `Rename-${randomBytes(3).toString('hex')}`;
    const created = await call(folderCreate(k, '0', name, 12), 'FolderCreate');
    expect(childText(created.body!, 'FolderHierarchy:Status')).toBe('1');
    const id = childText(created.body!, 'FolderHierarchy:ServerId')!;
    k = childText(created.body!, 'FolderHierarchy:SyncKey')!;

    // Renamed by another client, straight on the IMAP server.
    const bob = backends.forUser({ user: 'bob', password: 'password' });
    const folder = (await bob.mail.listFolders()).find((f) => f.name === name)!;
    await bob.mail.renameFolder(folder.key, undefined, `${name}-renamed`);

    const next = await call(folderSync(k));
    const changes = child(next.body!, 'FolderHierarchy:Changes')!;
    const updates = elements(changes, 'FolderHierarchy:Update');
    // Other suites change bob's folders at the same time: look at ours only.
    const ours = updates.filter((u) => childText(u, 'FolderHierarchy:ServerId') === id);
    let renamedId = id;
    if (missing('mailboxIds') === '') {
      expect(ours.map((u) => childText(u, 'FolderHierarchy:DisplayName'))).toEqual([`${name}-renamed`]);
    } else {
      // Without a mailbox id a folder is known by its name only: the renamed one is another folder.
      expect(ours).toEqual([]);
      const deletes = elements(changes, 'FolderHierarchy:Delete');
      expect(deletes.map((d) => childText(d, 'FolderHierarchy:ServerId'))).toContain(id);
      const add = elements(changes, 'FolderHierarchy:Add').find(
        (x) => childText(x, 'FolderHierarchy:DisplayName') === `${name}-renamed`,
      );
      renamedId = childText(add!, 'FolderHierarchy:ServerId')!;
    }
    k = childText(next.body!, 'FolderHierarchy:SyncKey')!;

    const deleted = await call(folderDelete(k, renamedId), 'FolderDelete');
    expect(childText(deleted.body!, 'FolderHierarchy:Status')).toBe('1');
    expect((await bob.mail.listFolders()).some((f) => f.name.startsWith(name))).toBe(false);
  });

  itWith(['sieve'], 'sets out-of-office through ManageSieve and reads it back', async () => {
    const d = `${device}E`;
    const key = await provisioned('alice', '14.1', d);
    const set = await eas(app, {
      cmd: 'Settings',
      user: 'alice',
      deviceId: d,
      policyKey: key,
      body: el(
        'Settings:Settings',
        el(
          'Settings:Oof',
          el(
            'Settings:Set',
            el('Settings:OofState', '1'),
            el(
              'Settings:OofMessage',
              el('Settings:AppliesToInternal'),
              el('Settings:Enabled', '1'),
              el('Settings:ReplyMessage', 'On leave until Monday'),
              el('Settings:BodyType', 'Text'),
            ),
            el(
              'Settings:OofMessage',
              el('Settings:AppliesToExternalUnknown'),
              el('Settings:Enabled', '1'),
              el('Settings:ReplyMessage', 'Out of office'),
              el('Settings:BodyType', 'Text'),
            ),
          ),
        ),
      ),
    });
    expect(childText(child(set.body!, 'Settings:Oof')!, 'Settings:Status')).toBe('1');
    const get = await eas(app, {
      cmd: 'Settings',
      user: 'alice',
      deviceId: d,
      policyKey: key,
      body: el('Settings:Settings', el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text')))),
    });
    const got = child(child(get.body!, 'Settings:Oof')!, 'Settings:Get')!;
    expect(childText(got, 'Settings:OofState')).toBe('1');
    const replies = elements(got, 'Settings:OofMessage').map((m) => childText(m, 'Settings:ReplyMessage'));
    expect(replies).toContain('On leave until Monday');
    expect(replies).toContain('Out of office');
    // Turn it off again so other runs start clean.
    await eas(app, {
      cmd: 'Settings',
      user: 'alice',
      deviceId: d,
      policyKey: key,
      body: el('Settings:Settings', el('Settings:Oof', el('Settings:Set', el('Settings:OofState', '0')))),
    });
  });

  it('answers a wrong password with 401 after asking the IMAP server', async () => {
    const res = await eas(app, {
      cmd: 'FolderSync',
      password: 'not-the-password',
      deviceId: `${device}F`,
      body: folderSync('0'),
    });
    expect(res.status).toBe(401);
  });

  it('answers 503 with Retry-After when the IMAP server is down, and writes nothing', async () => {
    const config: GatewayConfig = {
      ...DEFAULT_CONFIG,
      imap: { ...DEFAULT_CONFIG.imap, port: 1 },
      davUrl: undefined,
      sieve: undefined,
      state: { driver: 'memory', path: '' },
    };
    const downState = await openStateStore(config);
    const downBackends = createBackends(config);
    const { fastify, ops } = await buildApp({ config, backends: downBackends, state: downState });
    try {
      const res = await eas(fastify, { cmd: 'FolderSync', deviceId: `${device}G`, body: folderSync('0') });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('30');
      expect(await downState.listDevices()).toEqual([]);
      const ready = await ops.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toEqual({ state: 'ok', imap: 'unreachable' });
    } finally {
      await fastify.close();
      await downBackends.close();
      await downState.close();
    }
  });
});
