import { describe, expect, it } from 'vitest';
import {
  addressesOf,
  combineWithOriginal,
  OutgoingMessageError,
  prepareOutgoing,
  quoteOriginal,
} from '../../../src/model/outgoing.js';

const now = new Date('2026-11-23T10:00:00Z');

describe('prepareOutgoing', () => {
  it('takes recipients from To, Cc and Bcc, removes Bcc and adds Date and Message-ID', () => {
    const raw = Buffer.from(
      'To: "Doe, Jane" <jane@example.test>, bob@example.test\r\nCc: (team) <team@example.test>\r\nBcc: hidden@example.test\r\n\tSubject: x\r\nSubject: Hi\r\n\r\nBody\r\n',
    );
    const out = prepareOutgoing(raw, { sender: 'alice@example.test', now });
    expect(out.recipients).toEqual([
      'jane@example.test',
      'bob@example.test',
      'team@example.test',
      'hidden@example.test',
    ]);
    const text = Buffer.from(out.message).toString();
    expect(text).not.toMatch(/hidden@/);
    expect(text).toMatch(/^From: alice@example.test$/m);
    expect(text).toMatch(/^Date: Mon, 23 Nov 2026 10:00:00 \+0000$/m);
    expect(text).toMatch(new RegExp(`^Message-ID: ${out.messageId}$`, 'm'));
    expect(text.endsWith('\r\n\r\nBody\r\n')).toBe(true);
  });

  it('refuses a message without recipients or without headers', () => {
    expect(() => prepareOutgoing(Buffer.from('Subject: x\r\n\r\nb'), { sender: 'a@x', now })).toThrow(
      OutgoingMessageError,
    );
    expect(() => prepareOutgoing(Buffer.from('just text'), { sender: 'a@x', now })).toThrow(/header/);
  });

  it('combines a reply with the quoted original and a forward with the original attached', () => {
    const device = Buffer.from('To: b@x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSure.\r\n');
    const reply = combineWithOriginal(device, {
      kind: 'reply',
      quoted: quoteOriginal('Can you?\nThanks', 'Bob', now),
    });
    expect(reply.contentFields[0]).toMatch(/^Content-Type: multipart\/mixed; boundary="/);
    expect(reply.body.toString()).toContain('Sure.');
    const forward = combineWithOriginal(device, {
      kind: 'forward',
      original: Buffer.from('Subject: old\r\n\r\nold\r\n'),
    });
    expect(forward.body.toString()).toContain('Content-Type: message/rfc822');
    expect(quoteOriginal('a\nb', 'Bob', now)).toBe(
      'On Mon, 23 Nov 2026 10:00:00 GMT, Bob wrote:\n> a\n> b\n',
    );
    expect(addressesOf('Undisclosed recipients:;')).toEqual([]);
  });
});
