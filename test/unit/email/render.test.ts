import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { EMAIL_HEADER_FIELDS, planBodyFetches, renderEmail } from '../../../src/model/email/index.js';
import type { MailMessage } from '../../../src/model/mail-message.js';
import { child, childText, elements, opaque, type WbxmlElement } from '../../../src/wbxml/index.js';
import { bodiesOf, leaf, message, multi, options, textLeaf, xmlOf } from './fixtures.js';

const PLAIN = 'Hi.\n';

function fieldsOf(msg: MailMessage, bodies = bodiesOf({ '1': PLAIN }), over = {}): WbxmlElement[] {
  const fields = renderEmail(msg, bodies, options(over));
  xmlOf(fields);
  return fields;
}
const textOf = (fields: WbxmlElement[], tag: WbxmlElement['tag']): string | undefined => {
  const f = fields.find((e) => e.tag === tag);
  return f === undefined ? undefined : (f.children as string[]).join('');
};
const find = (fields: WbxmlElement[], tag: WbxmlElement['tag']): WbxmlElement | undefined =>
  fields.find((e) => e.tag === tag);

describe('envelope fields (MS-ASEMAIL)', () => {
  it('renders addresses, dates, subject and topic', () => {
    const msg = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: {
        ...message(leaf('1', 'text/plain')).envelope,
        subject: 'Re: =?utf-8?q?Gr=C3=BC=C3=9Fe?=',
        cc: [{ name: 'Doe, "J"', address: 'j@example.test' }],
        replyTo: [{ address: 'list@example.test' }],
      },
    });
    const fields = fieldsOf(msg);
    expect(textOf(fields, 'Email:To')).toBe('"Bob" <bob@example.test>, carol@example.test');
    expect(textOf(fields, 'Email:Cc')).toBe('"Doe, \\"J\\"" <j@example.test>');
    expect(textOf(fields, 'Email:From')).toBe('"Ann Sender" <ann@example.test>');
    expect(textOf(fields, 'Email:ReplyTo')).toBe('list@example.test');
    expect(textOf(fields, 'Email:Subject')).toBe('Re: Grüße');
    expect(textOf(fields, 'Email:ThreadTopic')).toBe('Grüße');
    expect(textOf(fields, 'Email:DateReceived')).toBe('2026-03-04T05:06:07.000Z');
    expect(textOf(fields, 'Email:DisplayTo')).toBe('Bob; carol@example.test');
    expect(textOf(fields, 'Email:Read')).toBe('0');
    expect(textOf(fields, 'Email:InternetCPID')).toBe('65001');
    expect(textOf(fields, 'Email:MessageClass')).toBe('IPM.Note');
    expect(textOf(fields, 'Email:ContentClass')).toBe('urn:content-classes:message');
    expect(textOf(fields, 'AirSyncBase:NativeBodyType')).toBe('1');
    expect(find(fields, 'Email:Flag')?.children).toEqual([]);
  });

  it('takes ThreadTopic from the Thread-Topic header when there is one', () => {
    const msg = message(textLeaf('1', 'text/plain', PLAIN), {
      headers: { 'thread-topic': '=?utf-8?q?Budget_2027?=' },
    });
    expect(textOf(fieldsOf(msg), 'Email:ThreadTopic')).toBe('Budget 2027');
  });

  it.each([
    [{ importance: 'High' }, '2'],
    [{ importance: 'low' }, '0'],
    [{ 'x-priority': '1 (Highest)' }, '2'],
    [{ 'x-priority': '5' }, '0'],
    [{ 'x-msmail-priority': 'Low' }, '0'],
    [{ priority: 'urgent' }, '2'],
    [{ priority: 'non-urgent' }, '0'],
    [{}, '1'],
  ])('reads Importance from %j', (headers, value) => {
    expect(
      textOf(fieldsOf(message(textLeaf('1', 'text/plain', PLAIN), { headers })), 'Email:Importance'),
    ).toBe(value);
  });

  it('marks read messages and answered or forwarded ones', () => {
    const verb = (flags: string[]) =>
      textOf(fieldsOf(message(textLeaf('1', 'text/plain', PLAIN), { flags })), 'Email2:LastVerbExecuted');
    expect(
      textOf(fieldsOf(message(textLeaf('1', 'text/plain', PLAIN), { flags: ['\\Seen'] })), 'Email:Read'),
    ).toBe('1');
    expect(verb(['\\Answered'])).toBe('1');
    expect(verb(['$Forwarded'])).toBe('3');
    expect(verb(['$Forwarded', '\\Answered'])).toBe('1');
    expect(verb([])).toBeUndefined();
  });

  it('renders Sender only when it differs from From', () => {
    const base = message(leaf('1', 'text/plain')).envelope;
    const on = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, sender: [{ name: 'Assistant', address: 'pa@example.test' }] },
    });
    const same = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, sender: [{ address: 'ANN@example.test' }] },
    });
    expect(textOf(fieldsOf(on), 'Email2:Sender')).toBe('"Assistant" <pa@example.test>');
    expect(find(fieldsOf(same), 'Email2:Sender')).toBeUndefined();
  });

  it('names the header fields it reads', () => {
    expect(EMAIL_HEADER_FIELDS).toEqual(
      expect.arrayContaining([
        'references',
        'in-reply-to',
        'importance',
        'x-priority',
        'priority',
        'thread-index',
        'thread-topic',
      ]),
    );
    for (const h of EMAIL_HEADER_FIELDS) expect(h).toBe(h.toLowerCase());
  });
});

describe('protocol versions', () => {
  const msg = message(textLeaf('1', 'text/plain', PLAIN), { flags: ['\\Draft', 'Work'] });
  const tagsAt = (versionRank: number) => fieldsOf(msg, undefined, { versionRank }).map((f) => f.tag);

  it('12.1 has no conversation, categories or draft fields', () => {
    const tags = tagsAt(121);
    for (const t of [
      'Email2:ConversationId',
      'Email2:ConversationIndex',
      'Email:Categories',
      'Email2:IsDraft',
    ])
      expect(tags).not.toContain(t);
    expect(tags).toContain('Email:Flag');
  });

  it('14.0 adds ConversationId, ConversationIndex and Categories', () => {
    const fields = fieldsOf(msg, undefined, { versionRank: 140 });
    expect(opaque(find(fields, 'Email2:ConversationId'))?.length).toBe(16);
    expect(opaque(find(fields, 'Email2:ConversationIndex'))?.length).toBe(5);
    expect(elements(find(fields, 'Email:Categories')!).map((c) => c.children[0])).toEqual(['Work']);
    expect(fields.map((f) => f.tag)).not.toContain('Email2:IsDraft');
  });

  it('16.x adds IsDraft', () => {
    expect(textOf(fieldsOf(msg, undefined, { versionRank: 160 }), 'Email2:IsDraft')).toBe('1');
    expect(
      textOf(
        fieldsOf(message(textLeaf('1', 'text/plain', PLAIN)), undefined, { versionRank: 161 }),
        'Email2:IsDraft',
      ),
    ).toBe('0');
  });
});

describe('conversations (MS-ASCON)', () => {
  const base = message(leaf('1', 'text/plain')).envelope;
  const convId = (m: MailMessage) =>
    Buffer.from(opaque(find(fieldsOf(m), 'Email2:ConversationId'))!).toString('hex');

  it('gives a thread one ConversationId: its root message', () => {
    const root = message(textLeaf('1', 'text/plain', PLAIN), { envelope: { ...base, messageId: '<r@x>' } });
    const reply = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, messageId: '<a@x>', inReplyTo: '<r@x>' },
    });
    const deeper = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, messageId: '<b@x>' },
      headers: { references: '<r@x>\t<a@x>' },
    });
    const other = message(textLeaf('1', 'text/plain', PLAIN), { envelope: { ...base, messageId: '<z@x>' } });
    expect(convId(reply)).toBe(convId(root));
    expect(convId(deeper)).toBe(convId(root));
    expect(convId(other)).not.toBe(convId(root));
  });

  it('groups mail without Message-IDs by normalised subject', () => {
    const a = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, messageId: undefined, subject: 'Lunch' },
    });
    const b = message(textLeaf('1', 'text/plain', PLAIN), {
      envelope: { ...base, messageId: undefined, subject: 'RE: Fwd: lunch' },
    });
    expect(convId(a)).toBe(convId(b));
  });

  it('derives a 5-byte ConversationIndex header from the date otherwise, later dates sorting later', () => {
    const index = (date: string) =>
      Buffer.from(
        opaque(
          find(
            fieldsOf(
              message(textLeaf('1', 'text/plain', PLAIN), { envelope: { ...base, date: new Date(date) } }),
            ),
            'Email2:ConversationIndex',
          ),
        )!,
      );
    const a = index('2026-01-01T00:00:00Z');
    const b = index('2026-01-02T00:00:00Z');
    expect(a).toHaveLength(5);
    expect(a[0]).toBe(0x01);
    expect(Buffer.compare(a, b)).toBe(-1);
  });

  it("takes ConversationIndex from Outlook's Thread-Index", () => {
    const header = Buffer.concat([
      Buffer.from([1, 0xd5, 1, 2, 3, 4]),
      Buffer.alloc(16, 7),
      Buffer.from([9, 8, 7, 6, 5]),
    ]);
    const m = message(textLeaf('1', 'text/plain', PLAIN), {
      headers: { 'thread-index': header.toString('base64') },
    });
    expect(Buffer.from(opaque(find(fieldsOf(m), 'Email2:ConversationIndex'))!).toString('hex')).toBe(
      'd50102030409080706' + '05',
    );
  });
});

describe('attachments (MS-ASAIRS 2.2.2.7)', () => {
  const structure = multi('multipart/mixed', [
    multi(
      'multipart/related',
      [
        multi(
          'multipart/alternative',
          [
            textLeaf('1.1.1', 'text/plain', PLAIN),
            textLeaf('1.1.2', 'text/html', '<p>Hi <img src="cid:logo@x"></p>'),
          ],
          '1.1',
        ),
        leaf('1.2', 'image/png', {
          encoding: 'base64',
          size: 1000,
          contentId: '<logo@x>',
          disposition: 'inline',
        }),
      ],
      '1',
    ),
    leaf('2', 'application/pdf', {
      encoding: 'base64',
      size: 40_000,
      disposition: 'attachment',
      dispositionParams: { filename: '=?UTF-8?B?UsOpc3Vtw6kucGRm?=' },
    }),
    leaf('3', 'message/rfc822', { size: 5000, encoding: '7bit' }),
    leaf('4', 'image/jpeg', {
      encoding: 'base64',
      size: 80,
      params: { name: 'C:\\Users\\me\\photo.jpg' },
      disposition: 'inline',
    }),
    leaf('5', 'application/octet-stream', {
      encoding: 'base64',
      size: 8,
      dispositionParams: { filename: 'photo.jpg' },
    }),
  ]);

  it('lists inline images, named files and attached messages', () => {
    const fields = fieldsOf(message(structure), bodiesOf({ '1.1.1': PLAIN }));
    const list = elements(find(fields, 'AirSyncBase:Attachments')!);
    const rows = list.map((a) => ({
      name: childText(a, 'AirSyncBase:DisplayName'),
      ref: childText(a, 'AirSyncBase:FileReference'),
      method: childText(a, 'AirSyncBase:Method'),
      size: childText(a, 'AirSyncBase:EstimatedDataSize'),
      cid: childText(a, 'AirSyncBase:ContentId'),
      inline: childText(a, 'AirSyncBase:IsInline'),
    }));
    expect(rows).toEqual([
      { name: 'attachment.png', ref: '5:42:1.2', method: '1', size: '750', cid: 'logo@x', inline: '1' },
      { name: 'Résumé.pdf', ref: '5:42:2', method: '1', size: '30000', cid: undefined, inline: undefined },
      { name: 'message.eml', ref: '5:42:3', method: '1', size: '5000', cid: undefined, inline: undefined },
      { name: 'photo.jpg', ref: '5:42:4', method: '1', size: '60', cid: undefined, inline: undefined },
      { name: 'photo (2).jpg', ref: '5:42:5', method: '1', size: '6', cid: undefined, inline: undefined },
    ]);
    expect(textOf(fields, 'AirSyncBase:NativeBodyType')).toBe('2');
  });

  it('names an attached message after its file name, with .eml', () => {
    const m = message(
      multi('multipart/mixed', [
        textLeaf('1', 'text/plain', PLAIN),
        leaf('2', 'message/rfc822', { size: 10, params: { name: 'Fwd: lunch' } }),
      ]),
    );
    const list = elements(find(fieldsOf(m), 'AirSyncBase:Attachments')!);
    expect(childText(list[0]!, 'AirSyncBase:DisplayName')).toBe('Fwd: lunch.eml');
  });

  it('has no Attachments element without attachments', () => {
    expect(
      find(fieldsOf(message(textLeaf('1', 'text/plain', PLAIN))), 'AirSyncBase:Attachments'),
    ).toBeUndefined();
  });

  it('takes the first text of multipart/mixed as the body and the rest as attachments', () => {
    const m = message(
      multi('multipart/mixed', [
        textLeaf('1', 'text/plain', PLAIN),
        textLeaf('2', 'text/plain', 'footer', { disposition: 'inline' }),
      ]),
    );
    const fields = fieldsOf(m, bodiesOf({ '1': PLAIN }));
    expect(childText(find(fields, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe(PLAIN);
    expect(elements(find(fields, 'AirSyncBase:Attachments')!)).toHaveLength(1);
  });
});

describe('S/MIME', () => {
  const signed = multi(
    'multipart/signed',
    [
      textLeaf('1', 'text/plain', PLAIN),
      leaf('2', 'application/pkcs7-signature', {
        encoding: 'base64',
        size: 3000,
        params: { name: 'smime.p7s' },
      }),
    ],
    '',
    { protocol: 'application/pkcs7-signature', micalg: 'sha-256' },
  );
  const encrypted = leaf('1', 'application/pkcs7-mime', {
    encoding: 'base64',
    size: 9000,
    params: { 'smime-type': 'enveloped-data', name: 'smime.p7m' },
  });
  const source =
    'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n';

  it('marks the message classes', () => {
    expect(textOf(fieldsOf(message(signed)), 'Email:MessageClass')).toBe('IPM.Note.SMIME.MultipartSigned');
    expect(textOf(fieldsOf(message(encrypted), new Map()), 'Email:MessageClass')).toBe('IPM.Note.SMIME');
  });

  it('delivers S/MIME untouched as MIME when MIMESupport is 1 or 2 and the client asks for it', () => {
    for (const mimeSupport of [1, 2] as const) {
      for (const structure of [signed, encrypted]) {
        const m = { ...message(structure), size: source.length };
        const o = { mimeSupport, bodyPreferences: [{ type: 2 }, { type: 4 }] };
        expect(planBodyFetches(m, options(o))).toEqual([{ section: undefined }]);
        const body = find(fieldsOf(m, bodiesOf({ SOURCE: source }), o), 'AirSyncBase:Body')!;
        expect(childText(body, 'AirSyncBase:Type')).toBe('4');
        expect(childText(body, 'AirSyncBase:Data')).toBe(source);
      }
    }
  });

  it('explains an encrypted message to a client that does not take MIME', () => {
    for (const [mimeSupport, prefs] of [
      [0, [{ type: 4 }, { type: 2 }]],
      [1, [{ type: 2 }]],
    ] as const) {
      const o = { mimeSupport, bodyPreferences: prefs };
      expect(planBodyFetches(message(encrypted), options(o))).toEqual([]);
      const fields = fieldsOf(message(encrypted), new Map(), o);
      const body = find(fields, 'AirSyncBase:Body')!;
      expect(childText(body, 'AirSyncBase:Type')).toBe('1');
      expect(childText(body, 'AirSyncBase:Data')).toMatch(/encrypted/);
      expect(find(fields, 'AirSyncBase:Attachments')).toBeUndefined();
    }
  });

  it('shows the signed text of a clear-signed message to a client that does not take MIME', () => {
    const fields = fieldsOf(message(signed), bodiesOf({ '1': PLAIN }), {
      mimeSupport: 0,
      bodyPreferences: [{ type: 1 }],
    });
    expect(childText(find(fields, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe(PLAIN);
    expect(find(fields, 'AirSyncBase:Attachments')).toBeUndefined();
  });

  it('does not take PGP/MIME for S/MIME', () => {
    const pgp = multi(
      'multipart/signed',
      [textLeaf('1', 'text/plain', PLAIN), leaf('2', 'application/pgp-signature', { size: 400 })],
      '',
      {
        protocol: 'application/pgp-signature',
      },
    );
    expect(textOf(fieldsOf(message(pgp)), 'Email:MessageClass')).toBe('IPM.Note');
  });
});

describe('robustness', () => {
  it('never throws on broken structures, bodies and charsets', () => {
    const cases: [MailMessage, Map<string, Uint8Array>][] = [
      [
        message(leaf('1', 'text/plain', { encoding: 'base64', size: 10, params: { charset: 'x-bogus' } })),
        bodiesOf({ '1': '!!!%%%' }),
      ],
      [
        message(
          leaf('1', 'text/html', { encoding: 'quoted-printable', size: 5, params: { charset: 'utf-16' } }),
        ),
        bodiesOf({ '1': '=' }),
      ],
      [message(multi('multipart/mixed', [])), new Map()],
      [message(multi('multipart/alternative', [leaf('', 'text/plain')])), new Map()],
      [
        message(leaf('1', 'text/calendar', { params: { method: 'REQUEST' }, size: 9 })),
        bodiesOf({ '1': 'BEGIN:VEV' }),
      ],
      [
        {
          ...message(leaf('1', 'text/plain')),
          internalDate: new Date(NaN),
          envelope: {
            ...message(leaf('1', 'text/plain')).envelope,
            date: new Date(NaN),
            subject: '\u0000nul',
          },
        },
        new Map(),
      ],
    ];
    for (const [m, bodies] of cases) {
      for (const versionRank of [120, 141, 161]) {
        expect(() =>
          fieldsOf(m, bodies, {
            versionRank,
            bodyPreferences: [{ type: 2, truncationSize: 3, preview: 10 }],
          }),
        ).not.toThrow();
        expect(() => planBodyFetches(m, options({ versionRank }))).not.toThrow();
      }
    }
  });

  it('removes NUL characters that WBXML strings cannot carry', () => {
    const text = 'a\u0000b';
    const fields = fieldsOf(message(textLeaf('1', 'text/plain', text)), bodiesOf({ '1': text }));
    expect(childText(find(fields, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe('ab');
    expect(child(find(fields, 'AirSyncBase:Body')!, 'AirSyncBase:Preview')).toBeUndefined();
  });
});
