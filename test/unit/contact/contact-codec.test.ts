import { Buffer } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
import {
  contactCodec,
  ELEMENT_ORDER,
  PICTURE_MAX_BASE64,
  type ContactApplyOptions,
} from '../../../src/model/contact/index.js';
import { ItemDataError, ItemSourceError } from '../../../src/model/item-codec.js';
import { el, type TagRef } from '../../../src/wbxml/index.js';
import {
  appData,
  applyOptions,
  card,
  folded,
  FULL_30,
  FULL_40,
  FULL_FIELDS,
  FULL_FIELDS_40,
  jpeg,
  linesOf,
  PHOTO,
  render,
  valuesOf,
  xmlOf,
} from './fixtures.js';

describe.each([
  ['3.0', FULL_30, FULL_FIELDS],
  ['4.0', FULL_40, FULL_FIELDS_40],
])('a contact with every field, vCard %s', (version, source, fields) => {
  it('renders every element in the order of MS-ASCNTC 2.2.2', () => {
    const out = render(source);
    const values = valuesOf(out);
    for (const [tag, value] of fields) expect([tag, values.get(tag)]).toEqual([tag, value]);
    const body = out.find((e) => e.tag === 'AirSyncBase:Body')!;
    expect(xmlOf([body])).toContain(
      '<airsyncbase:Data>Met at the conference.\nLikes tea, not coffee.</airsyncbase:Data>',
    );
    const order = out.map((e) => ELEMENT_ORDER.indexOf(e.tag));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(out).toHaveLength(fields.length + 1);
  });

  it('survives the device sending back what it got, unknown properties and all', () => {
    const first = render(source);
    const stored = contactCodec.apply(appData(first), source, applyOptions());
    expect(xmlOf(render(stored.text))).toBe(xmlOf(first));
    expect(stored.uid).toBe(version === '3.0' ? 'full-3' : 'urn:uuid:4f1c2d3e-0000-4000-8000-000000000004');
    expect(stored.text).toContain(`VERSION:${version}`);
    // Every line but REV is kept byte for byte, including those EAS cannot show.
    const after = linesOf(stored.text);
    for (const line of linesOf(source).filter((l) => !l.startsWith('REV:'))) expect(after).toContain(line);
    expect(after.filter((l) => l.startsWith('REV:'))).toEqual([
      version === '3.0' ? 'REV:2024-03-01T09:30:00Z' : 'REV:20240301T093000Z',
    ]);
  });

  it('renders the same at every protocol version from 12.0', () => {
    const xml = xmlOf(render(source));
    for (const versionRank of [120, 121, 140, 141, 160])
      expect(xmlOf(render(source, { versionRank, bodyPreferences: [{ type: 1 }] }))).toBe(xml);
  });

  it('removes what the device left out of a Change and keeps what EAS cannot show', () => {
    const dropped = new Set<TagRef>([
      'Contacts:JobTitle',
      'Contacts:Spouse',
      'Contacts:HomeFaxNumber',
      'Contacts2:IMAddress2',
      'Contacts:Birthday',
      'Contacts:OtherStreet',
      'Contacts:OtherCity',
      'Contacts:OtherState',
      'Contacts:OtherPostalCode',
      'Contacts:OtherCountry',
      'Contacts:Picture',
      'AirSyncBase:Body',
    ]);
    const sent = render(source).filter((e) => !dropped.has(e.tag));
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    const values = valuesOf(render(stored.text));
    for (const tag of dropped)
      if (tag !== 'AirSyncBase:Body' && tag !== 'Contacts2:IMAddress2')
        expect([tag, values.get(tag)]).toEqual([tag, undefined]);
    // The third address moves up into the freed slot.
    expect([values.get('Contacts2:IMAddress2'), values.get('Contacts2:IMAddress3')]).toEqual([
      'anna@sip.example',
      undefined,
    ]);
    expect(stored.text).not.toContain('annaaim');
    // MS-ASCNTC 3.1.5.4: no Body in the Change, the notes stay.
    expect(stored.text).toContain('NOTE:Met at the conference.');
    expect(stored.text).not.toMatch(/^TITLE:/m);
    expect(stored.text).not.toMatch(/^PHOTO/m);
    expect(stored.text).toContain('X-UNKNOWN-THING;X-PARAM=1:keep me;please');
    expect(stored.text).toContain('fourth@extra.example');
    expect(stored.text).toContain('+1 555 0999');
  });

  it('keeps ghosted elements (MS-ASCMD 2.2.3.179 Supported) that the device left out', () => {
    const sent = render(source).filter(
      (e) => e.tag !== 'Contacts:JobTitle' && e.tag !== 'Contacts2:NickName',
    );
    const supported = new Set<TagRef>(
      FULL_FIELDS.map(([t]) => t as TagRef).filter((t) => t !== 'Contacts:JobTitle'),
    );
    const options: ContactApplyOptions = { ...applyOptions(), supported };
    const stored = contactCodec.apply(appData(sent), source, options);
    const values = valuesOf(render(stored.text));
    expect(values.get('Contacts:JobTitle')).toBe('Chief Scientist');
    expect(values.get('Contacts2:NickName')).toBeUndefined();
  });
});

describe('changes from the device', () => {
  it('edits in place: parameters and groups stay, only the value changes', () => {
    const source = card([
      'VERSION:3.0',
      'UID:u1',
      'FN:A B',
      'N:B;A;;;',
      'item1.TEL;TYPE=CELL;TYPE=PREF:+1 111',
      'item1.X-ABLabel:mine',
    ]);
    const sent = render(source).map((e) =>
      e.tag === 'Contacts:MobilePhoneNumber' ? el(e.tag, '+1 222') : e,
    );
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    expect(linesOf(stored.text)).toContain('item1.TEL;TYPE=CELL,PREF:+1 222');
    expect(linesOf(stored.text)).toContain('item1.X-ABLabel:mine');
  });

  it('adds new elements with the documented TYPEs', () => {
    const source = card(['VERSION:3.0', 'UID:u1', 'FN:A B', 'N:B;A;;;', 'TEL;TYPE=WORK:+1 100']);
    const sent = [
      ...render(source),
      el('Contacts:Business2PhoneNumber', '+1 101'),
      el('Contacts:AssistantTelephoneNumber', '+1 700'),
      el('Contacts2:CompanyMainPhone', '+1 600'),
      el('Contacts2:MMS', '+1 800'),
      el('Contacts:RadioPhoneNumber', '+1 302'),
      el('Contacts2:IMAddress', 'me@jabber.example'),
      el('Contacts2:IMAddress2', 'sip:me@sip.example'),
      el('Contacts:Spouse', 'Sam'),
      el('Contacts:Children', el('Contacts:Child', 'Kim'), el('Contacts:Child', 'Lee')),
      el('Contacts:Anniversary', '2001-02-03T11:59:00.000Z'),
    ];
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    const lines = linesOf(stored.text);
    expect(lines).toEqual(
      expect.arrayContaining([
        'TEL;TYPE=WORK:+1 100',
        'TEL;TYPE=WORK,VOICE:+1 101',
        'TEL;TYPE=X-ASSISTANT:+1 700',
        'TEL;TYPE=MAIN:+1 600',
        'TEL;TYPE=X-MMS:+1 800',
        'TEL;TYPE=X-RADIO:+1 302',
        'IMPP:xmpp:me@jabber.example',
        'IMPP:sip:me@sip.example',
        'X-SPOUSE:Sam',
        'X-CHILD:Kim',
        'X-CHILD:Lee',
        'X-ANNIVERSARY:2001-02-03',
      ]),
    );
    const values = valuesOf(render(stored.text));
    expect(values.get('Contacts:Business2PhoneNumber')).toBe('+1 101');
    expect(values.get('Contacts2:IMAddress2')).toBe('me@sip.example');
  });

  it('writes vCard 4.0 forms into a 4.0 card', () => {
    const source = card(['VERSION:4.0', 'UID:u4', 'FN:A B', 'N:B;A;;;']);
    const sent = [
      ...render(source),
      el('Contacts:Spouse', 'Sam'),
      el('Contacts:Children', el('Contacts:Child', 'Kim')),
      el('Contacts:Anniversary', '2001-02-03T11:59:00.000Z'),
      el('Contacts:Birthday', '1604-05-17T11:59:00.000Z'),
      el('Contacts:Picture', PHOTO.toString('base64')),
    ];
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    const lines = linesOf(stored.text);
    expect(lines).toEqual(
      expect.arrayContaining([
        'VERSION:4.0',
        'RELATED;TYPE=spouse;VALUE=text:Sam',
        'RELATED;TYPE=child;VALUE=text:Kim',
        'ANNIVERSARY:20010203',
        'BDAY:--0517',
        `PHOTO:data:image/jpeg;base64,${PHOTO.toString('base64')}`,
      ]),
    );
    expect(valuesOf(render(stored.text)).get('Contacts:Birthday')).toBe('1604-05-17T11:59:00.000Z');
  });

  it('takes the address out of the display-name form of an email', () => {
    const source = card(['VERSION:3.0', 'UID:u1', 'FN:A', 'N:;A;;;', 'EMAIL;TYPE=INTERNET:a@x.example']);
    const sent = [
      el('Contacts:FileAs', 'A'),
      el('Contacts:FirstName', 'A'),
      el('Contacts:Email1Address', '"A" <a@x.example>'),
      el('Contacts:Email2Address', 'Bee Bop <b@x.example>'),
    ];
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    const lines = linesOf(stored.text);
    expect(lines).toContain('EMAIL;TYPE=INTERNET:a@x.example');
    expect(lines).toContain('EMAIL;TYPE=INTERNET:b@x.example');
  });

  it('builds a new vCard 3.0 for an Add, with a UID from newUid and a name', () => {
    const sent = [
      el('Contacts:FirstName', 'Nina'),
      el('Contacts:LastName', 'Novak'),
      el('Contacts:CompanyName', 'Nadir; Inc'),
      el('Contacts:MobilePhoneNumber', '+49 170 1'),
      el('Contacts:Categories', el('Contacts:Category', 'Friends')),
      el(
        'AirSyncBase:Body',
        el('AirSyncBase:Type', 1),
        el('AirSyncBase:Data', 'Line 1\r\nLine 2, with comma'),
      ),
      el('Contacts:Birthday', '1990-12-31T23:00:00.000Z'),
      el('Contacts:Picture', PHOTO.toString('base64')),
    ];
    const stored = contactCodec.apply(appData(sent), undefined, applyOptions());
    expect(stored.uid).toBe('new-uid-1');
    const lines = linesOf(stored.text);
    expect(lines.slice(0, 4)).toEqual(['BEGIN:VCARD', 'VERSION:3.0', 'UID:new-uid-1', 'FN:Nina Novak']);
    expect(lines).toEqual(
      expect.arrayContaining([
        'N:Novak;Nina;;;',
        'ORG:Nadir\\; Inc',
        'TEL;TYPE=CELL,VOICE:+49 170 1',
        'CATEGORIES:Friends',
        'NOTE:Line 1\\nLine 2\\, with comma',
        'BDAY:1991-01-01',
        `PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO.toString('base64')}`,
        'REV:2024-03-01T09:30:00Z',
        'END:VCARD',
      ]),
    );
    // Folded at 75 octets with CRLF.
    expect(stored.text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    const values = valuesOf(render(stored.text));
    expect(values.get('Contacts:CompanyName')).toBe('Nadir; Inc');
    expect(values.get('Contacts:Picture')).toBe(PHOTO.toString('base64'));
  });

  it('rejects a Picture over 48 KB (MS-ASCNTC 2.2.2.58: Status 6)', () => {
    const big = jpeg(40_000).toString('base64');
    expect(big.length).toBeGreaterThan(PICTURE_MAX_BASE64);
    expect(() =>
      contactCodec.apply(appData([el('Contacts:Picture', big)]), undefined, applyOptions()),
    ).toThrow(ItemDataError);
    expect(() =>
      contactCodec.apply(appData([el('Contacts:Birthday', 'soon')]), undefined, applyOptions()),
    ).toThrow(ItemDataError);
  });
});

describe('several numbers of one kind', () => {
  const source = card([
    'VERSION:3.0',
    'UID:p',
    'FN:P',
    'N:;P;;;',
    'TEL;TYPE=CELL:1',
    'TEL;TYPE=CELL:2',
    'TEL;TYPE=CELL:3',
    'TEL;TYPE=CELL:4',
    'TEL;TYPE=WORK:5',
    'TEL;TYPE=WORK:6',
    'TEL;TYPE=WORK:7',
    'TEL;TYPE=WORK:8',
    'TEL;TYPE=HOME:9',
    'TEL;TYPE=HOME:10',
    'TEL;TYPE=HOME:11',
    'TEL:12',
    'TEL;TYPE=FAX:13',
    'TEL;TYPE=FAX:14',
    'TEL;TYPE=CAR:15',
  ]);

  it('fill the next free slot of a compatible kind', () => {
    const v = valuesOf(render(source));
    expect(Object.fromEntries([...v].filter(([t]) => /Phone|Number|MMS/.test(t)))).toEqual({
      'Contacts:MobilePhoneNumber': '1',
      'Contacts:CarPhoneNumber': '15',
      'Contacts:RadioPhoneNumber': '2',
      'Contacts:BusinessPhoneNumber': '5',
      'Contacts:Business2PhoneNumber': '6',
      'Contacts2:CompanyMainPhone': '7',
      'Contacts:HomePhoneNumber': '9',
      'Contacts:Home2PhoneNumber': '10',
      'Contacts:BusinessFaxNumber': '13',
      'Contacts:HomeFaxNumber': '14',
    });
  });

  it('are all kept when the device changes one of them', () => {
    const sent = render(source).map((e) => (e.tag === 'Contacts:HomePhoneNumber' ? el(e.tag, '99') : e));
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    const tels = linesOf(stored.text).filter((l) => l.startsWith('TEL'));
    expect(tels).toEqual(
      linesOf(source)
        .filter((l) => l.startsWith('TEL'))
        .map((l) => (l === 'TEL;TYPE=HOME:9' ? 'TEL;TYPE=HOME:99' : l)),
    );
    expect(valuesOf(render(stored.text)).get('Contacts:HomePhoneNumber')).toBe('99');
  });
});

describe('birthdays are dates', () => {
  const zones = ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles', 'Asia/Kolkata', 'Pacific/Pago_Pago'];
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it.each(zones)('the same in every process time zone (%s)', (zone) => {
    process.env.TZ = zone;
    for (const bday of [
      'BDAY:1980-05-17',
      'BDAY:19800517',
      'BDAY;VALUE=DATE:19800517',
      'BDAY:1980-05-17T00:00:00Z',
    ]) {
      const source = card(['VERSION:3.0', 'UID:b', 'FN:B', 'N:;B;;;', bday]);
      const out = render(source);
      expect(valuesOf(out).get('Contacts:Birthday')).toBe('1980-05-17T11:59:00.000Z');
      const stored = contactCodec.apply(appData(out), source, applyOptions());
      expect(linesOf(stored.text)).toContain(bday);
    }
  });

  it.each([
    ['1980-05-17T11:59:00.000Z', '1980-05-17'], // what we send, sent back
    ['1980-05-16T22:00:00.000Z', '1980-05-17'], // local midnight in UTC+2
    ['1980-05-17T05:00:00.000Z', '1980-05-17'], // local midnight in UTC-5
    ['1980-05-16T12:00:00.000Z', '1980-05-17'], // local midnight in UTC+12
    ['1980-05-17T00:00:00.000Z', '1980-05-17'],
    ['19800517T000000Z', '1980-05-17'],
    ['1980-05-17', '1980-05-17'],
  ])('a device value %s is stored as %s', (sent, stored) => {
    const source = card(['VERSION:3.0', 'UID:b', 'FN:B', 'N:;B;;;']);
    const out = contactCodec.apply(
      appData([el('Contacts:FileAs', 'B'), el('Contacts:Birthday', sent)]),
      source,
      applyOptions(),
    );
    expect(linesOf(out.text)).toContain(`BDAY:${stored}`);
  });

  it('keeps a year-less 4.0 birthday and an unreadable one', () => {
    const source = card([
      'VERSION:4.0',
      'UID:b',
      'FN:B',
      'BDAY:--0229',
      'ANNIVERSARY;VALUE=text:sometime in June',
    ]);
    const out = render(source);
    expect(valuesOf(out).get('Contacts:Birthday')).toBe('1604-02-29T11:59:00.000Z');
    expect(valuesOf(out).get('Contacts:Anniversary')).toBeUndefined();
    const stored = contactCodec.apply(appData(out), source, applyOptions());
    expect(linesOf(stored.text)).toEqual(
      expect.arrayContaining(['BDAY:--0229', 'ANNIVERSARY;VALUE=text:sometime in June']),
    );
  });
});

describe('photos', () => {
  it('a huge photo is not sent, and stays in the card', () => {
    const huge = jpeg(60_000).toString('base64');
    const source = card([
      'VERSION:3.0',
      'UID:h',
      'FN:H',
      'N:;H;;;',
      folded(`PHOTO;ENCODING=b;TYPE=JPEG:${huge}`),
    ]);
    const out = render(source);
    expect(out.some((e) => e.tag === 'Contacts:Picture')).toBe(false);
    const stored = contactCodec.apply(appData(out), source, applyOptions());
    expect(linesOf(stored.text)).toContain(`PHOTO;ENCODING=b;TYPE=JPEG:${huge}`);
  });

  it('an empty Picture deletes the photo', () => {
    const stored = contactCodec.apply(
      appData([...render(FULL_30).filter((e) => e.tag !== 'Contacts:Picture'), el('Contacts:Picture')]),
      FULL_30,
      applyOptions(),
    );
    expect(stored.text).not.toContain('PHOTO');
  });

  it('a new photo on a 3.0 card replaces the old one in the 3.0 form', () => {
    const next = jpeg(900, 7).toString('base64');
    const sent = render(FULL_30).map((e) => (e.tag === 'Contacts:Picture' ? el(e.tag, next) : e));
    const stored = contactCodec.apply(appData(sent), FULL_30, applyOptions());
    expect(linesOf(stored.text).filter((l) => l.startsWith('PHOTO'))).toEqual([
      `PHOTO;ENCODING=b;TYPE=JPEG:${next}`,
    ]);
  });
});

describe('notes', () => {
  const source = card(['VERSION:3.0', 'UID:n', 'FN:N', 'N:;N;;;', 'NOTE:' + 'é'.repeat(100)]);

  it('are truncated to TruncationSize bytes', () => {
    const xml = xmlOf(
      render(source, { versionRank: 141, bodyPreferences: [{ type: 1, truncationSize: 11 }] }),
    );
    expect(xml).toContain('<airsyncbase:EstimatedDataSize>200</airsyncbase:EstimatedDataSize>');
    expect(xml).toContain('<airsyncbase:Truncated>1</airsyncbase:Truncated>');
    expect(xml).toContain(`<airsyncbase:Data>${'é'.repeat(5)}</airsyncbase:Data>`);
    const none = xmlOf(
      render(source, {
        versionRank: 141,
        bodyPreferences: [{ type: 1, truncationSize: 11, allOrNone: true }],
      }),
    );
    expect(none).not.toContain('<airsyncbase:Data>');
  });

  it('are HTML when the client asks only for HTML, and HTML from the device becomes text', () => {
    const xml = xmlOf(render(source, { versionRank: 161, bodyPreferences: [{ type: 2 }] }));
    expect(xml).toContain('<airsyncbase:Type>2</airsyncbase:Type>');
    const sent = [
      el('Contacts:FileAs', 'N'),
      el('Contacts:FirstName', 'N'),
      el('AirSyncBase:Body', el('AirSyncBase:Type', 2), el('AirSyncBase:Data', '<p>Hi <b>there</b></p>')),
    ];
    const stored = contactCodec.apply(appData(sent), source, applyOptions());
    expect(linesOf(stored.text)).toContain('NOTE:Hi there');
  });
});

describe('what real servers store', () => {
  it('reads folded lines, TYPE lists, CHARSET, tel: URIs and quoted parameters', () => {
    const source = [
      'BEGIN:VCARD',
      'VERSION:4.0',
      'UID:r',
      'FN;CHARSET=UTF-8:Zoë',
      ' Zed',
      'TEL;VALUE=uri;TYPE="voice,work":tel:+1-555-0100',
      'TEL;TYPE=WORK;TYPE=FAX:+1 555 0101',
      'EMAIL;TYPE=work:z@z.example',
      'END:VCARD',
    ].join('\n');
    const v = valuesOf(render(source));
    expect(v.get('Contacts:FileAs')).toBe('ZoëZed');
    expect(v.get('Contacts:BusinessPhoneNumber')).toBe('+1-555-0100');
    expect(v.get('Contacts:BusinessFaxNumber')).toBe('+1 555 0101');
    expect(v.get('Contacts:Email1Address')).toBe('z@z.example');
  });

  it('reads vCard 2.1 with quoted-printable and bare TYPEs, and stores it as 3.0', () => {
    const source = [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;',
      'FN:J=C3=BCrgen',
      'TEL;WORK;VOICE:+49 30 1',
      'NOTE;ENCODING=QUOTED-PRINTABLE:first line=0D=0Asecond =',
      'line',
      'END:VCARD',
    ].join('\r\n');
    const out = render(source);
    const v = valuesOf(out);
    expect(v.get('Contacts:LastName')).toBe('Müller');
    expect(v.get('Contacts:FirstName')).toBe('Jürgen');
    expect(v.get('Contacts:BusinessPhoneNumber')).toBe('+49 30 1');
    expect(xmlOf(out)).toContain('first line\nsecond line');
    const stored = contactCodec.apply(appData(out), source, applyOptions());
    expect(stored.text).toContain('VERSION:3.0');
    expect(xmlOf(render(stored.text))).toBe(xmlOf(out));
  });

  it('reads a 3.0 card with 2.1 habits, and skips a photo that is not base64', () => {
    const source = card([
      'VERSION:3.0',
      'FN;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Jos=E9',
      'TEL;TYPE=CELL:+33 6',
      'PHOTO;ENCODING=b;TYPE=JPEG:not*base64!',
    ]);
    const v = valuesOf(render(source));
    expect(v.get('Contacts:FileAs')).toBe('José');
    expect(v.get('Contacts:MobilePhoneNumber')).toBe('+33 6');
    expect(v.has('Contacts:Picture')).toBe(false);
    expect(valuesOf(render(source.replace('TYPE=CELL', 'CELL'))).get('Contacts:MobilePhoneNumber')).toBe(
      '+33 6',
    );
  });

  it.each([
    ['garbage', 'hello world'],
    ['no END', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n'],
    ['a line without a colon', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN x\r\nEND:VCARD\r\n'],
    ['an unknown version', 'BEGIN:VCARD\r\nVERSION:5.0\r\nFN:x\r\nEND:VCARD\r\n'],
    ['an iCalendar', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'],
  ])('%s is an ItemSourceError', (_name, source) => {
    expect(() => render(source)).toThrow(ItemSourceError);
    expect(() => contactCodec.apply(appData([]), source, applyOptions())).toThrow(ItemSourceError);
  });
});
