import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isValidId, printableId } from '../../../src/protocol/ids.js';
import { child, childText, el, type WbxmlElement } from '../../../src/wbxml/index.js';
import { eas } from '../../support/eas-client.js';
import { fakeBackends } from '../../support/fake-backends.js';
import { encodeHostile } from '../../support/fuzz/raw-wbxml.js';
import { MailDevice, syncRequest } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// Issue 16 point 6: ids keep their grammar at the protocol edge; a bad one gets the command's own
// status and is never echoed with control characters.

describe('id grammars', () => {
  it.each([
    ['CollectionId', '12', true],
    ['CollectionId', 'x'.repeat(64), true],
    ['CollectionId', 'x'.repeat(65), false],
    ['CollectionId', '', false],
    ['ServerId', '1:42', true],
    ['ServerId', '1:42\0', false],
    ['ServerId', '1\x7f', false],
    ['ServerId', '1\u0085', false],
    ['ServerId', '\uFFFF', false],
    ['ServerId', '\uD800', false],
    ['ClientId', '{7B0C6E2A-1111}', true],
    ['ClientId', 'Grüße 🙂', true],
    ['LongId', 'x'.repeat(256), true],
    ['LongId', 'x'.repeat(257), false],
    ['DeviceId', 'ApplF17XYZ', true],
    ['DeviceId', 'a,b', false],
    ['DeviceId', 'a b', false],
    ['DeviceType', 'Galaxy S21', true],
    ['DeviceType', 'a\u0085', false],
    ['Cmd', 'Sync', true],
    ['Cmd', 'Sync\n', false],
  ] as const)('%s %j → %s', (kind, value, ok) => {
    expect(isValidId(kind, value)).toBe(ok);
  });

  it('echoes only the printable part of a bad id', () => {
    expect(printableId('1:\x0742\u0085\uFFFF')).toBe('1:42');
    expect(printableId('x'.repeat(100))).toHaveLength(64);
  });
});

describe('bad ids get the command’s own status', () => {
  let t: TestApp;
  let d: MailDevice;
  beforeEach(async () => {
    const world = fakeBackends();
    world.mail.deliver('m:inbox', 'One');
    t = await testApp(world);
    d = new MailDevice(t.app, 'alice', '14.1', 'UNITIDS1');
    await d.onboard();
  });
  afterEach(async () => t.close());

  const call = async (cmd: string, body: WbxmlElement, version = '14.1') =>
    eas(t.app, {
      cmd,
      version,
      deviceId: d.deviceId,
      policyKey: d.policyKey,
      rawBody: Buffer.from(encodeHostile(body)),
    });

  it('Sync: Status 4 for a CollectionId or ServerId with NUL, at 12.1 too', async () => {
    const inbox = d.idOf('Inbox');
    for (const version of ['14.1', '12.1']) {
      const bad = await call('Sync', syncRequest([{ syncKey: '0', collectionId: `${inbox}\0` }]), version);
      expect([bad.status, childText(bad.body!, 'AirSync:Status')]).toEqual([200, '4']);
    }
    const { syncKey } = await d.initialSync(inbox);
    const fetch = await call(
      'Sync',
      syncRequest([
        {
          syncKey,
          collectionId: inbox,
          commands: [el('AirSync:Fetch', el('AirSync:ServerId', `${inbox}:1\x01`))],
        },
      ]),
    );
    expect(childText(fetch.body!, 'AirSync:Status')).toBe('4');
  });

  it('MoveItems: Status 1 or 2 per item, SrcMsgId echoed without control characters', async () => {
    const inbox = d.idOf('Inbox');
    const res = await call(
      'MoveItems',
      el(
        'Move:MoveItems',
        el(
          'Move:Move',
          el('Move:SrcMsgId', `${inbox}:1\x07`),
          el('Move:SrcFldId', inbox),
          el('Move:DstFldId', d.idOf('Trash')),
        ),
        el(
          'Move:Move',
          el('Move:SrcMsgId', `${inbox}:1`),
          el('Move:SrcFldId', inbox),
          el('Move:DstFldId', 'x'.repeat(65)),
        ),
      ),
    );
    const responses = res.body!.children as WbxmlElement[];
    expect(responses.map((r) => [childText(r, 'Move:SrcMsgId'), childText(r, 'Move:Status')])).toEqual([
      [`${inbox}:1`, '1'],
      [`${inbox}:1`, '2'],
    ]);
  });

  it('Ping: Status 4 for a folder id with a control character', async () => {
    const res = await call(
      'Ping',
      el(
        'Ping:Ping',
        el('Ping:HeartbeatInterval', '60'),
        el('Ping:Folders', el('Ping:Folder', el('Ping:Id', '\x1b[31m'), el('Ping:Class', 'Email'))),
      ),
    );
    expect(childText(res.body!, 'Ping:Status')).toBe('4');
  });

  it('ItemOperations: Status 2 for an overlong FileReference; GetAttachment at 12.1: 400', async () => {
    const res = await call(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'Mailbox'),
          el('AirSyncBase:FileReference', 'x'.repeat(300)),
        ),
      ),
    );
    expect(childText(res.body!, 'ItemOperations:Status')).toBe('2');
    const attachment = await eas(t.app, {
      cmd: 'GetAttachment',
      version: '12.1',
      deviceId: d.deviceId,
      policyKey: d.policyKey,
      query: `Cmd=GetAttachment&User=alice&DeviceId=${d.deviceId}&DeviceType=T&AttachmentName=1%3A1%3A2%00`,
    });
    expect(attachment.status).toBe(400);
    expect(attachment.text).not.toContain('\0');
  });

  it('SendMail: common status 106 for a ClientId with NUL (HTTP 400 before 14.0)', async () => {
    const body = el(
      'ComposeMail:SendMail',
      el('ComposeMail:ClientId', 'a\0'),
      el('ComposeMail:Mime', Buffer.from('To: bob@example.test\r\n\r\nHi\r\n')),
    );
    const res = await call('SendMail', body);
    expect(childText(res.body!, 'ComposeMail:Status')).toBe('106');
    expect(child(res.body!, 'ComposeMail:ClientId')).toBeUndefined();
  });
});
