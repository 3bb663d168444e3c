import { describe, expect, it } from 'vitest';
import { draftToMime } from '../../../src/model/draft-mime.js';

const mimeOf = (draft: Parameters<typeof draftToMime>[0]): string =>
  Buffer.from(draftToMime(draft, 'bob@example.test', new Date('2026-11-23T10:00:00Z'))).toString();

/** The header section as unfolded fields (RFC 5322 2.2.3). */
const headersOf = (mime: string): string[] =>
  mime
    .split('\r\n\r\n')[0]!
    .replace(/\r\n(?=[ \t])/g, '')
    .split('\r\n');

describe('draftToMime', () => {
  it('writes RFC 5322 with encoded display names, importance and a base64 UTF-8 body', () => {
    const mime = mimeOf({
      to: '"Jörg Müller" <joerg@example.test>, plain@example.test; "Ann" <ann@example.test>',
      subject: 'Grüße',
      importance: 2,
      bodyType: 1,
      body: 'Schöne Grüße',
    });
    const headers = headersOf(mime);
    expect(headers).toContain(
      'To: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.test>, plain@example.test, Ann <ann@example.test>',
    );
    expect(headers).toContain('Subject: =?UTF-8?B?R3LDvMOfZQ==?=');
    expect(headers).toContain('Importance: high');
    expect(headers).toContain('Date: Mon, 23 Nov 2026 10:00:00 +0000');
    expect(headers).toContain('Content-Type: text/plain; charset=utf-8');
    const body = mime.split('\r\n\r\n')[1]!;
    expect(Buffer.from(body, 'base64').toString()).toBe('Schöne Grüße');
  });

  it('keeps Bcc in the draft and writes HTML bodies as text/html', () => {
    const headers = headersOf(mimeOf({ bcc: 'carol@example.test', bodyType: 2, body: '<p>Hi</p>' }));
    expect(headers).toContain('Bcc: carol@example.test');
    expect(headers).toContain('Content-Type: text/html; charset=utf-8');
  });

  it('lets no CR/LF in To, Cc, Bcc or Subject start a header of its own', () => {
    const headers = headersOf(
      mimeOf({
        to: 'bob@example.test\r\nBcc: eve@evil.test',
        cc: '"Eve\r\nX-Evil: 1" <eve@example.test>',
        bcc: 'carol@example.test\nTo: mallory@evil.test',
        subject: 'Hi\r\nX-Injected: yes',
        bodyType: 1,
        body: 'x',
      }),
    );
    const names = headers.map((h) => h.slice(0, h.indexOf(':')));
    expect(names.sort()).toEqual(
      [
        'Bcc',
        'Cc',
        'Content-Transfer-Encoding',
        'Content-Type',
        'Date',
        'From',
        'MIME-Version',
        'Message-ID',
        'Subject',
        'To',
      ].sort(),
    );
    expect(headers.some((h) => /^(X-Evil|X-Injected)/i.test(h))).toBe(false);
  });
});
