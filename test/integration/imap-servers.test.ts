import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDevice, message } from '../support/mail-sync.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { testEnv } from '../support/test-env.js';

// The phone in front of the IMAP servers other than Dovecot (test/env: Courier-IMAP 5, Cyrus 3.6).
// bob's seeded INBOX (5 messages) is only read; the expunge case adds and removes its own message.

const env = testEnv();
const SERVERS = [
  ...(env.courierPort === undefined ? [] : [{ name: 'courier', port: env.courierPort }]),
  ...(env.cyrusPort === undefined ? [] : [{ name: 'cyrus', port: env.cyrusPort }]),
];
const INBOX_TYPE = 2; // MS-ASCMD FolderSync Type: default Inbox

async function imapClient(port: number, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: env.host,
    port,
    secure: false,
    auth: { user, pass: env.password },
    logger: false,
  });
  await client.connect();
  return client;
}

describe.each(SERVERS)('a phone in front of $name', ({ port }) => {
  let gateway: RealGateway;
  beforeAll(async () => {
    gateway = await realGateway({ imapPort: port });
  });
  afterAll(async () => gateway.close());

  it('gets an Inbox in FolderSync and syncs its messages', async () => {
    const device = new MailDevice(gateway.app, 'bob', '14.1');
    await device.onboard();
    const inboxes = device.idsOfType(INBOX_TYPE);
    expect(inboxes).toHaveLength(1);
    const { adds } = await device.initialSync(inboxes[0]!);
    expect(adds.length).toBeGreaterThanOrEqual(5);
  });

  it('removes from the phone a message expunged by another client', async () => {
    const device = new MailDevice(gateway.app, 'bob', '14.1');
    await device.onboard();
    const inbox = device.idsOfType(INBOX_TYPE)[0]!;
    const subject = `expunged elsewhere ${randomBytes(4).toString('hex')}`;
    const other = await imapClient(port, 'bob');
    try {
      const appended = await other.append('INBOX', message(subject));
      const uid = appended && appended.uid;
      expect(uid).toBeTypeOf('number');
      const { syncKey, adds } = await device.initialSync(inbox);
      const added = adds.find((a) => JSON.stringify(a.data).includes(subject));
      expect(added).toBeDefined();

      await other.mailboxOpen('INBOX');
      await other.messageDelete(String(uid), { uid: true });
      const { collections } = await device.sync([{ syncKey, collectionId: inbox }]);
      expect(collections.get(inbox)?.deletes).toContain(added!.serverId);
    } finally {
      await other.logout();
    }
  });
});
