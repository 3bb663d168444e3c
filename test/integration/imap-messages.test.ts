import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapMailStore } from '../../src/backends/imap/index.js';
import { testEnv } from '../support/test-env.js';
import { imapAs, message } from '../support/mail-sync.js';
import { itWith, testBackends } from '../support/backend-matrix.js';

// The message-level MessageStore calls against the selected IMAP server (backend matrix): what the Sync engine relies on.

let store: ImapMailStore;
let plain: ImapMailStore;
let imap: ImapFlow;
let key: string;
let trashKey: string;
const folder = `Msgs-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  const env = testEnv();
  const config = { host: env.host, port: testBackends().imapPort, secure: false };
  store = new ImapMailStore(config, { user: 'bob', password: 'password' });
  plain = new ImapMailStore({ ...config, qresync: false }, { user: 'bob', password: 'password' });
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  const multipart = Buffer.from(
    [
      'From: A <a@example.test>',
      'To: B <b@example.test>',
      'Subject: =?UTF-8?B?R3LDvMOfZQ==?=',
      'References: <root@example.test> <mid@example.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Hall=C3=B6chen',
      '--b1',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Disposition: attachment; filename="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
  );
  await imap.append(folder, multipart);
  await imap.append(folder, message('second'));
  const folders = await store.listFolders();
  key = folders.find((f) => f.path === testBackends().folder(folder))!.key;
  trashKey = folders.find((f) => f.role === 'trash')!.key;
});

afterAll(async () => {
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await store?.close();
  await plain?.close();
});

describe(`ImapMailStore messages (${testBackends().imapServer})`, () => {
  itWith(
    ['condstore'],
    'reports UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ, or no modseq with QRESYNC turned off',
    async () => {
      const s = await store.mailboxState(key);
      expect(s.messages).toBe(2);
      expect(s.uidNext).toBe(3);
      expect(typeof s.highestModseq).toBe('bigint');
      expect((await plain.mailboxState(key)).highestModseq).toBeUndefined();
    },
  );

  it('reads envelope, structure and selected header fields, then body parts with partial fetch', async () => {
    const [m] = await store.fetchMessages(key, [1], ['references']);
    expect(m!.envelope.subject).toBe('Grüße');
    expect(m!.headers.references).toBe('<root@example.test> <mid@example.test>');
    expect(m!.structure.type).toBe('multipart/mixed');
    expect(m!.structure.children.map((c) => [c.section, c.type])).toEqual([
      ['1', 'text/plain'],
      ['2', 'application/pdf'],
    ]);
    expect(m!.structure.children[1]!.dispositionParams.filename).toBe('a.pdf');
    const [single] = await store.fetchMessages(key, [2], []);
    expect(single!.structure.section).toBe('1');

    const bodies = await store.fetchBodies(
      key,
      new Map([
        [1, [{ section: '1' }, { section: undefined, maxBytes: 20 }]],
        [2, [{ section: '1', maxBytes: 5 }]],
      ]),
    );
    expect(Buffer.from(bodies.get(1)!.get('1')!).toString()).toContain('Hall=C3=B6chen');
    expect(bodies.get(1)!.get('SOURCE')!.length).toBe(20);
    expect(Buffer.from(bodies.get(2)!.get('1')!).toString()).toBe('Hello');
  });

  itWith(['condstore'], 'finds flag changes, new mail and expunges since a modseq in one FETCH', async () => {
    const before = await store.mailboxState(key);
    await store.storeFlags(key, [2], ['\\Seen'], []);
    await imap.append(folder, message('third'));
    await imap.mailboxOpen(folder);
    await imap.messageDelete('1', { uid: true });
    const delta = await store.changesSince(key, before.highestModseq!);
    expect(delta.changed.map((m) => m.uid).sort()).toEqual([2, 3]);
    expect(delta.changed.find((m) => m.uid === 2)!.flags).toContain('\\Seen');
    expect(delta.vanished).toContain(1);
    expect((await store.searchUids(key, undefined)).uids).toEqual([2, 3]);
  });

  it('moves to another folder with the new UID, and expunges', async () => {
    const appended = await store.appendMessage(key, message('to move'), ['\\Seen']);
    expect(appended).toBeGreaterThan(0);
    const moved = await store.moveMessages(key, [appended!], trashKey);
    expect(moved.get(appended!)).toBeGreaterThan(0);
    await store.expungeMessages(trashKey, [moved.get(appended!)!]);
    const { messages } = await store.listFlags(trashKey, String(moved.get(appended!)));
    expect(messages).toEqual([]);
  });
});
