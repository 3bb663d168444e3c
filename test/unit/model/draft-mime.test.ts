import { describe, expect, it } from 'vitest';
import { draftToMime } from '../../../src/model/draft-mime.js';

describe('draftToMime', () => {
  it('writes RFC 5322 with encoded display names, importance and a base64 UTF-8 body', () => {
    const mime = Buffer.from(
      draftToMime(
        {
          to: '"Jörg Müller" <joerg@example.test>, plain@example.test; "Ann" <ann@example.test>',
          subject: 'Grüße',
          importance: 2,
          bodyType: 1,
          body: 'Schöne Grüße',
        },
        'bob@example.test',
        new Date('2026-11-23T10:00:00Z'),
      ),
    ).toString();
    expect(mime).toContain(
      'To: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.test>, plain@example.test, "Ann" <ann@example.test>',
    );
    expect(mime).toContain('Subject: =?UTF-8?B?R3LDvMOfZQ==?=');
    expect(mime).toContain('Importance: high');
    expect(mime).toContain('Date: Mon, 23 Nov 2026 10:00:00 +0000');
    const body = mime.split('\r\n\r\n')[1]!;
    expect(Buffer.from(body, 'base64').toString()).toBe('Schöne Grüße');
  });
});
