import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, MailDevice, message } from '../support/mail-sync.js';
import { itWith, testBackends } from '../support/backend-matrix.js';

// Ping against the selected IMAP server: IMAP IDLE on the user's change-feed connection wakes it.

let gateway: RealGateway;
let app: FastifyInstance;
let imap: ImapFlow;
const folder = `Push-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  gateway = await realGateway();
  app = gateway.app;
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  await imap.append(folder, message('first'));
});

afterAll(async () => {
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await gateway?.close();
});

const ping = (heartbeat: number, ids: string[]): WbxmlElement =>
  el(
    'Ping:Ping',
    el('Ping:HeartbeatInterval', heartbeat),
    el(
      'Ping:Folders',
      ids.map((id) => el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Email'))),
    ),
  );
const statusOf = (b: WbxmlElement | undefined) => b && childText(b, 'Ping:Status');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`Ping over IMAP IDLE (${testBackends().imapServer})`, () => {
  itWith(
    ['promptIdle'],
    'answers within a second of an APPEND to INBOX, and of one to another watched folder',
    async () => {
      const d = new MailDevice(app, 'bob', '14.1');
      await d.onboard();
      const inbox = d.idOf('Inbox');
      const other = d.idOf(folder);
      await d.initialSync(inbox);
      await d.initialSync(other);

      const pending = d.call('Ping', ping(600, [inbox, other]));
      await sleep(500); // the feed connects and enters IDLE
      const appended = Date.now();
      await imap.append('INBOX', message(`push ${folder}`));
      const res = await pending;
      expect(statusOf(res.body)).toBe('2');
      expect(
        elements(child(res.body!, 'Ping:Folders')!, 'Ping:Folder').map((f) => f.children.join('')),
      ).toEqual([inbox]);
      expect(Date.now() - appended).toBeLessThan(1000);
      await d.initialSync(inbox);
    },
  );

  it('ends a waiting Ping with Status 1 when the device sends a new request', async () => {
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    // Its own folder: mail the send suite delivers to bob's INBOX meanwhile must not wake it.
    const own = d.idOf(folder);
    await d.initialSync(own);
    const pending = d.call('Ping', ping(600, [own]));
    await sleep(300);
    const started = Date.now();
    await d.folderSync();
    expect(statusOf((await pending).body)).toBe('1');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers Status 7 for a folder that was deleted on the server', async () => {
    const gone = `${folder}-gone`;
    await imap.mailboxCreate(gone);
    const d = new MailDevice(app, 'bob', '14.1');
    await d.onboard();
    const id = d.idOf(gone);
    await d.initialSync(id);
    await imap.mailboxDelete(gone);
    const res = await d.call('Ping', ping(600, [id]));
    expect([res.status, res.headers['retry-after'], statusOf(res.body)]).toEqual([200, undefined, '7']);
  });
});
