import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoriesOf,
  categoryForKeyword,
  decodeText,
  decodeTransferEncoding,
  EmailChangeError,
  keywordChanges,
  keywordForCategory,
  parseEmailChange,
  planBodyFetches,
  renderEmail,
  type EmailRenderOptions,
} from '../../../src/model/email-item/index.js';
import type { MailMessage, MimePart } from '../../../src/model/mail-message.js';
import { child, childText, el, encodeWbxml, opaque, type WbxmlElement } from '../../../src/wbxml/index.js';

const leaf = (section: string, type: string, extra: Partial<MimePart> = {}): MimePart => ({
  section,
  type,
  params: {},
  dispositionParams: {},
  children: [],
  ...extra,
});
const multipart = (type: string, children: MimePart[], section = ''): MimePart => ({
  section,
  type,
  params: {},
  dispositionParams: {},
  children,
});

function msg(structure: MimePart, extra: Partial<MailMessage> = {}): MailMessage {
  return {
    uid: 7,
    flags: [],
    internalDate: new Date('2026-11-23T10:00:00Z'),
    size: 2000,
    envelope: {
      subject: 'Hello',
      from: [{ name: 'Ann Example', address: 'ann@example.test' }],
      sender: [],
      replyTo: [],
      to: [{ name: 'Bob', address: 'bob@example.test' }, { address: 'carol@example.test' }],
      cc: [],
      bcc: [],
      messageId: '<m1@example.test>',
    },
    headers: {},
    structure,
    ...extra,
  };
}

const opts = (over: Partial<EmailRenderOptions> = {}): EmailRenderOptions => ({
  versionRank: 141,
  bodyPreferences: [{ type: 1 }],
  mimeSupport: 0,
  fileReference: (s) => `5:7:${s}`,
  ...over,
});

const appData = (children: WbxmlElement[]) => el('AirSync:ApplicationData', children);
const bodyOf = (fields: WbxmlElement[]) => child(appData(fields), 'AirSyncBase:Body')!;
/** Every rendered tag must exist in the code pages: encoding proves it. */
const encodable = (fields: WbxmlElement[]) => encodeWbxml(el('AirSync:Sync', appData(fields)));

describe('renderEmail', () => {
  it('renders the envelope fields, flags and a plain body, and is valid WBXML', () => {
    const m = msg(leaf('1', 'text/plain', { params: { charset: 'utf-8' }, size: 11 }), {
      flags: ['\\Seen', '\\Flagged', 'Work', '$Forwarded'],
      headers: { importance: 'High' },
    });
    const fields = renderEmail(m, new Map([['1', Buffer.from('Hello there')]]), opts());
    const data = appData(fields);
    expect(childText(data, 'Email:To')).toBe('"Bob" <bob@example.test>, carol@example.test');
    expect(childText(data, 'Email:From')).toBe('"Ann Example" <ann@example.test>');
    expect(childText(data, 'Email:DisplayTo')).toBe('Bob; carol@example.test');
    expect(childText(data, 'Email:DateReceived')).toBe('2026-11-23T10:00:00.000Z');
    expect(childText(data, 'Email:Importance')).toBe('2');
    expect(childText(data, 'Email:Read')).toBe('1');
    expect(childText(child(data, 'Email:Flag')!, 'Email:Status')).toBe('2');
    expect(childText(child(data, 'Email:Categories')!, 'Email:Category')).toBe('Work');
    expect(childText(data, 'Email2:LastVerbExecuted')).toBe('3');
    expect(childText(data, 'Email:MessageClass')).toBe('IPM.Note');
    expect(opaque(child(data, 'Email2:ConversationId'))!.length).toBe(16);
    expect(childText(bodyOf(fields), 'AirSyncBase:Data')).toBe('Hello there');
    expect(() => encodable(fields)).not.toThrow();
  });

  it('leaves out 14.0 fields at 12.1 and adds IsDraft at 16.1', () => {
    const m = msg(leaf('1', 'text/plain'), { flags: ['\\Draft', 'Work'] });
    const old = appData(renderEmail(m, new Map(), opts({ versionRank: 121 })));
    expect(child(old, 'Email2:ConversationId')).toBeUndefined();
    expect(child(old, 'Email:Categories')).toBeUndefined();
    const v16 = renderEmail(m, new Map(), opts({ versionRank: 161 }));
    expect(childText(appData(v16), 'Email2:IsDraft')).toBe('1');
    expect(() => encodable(v16)).not.toThrow();
  });

  it('truncates at a UTF-8 boundary, withholds with AllOrNone, and previews at 14.0+', () => {
    const text = 'Grüße aus Köln. '.repeat(20);
    const part = leaf('1', 'text/plain', { params: { charset: 'utf-8' }, size: Buffer.byteLength(text) });
    const bodies = new Map([['1', Buffer.from(text)]]);
    const cut = bodyOf(
      renderEmail(
        msg(part),
        bodies,
        opts({ bodyPreferences: [{ type: 1, truncationSize: 3, preview: 10 }] }),
      ),
    );
    expect(childText(cut, 'AirSyncBase:Data')).toBe('Gr');
    expect(childText(cut, 'AirSyncBase:Truncated')).toBe('1');
    expect(childText(cut, 'AirSyncBase:EstimatedDataSize')).toBe(String(Buffer.byteLength(text)));
    expect(childText(cut, 'AirSyncBase:Preview')).toBe('Grüße aus ');
    const none = bodyOf(
      renderEmail(
        msg(part),
        bodies,
        opts({ bodyPreferences: [{ type: 1, truncationSize: 10, allOrNone: true }] }),
      ),
    );
    expect(child(none, 'AirSyncBase:Data')).toBeUndefined();
    expect(childText(none, 'AirSyncBase:Truncated')).toBe('1');
  });

  it('decodes ISO-2022-JP, windows-1252 quoted-printable and base64 UTF-8 parts', () => {
    const jis = Buffer.from('1b2442246f243f2437244f1b2842', 'hex'); // わたしは
    expect(decodeText(jis, '7bit', 'ISO-2022-JP')).toBe('わたしは');
    expect(decodeText(Buffer.from('Caf=E9 =80'), 'quoted-printable', 'windows-1252')).toBe('Café €');
    expect(decodeText(Buffer.from(Buffer.from('Grüße').toString('base64')), 'base64', 'utf-8')).toBe('Grüße');
    expect(decodeText(Buffer.from('abc'), undefined, 'x-unknown-charset')).toBe('abc');
    // A partial fetch may cut base64 and QP anywhere.
    expect(Buffer.from(decodeTransferEncoding(Buffer.from('SGVsbG8gV29y'), 'base64')).toString()).toBe(
      'Hello Wor',
    );
    expect(
      Buffer.from(decodeTransferEncoding(Buffer.from('ab=C3=A'), 'quoted-printable')).toString('latin1'),
    ).toBe('ab\u00c3');
  });

  it('turns HTML into text for type 1, and text into HTML for type 2', () => {
    const html = leaf('1', 'text/html', { params: { charset: 'utf-8' } });
    const bodies = new Map([
      ['1', Buffer.from('<html><style>p{}</style><p>One &amp; two</p><br>three</html>')],
    ]);
    expect(childText(bodyOf(renderEmail(msg(html), bodies, opts())), 'AirSyncBase:Data')).toBe(
      'One & two\n\nthree',
    );
    const plain = leaf('1', 'text/plain');
    const asHtml = bodyOf(
      renderEmail(
        msg(plain),
        new Map([['1', Buffer.from('a < b\nc')]]),
        opts({ bodyPreferences: [{ type: 2 }] }),
      ),
    );
    expect(childText(asHtml, 'AirSyncBase:Type')).toBe('2');
    expect(childText(asHtml, 'AirSyncBase:Data')).toContain('a &lt; b<br>c');
  });

  it('picks the alternative the client prefers and lists attachments with references', () => {
    const structure = multipart('multipart/mixed', [
      multipart('multipart/alternative', [leaf('1.1', 'text/plain'), leaf('1.2', 'text/html')], '1'),
      leaf('2', 'image/png', { contentId: '<logo@x>', disposition: 'inline', encoding: 'base64', size: 400 }),
      leaf('3', 'application/pdf', {
        dispositionParams: { filename: 'Rechnung März.pdf' },
        disposition: 'attachment',
        size: 100,
      }),
      leaf('4', 'message/rfc822', { size: 50 }),
    ]);
    const m = msg(structure);
    expect(planBodyFetches(m, opts({ bodyPreferences: [{ type: 2, truncationSize: 1000 }] }))).toEqual([
      { section: '1.2', maxBytes: 1008 },
    ]);
    const fields = renderEmail(
      m,
      new Map([['1.2', Buffer.from('<b>hi</b>')]]),
      opts({ bodyPreferences: [{ type: 2 }] }),
    );
    expect(childText(bodyOf(fields), 'AirSyncBase:Data')).toBe('<b>hi</b>');
    const attachments = child(appData(fields), 'AirSyncBase:Attachments')!;
    const list = attachments.children as WbxmlElement[];
    expect(list.map((a) => childText(a, 'AirSyncBase:DisplayName'))).toEqual([
      'part-2.png',
      'Rechnung März.pdf',
      'message-4.eml',
    ]);
    expect(childText(list[0]!, 'AirSyncBase:ContentId')).toBe('logo@x');
    expect(childText(list[0]!, 'AirSyncBase:IsInline')).toBe('1');
    expect(childText(list[0]!, 'AirSyncBase:FileReference')).toBe('5:7:2');
    expect(childText(list[2]!, 'AirSyncBase:Method')).toBe('5');
    expect(childText(appData(fields), 'AirSyncBase:NativeBodyType')).toBe('2');
  });

  it('delivers S/MIME as MIME when the client supports it, and says so otherwise', () => {
    const signed = multipart('multipart/signed', [
      leaf('1', 'text/plain'),
      leaf('2', 'application/pkcs7-signature'),
    ]);
    const smimeOpts = opts({ bodyPreferences: [{ type: 1 }, { type: 4 }], mimeSupport: 1 });
    expect(planBodyFetches(msg(signed), smimeOpts)).toEqual([{ section: undefined }]);
    const source = Buffer.from('Content-Type: multipart/signed; ...\r\n\r\nbody');
    const fields = renderEmail(
      msg(signed, { size: source.length }),
      new Map([['SOURCE', source]]),
      smimeOpts,
    );
    expect(childText(bodyOf(fields), 'AirSyncBase:Type')).toBe('4');
    expect(childText(bodyOf(fields), 'AirSyncBase:Data')).toBe(source.toString());
    expect(childText(appData(fields), 'Email:MessageClass')).toBe('IPM.Note.SMIME.MultipartSigned');
    expect(child(appData(fields), 'AirSyncBase:Attachments')).toBeUndefined();

    const encrypted = leaf('1', 'application/pkcs7-mime', { params: { 'smime-type': 'enveloped-data' } });
    const plainOnly = renderEmail(msg(encrypted), new Map(), opts({ mimeSupport: 0 }));
    expect(childText(appData(plainOnly), 'Email:MessageClass')).toBe('IPM.Note.SMIME');
    expect(childText(bodyOf(plainOnly), 'AirSyncBase:Data')).toMatch(/encrypted/);
  });

  it('shows an invitation as a MeetingRequest', () => {
    const structure = multipart('multipart/alternative', [
      leaf('1', 'text/plain'),
      leaf('2', 'text/calendar', { params: { method: 'REQUEST', charset: 'utf-8' } }),
    ]);
    const ics = [
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:abc-123',
      'DTSTART:20261201T090000Z',
      'DTEND:20261201T100000Z',
      'DTSTAMP:20261123T080000Z',
      'LOCATION:Room 1\\, floor 2',
      'ORGANIZER;CN=Ann:mailto:ann@example.test',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const m = msg(structure);
    expect(planBodyFetches(m, opts())).toContainEqual({ section: '2' });
    const fields = renderEmail(m, new Map([['2', Buffer.from(ics)]]), opts());
    const data = appData(fields);
    expect(childText(data, 'Email:MessageClass')).toBe('IPM.Schedule.Meeting.Request');
    const meeting = child(data, 'Email:MeetingRequest')!;
    expect(childText(meeting, 'Email:StartTime')).toBe('2026-12-01T09:00:00.000Z');
    expect(childText(meeting, 'Email:Location')).toBe('Room 1, floor 2');
    expect(childText(meeting, 'Email:Organizer')).toBe('ann@example.test');
    expect(() => encodable(fields)).not.toThrow();
    expect(() =>
      encodable(renderEmail(m, new Map([['2', Buffer.from(ics)]]), opts({ versionRank: 161 }))),
    ).not.toThrow();
  });

  it('never throws on broken input', () => {
    const broken = leaf('1', 'text/plain', { encoding: 'base64', params: { charset: '%%%' } });
    const m = msg(broken, { envelope: { from: [], sender: [], replyTo: [], to: [], cc: [], bcc: [] } });
    expect(() => renderEmail(m, new Map([['1', Buffer.from('!!!not base64')]]), opts())).not.toThrow();
    expect(() =>
      renderEmail(m, new Map([['SOURCE', Buffer.alloc(0)]]), opts({ bodyPreferences: [] })),
    ).not.toThrow();
  });
});

describe('flags, categories and client changes', () => {
  it('maps categories to readable IMAP keywords and back', () => {
    expect(keywordForCategory('Work')).toBe('Work');
    expect(keywordForCategory('Red category')).toBe('Red_category');
    expect(categoryForKeyword('Red_category')).toBe('Red category');
    expect(categoryForKeyword('\\Seen')).toBeUndefined();
    expect(categoryForKeyword('$Forwarded')).toBeUndefined();
    expect(categoriesOf(['\\Seen', 'Work', '$Junk', 'Red_category'])).toEqual(['Work', 'Red category']);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (category) => {
        const keyword = keywordForCategory(category);

        expect(keyword).toMatch(/^[\x21-\x7e]+$/);
        expect(keyword).not.toMatch(/[(){%*"\\\]]/);
        expect(categoryForKeyword(keyword)).toBe(category);
      }),
    );
  });

  it('reads Read, Flag and Categories from a Change and computes the STORE', () => {
    const change = parseEmailChange(
      el(
        'AirSync:ApplicationData',
        el('Email:Read', 1),
        el('Email:Flag', el('Email:Status', 1)),
        el('Email:Categories', el('Email:Category', 'Blue team')),
      ),
    );
    expect(change).toEqual({ read: true, flag: 'complete', categories: ['Blue team'] });
    expect(keywordChanges(['\\Flagged', 'Work', '$Forwarded'], change)).toEqual({
      add: ['\\Seen', '$Completed', 'Blue_team'],
      remove: ['\\Flagged', 'Work'],
    });
    expect(parseEmailChange(el('AirSync:ApplicationData', el('Email:Flag')))).toEqual({ flag: 'cleared' });
    expect(() => parseEmailChange(el('AirSync:ApplicationData', el('Email:Read', 7)))).toThrow(
      EmailChangeError,
    );
  });
});
