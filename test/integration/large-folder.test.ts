import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { child, childText, el } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, injectIntoMaildir, MailDevice, message } from '../support/mail-sync.js';
import { describeWith, missing } from '../support/backend-matrix.js';

// A folder of 50,000 messages (issue 17, point 6): commands over all of it must fit an IMAP
// command line, which servers cap at about 64 KB; 50,000 UIDs as a comma list take about 290 KB.

const COUNT = 50_000;
const folder = `Large-${randomBytes(3).toString('hex')}`;
let gateway: RealGateway;
let imap: ImapFlow;

beforeAll(async () => {
  if (missing('maildir') !== '') return;
  gateway = await realGateway();
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  const one = message('bulk');
  injectIntoMaildir(
    'bob',
    folder,
    Array.from({ length: COUNT }, () => one),
  );
}, 120_000);

afterAll(async () => {
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await gateway?.close();
});

describeWith(['maildir'], `a folder of ${COUNT} messages`, () => {
  it('is emptied by ItemOperations EmptyFolderContents', async () => {
    expect(await countOf(folder)).toBe(COUNT);
    const device = new MailDevice(gateway.app, 'bob', '14.1');
    await device.onboard();
    const res = await device.call(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el('ItemOperations:EmptyFolderContents', el('AirSync:CollectionId', device.idOf(folder))),
      ),
    );
    const response = child(res.body!, 'ItemOperations:Response')!;
    expect(childText(child(response, 'ItemOperations:EmptyFolderContents')!, 'ItemOperations:Status')).toBe(
      '1',
    );
    expect(await countOf(folder)).toBe(0);
  }, 120_000);
});

async function countOf(path: string): Promise<number | undefined> {
  const status = await imap.status(path, { messages: true });
  return status === false ? undefined : status.messages;
}
