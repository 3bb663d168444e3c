import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { el, type WbxmlElement } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, MailDevice, message, waitForSubject } from '../support/mail-sync.js';
import { itWith, testBackends } from '../support/backend-matrix.js';

// Sending through the real path: gateway → Dovecot submission (as the user) → Postfix → LMTP →
// the recipient's INBOX; the Sent copy in the sender's Sent folder over IMAP. Bob writes to
// himself: alice's seeded INBOX stays as the mail Sync suite counts it.

let gateway: RealGateway;
let app: FastifyInstance;
let bob: ImapFlow;
const tag = randomBytes(4).toString('hex');

beforeAll(async () => {
  gateway = await realGateway();
  app = gateway.app;
  bob = await imapAs('bob');
});

afterAll(async () => {
  await bob?.logout();
  await gateway?.close();
});

const composeMail = (kind: string, mime: Buffer, clientId: string, source?: WbxmlElement): WbxmlElement =>
  el(
    `ComposeMail:${kind}` as 'ComposeMail:SendMail',
    el('ComposeMail:ClientId', clientId),
    source,
    el('ComposeMail:SaveInSentItems'),
    el('ComposeMail:Mime', mime),
  );

async function sourceOf(client: ImapFlow, mailbox: string, uid: number): Promise<string> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const m = await client.fetchOne(String(uid), { source: true }, { uid: true });
    return m ? m.source!.toString() : '';
  } finally {
    lock.release();
  }
}

describe('SendMail, SmartReply and SmartForward over real SMTP', () => {
  itWith(
    ['smtpDelivery'],
    'delivers a 14.1 SendMail once (Bcc hidden), keeps one Sent copy, and a retried ClientId sends nothing',
    async () => {
      const d = new MailDevice(app, 'bob', '14.1');
      await d.onboard();
      const subject = `Hello ${tag}`;
      const mime = Buffer.from(
        [
          'From: Bob <bob@example.test>',
          'To: Bob <bob@example.test>',
          'Bcc: bob@example.test',
          `Subject: ${subject}`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Hi Bob.',
          '',
        ].join('\r\n'),
      );
      const first = await d.call('SendMail', composeMail('SendMail', mime, `c1-${tag}`));
      expect([first.status, first.body]).toEqual([200, undefined]);
      const again = await d.call('SendMail', composeMail('SendMail', mime, `c1-${tag}`));
      expect([again.status, again.body]).toEqual([200, undefined]);

      const delivered = await waitForSubject(bob, 'INBOX', subject);
      expect(delivered).toHaveLength(1);
      const text = await sourceOf(bob, 'INBOX', delivered[0]!);
      expect(text).not.toMatch(/^Bcc:/im);
      expect(text).toMatch(/^Message-ID: </im);
      expect(await waitForSubject(bob, 'Sent', subject)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(await waitForSubject(bob, 'INBOX', subject, 2, 0)).toHaveLength(1);
    },
  );

  itWith(['smtpDelivery'], 'sends a 12.1 SendMail posted as MIME', async () => {
    const d = new MailDevice(app, 'bob', '12.1');
    await d.onboard();
    const subject = `Old client ${tag}`;
    const res = await app.inject({
      method: 'POST',
      url: `/Microsoft-Server-ActiveSync?Cmd=SendMail&User=bob&DeviceId=${d.deviceId}&DeviceType=TestPhone&SaveInSent=T`,
      headers: {
        authorization: `Basic ${Buffer.from('bob:password').toString('base64')}`,
        'ms-asprotocolversion': '12.1',
        'content-type': 'message/rfc822',
        'x-ms-policykey': d.policyKey,
      },
      payload: message(subject, { from: 'Bob <bob@example.test>' }),
    });
    expect(res.statusCode).toBe(200);
    expect(await waitForSubject(bob, 'INBOX', subject)).toHaveLength(1);
  });

  itWith(
    ['smtpDelivery'],
    'replies with the original quoted and threaded, and forwards it attached, flagging the original',
    async () => {
      const subject = `Question ${tag}`;
      const box = `Questions-${tag}`;
      await bob.mailboxCreate(box);
      await bob.append(box, message(subject, { from: 'Carol <carol@example.test>', body: 'Can you help?' }));
      const d = new MailDevice(app, 'bob', '14.1');
      await d.onboard();
      const inbox = d.idOf(box);
      const { adds } = await d.initialSync(inbox);
      const original = adds.find((a) =>
        a.data.children.some(
          (c) =>
            typeof c === 'object' && 'tag' in c && c.tag === 'Email:Subject' && c.children[0] === subject,
        ),
      )!;
      const source = el(
        'ComposeMail:Source',
        el('ComposeMail:FolderId', inbox),
        el('ComposeMail:ItemId', original.serverId),
      );
      const reply = Buffer.from(
        `From: bob@example.test\r\nTo: bob@example.test\r\nSubject: Re: ${subject}\r\n\r\nSure.\r\n`,
      );
      expect((await d.call('SmartReply', composeMail('SmartReply', reply, `r-${tag}`, source))).status).toBe(
        200,
      );
      const forward = Buffer.from(
        `From: bob@example.test\r\nTo: bob@example.test\r\nSubject: Fwd: ${subject}\r\n\r\nFYI.\r\n`,
      );
      expect(
        (await d.call('SmartForward', composeMail('SmartForward', forward, `f-${tag}`, source))).status,
      ).toBe(200);

      const [replyUid] = await waitForSubject(bob, 'INBOX', `Re: ${subject}`);
      const replyText = await sourceOf(bob, 'INBOX', replyUid!);
      expect(replyText).toMatch(/^In-Reply-To: </im);
      expect(
        Buffer.from(
          /base64\r\n\r\n([\s\S]*?)\r\n--/.exec(replyText)![1]!.replace(/\s/g, ''),
          'base64',
        ).toString(),
      ).toContain('> Can you help?');
      const [fwdUid] = await waitForSubject(bob, 'INBOX', `Fwd: ${subject}`);
      const fwdText = await sourceOf(bob, 'INBOX', fwdUid!);
      expect(fwdText).toContain('Content-Type: message/rfc822');
      expect(fwdText).toContain('Can you help?');

      const lock = await bob.getMailboxLock(box);
      try {
        const m = await bob.fetchOne(original.serverId.split(':')[1]!, { flags: true }, { uid: true });
        expect([...((m && m.flags) || [])]).toEqual(expect.arrayContaining(['\\Answered', '$Forwarded']));
      } finally {
        lock.release();
      }
      await bob.mailboxDelete(box);
    },
  );

  it('answers a transient status and stores nothing when SMTP is down', async () => {
    const down = await realGateway({ smtpPort: 1 }); // nothing listens on port 1
    try {
      const d = new MailDevice(down.app, 'bob', '14.1');
      await d.onboard();
      const subject = `Never sent ${tag}`;
      const res = await d.call(
        'SendMail',
        composeMail('SendMail', message(subject, { from: 'bob@example.test' }), `down-${tag}`),
      );
      expect(res.status).toBe(200);
      expect(
        res.body && res.body.children.map((c) => (typeof c === 'object' && 'tag' in c ? c.children[0] : '')),
      ).toEqual(['111']);
      expect(await waitForSubject(bob, testBackends().folder('Sent'), subject, 1, 300)).toHaveLength(0);
    } finally {
      await down.close();
    }
  });
});
