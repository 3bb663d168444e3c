import { Buffer } from 'node:buffer';
import { contactCodec } from '../../../src/model/contact/index.js';
import type { ItemApplyOptions, ItemRenderOptions } from '../../../src/model/item-codec.js';
import { el, encodeWbxml, toXml, type WbxmlElement } from '../../../src/wbxml/index.js';

// vCards with every mapped field, and helpers to play the device's side of a Sync.

/** Bytes that start like a JPEG; `size` bytes in all. */
export function jpeg(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 17) & 0xff;
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  return b;
}

/** A tiny DER SEQUENCE standing in for a certificate. */
export const CERT = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]);

export const PHOTO = jpeg(600);

/** RFC 6350 3.2 folding of one long line, as servers store it. */
export function folded(line: string): string {
  const out: string[] = [];
  for (let i = 0; i < line.length; i += 74) out.push((i === 0 ? '' : ' ') + line.slice(i, i + 74));
  return out.join('\r\n');
}

export function card(lines: readonly string[]): string {
  return ['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join('\r\n');
}

export const FULL_30 = card([
  'VERSION:3.0',
  'PRODID:-//Test//Contacts//EN',
  'UID:full-3',
  'FN:Dr. Anna Maria Berg Jr.',
  'N:Berg;Anna;Maria;Dr.;Jr.',
  'X-PHONETIC-FIRST-NAME:アンナ',
  'X-PHONETIC-LAST-NAME:ベルク',
  'X-PHONETIC-ORG:アクメ',
  'NICKNAME:Annie',
  'ORG:Acme Corp;Research;Lab 3',
  'TITLE:Chief Scientist',
  'X-OFFICE:Building 7',
  'X-MANAGER:Carl Boss',
  'X-ASSISTANT:Dana Help',
  'X-SPOUSE:Eric Berg',
  'X-CHILD:Finn',
  'X-CHILD:Greta',
  'BDAY:1980-05-17',
  'X-ANNIVERSARY:2005-06-30',
  'EMAIL;TYPE=INTERNET;TYPE=PREF:anna@acme.example',
  'EMAIL;TYPE=INTERNET,HOME:anna@home.example',
  'EMAIL;TYPE=INTERNET:berg@other.example',
  'EMAIL;TYPE=INTERNET:fourth@extra.example',
  'TEL;TYPE=WORK,VOICE:+1 555 0100',
  'TEL;TYPE=WORK;TYPE=VOICE:+1 555 0101',
  'TEL;TYPE=HOME:+1 555 0200',
  'TEL;TYPE=HOME:+1 555 0201',
  'TEL;TYPE=CELL:+1 555 0300',
  'TEL;TYPE=CAR:+1 555 0301',
  'TEL;TYPE=X-RADIO:+1 555 0302',
  'TEL;TYPE=PAGER:+1 555 0400',
  'TEL;TYPE=WORK,FAX:+1 555 0500',
  'TEL;TYPE=HOME,FAX:+1 555 0501',
  'TEL;TYPE=MAIN:+1 555 0600',
  'TEL;TYPE=X-ASSISTANT:+1 555 0700',
  'TEL;TYPE=X-MMS:+1 555 0800',
  'TEL;TYPE=CELL:+1 555 0999',
  'ADR;TYPE=HOME:;;1 Home St;Hometown;HS;11111;Homeland',
  'ADR;TYPE=WORK:PO Box 9;;2 Work Ave;Worktown;WS;22222;Workland',
  'ADR:;;3 Other Rd;Otherville;OS;33333;Otherland',
  'URL:https://anna.example/',
  'IMPP:xmpp:anna@jabber.example',
  'X-AIM:annaaim',
  'IMPP:sip:anna@sip.example',
  'CATEGORIES:Work,VIP',
  'NOTE:Met at the conference.\\nLikes tea\\, not coffee.',
  'X-ACCOUNT-NAME:acc-1',
  'X-CUSTOMER-ID:cust-2',
  'X-GOVERNMENT-ID:gov-3',
  folded(`PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO.toString('base64')}`),
  `KEY;ENCODING=b;TYPE=X509:${CERT.toString('base64')}`,
  'X-UNKNOWN-THING;X-PARAM=1:keep me;please',
  'item1.X-ABLabel:custom',
  'REV:2020-01-01T00:00:00Z',
]);

export const FULL_40 = card([
  'VERSION:4.0',
  'UID:urn:uuid:4f1c2d3e-0000-4000-8000-000000000004',
  'FN:Dr. Anna Maria Berg Jr.',
  'N:Berg;Anna;Maria;Dr.;Jr.',
  'X-PHONETIC-FIRST-NAME:アンナ',
  'X-PHONETIC-LAST-NAME:ベルク',
  'X-PHONETIC-ORG:アクメ',
  'NICKNAME:Annie',
  'ORG:Acme Corp;Research;Lab 3',
  'TITLE:Chief Scientist',
  'X-OFFICE:Building 7',
  'X-MANAGER:Carl Boss',
  'X-ASSISTANT:Dana Help',
  'RELATED;TYPE=spouse;VALUE=text:Eric Berg',
  'RELATED;TYPE=child;VALUE=text:Finn',
  'RELATED;TYPE=child;VALUE=text:Greta',
  'RELATED;TYPE=friend:urn:uuid:9a1c2d3e-0000-4000-8000-000000000009',
  'BDAY:19800517',
  'ANNIVERSARY:20050630',
  'EMAIL;PREF=1:anna@acme.example',
  'EMAIL;TYPE=home:anna@home.example',
  'EMAIL:berg@other.example',
  'EMAIL:fourth@extra.example',
  'TEL;VALUE=uri;TYPE="work,voice":tel:+1-555-0100',
  'TEL;TYPE=work;TYPE=voice:+1 555 0101',
  'TEL;TYPE=home:+1 555 0200',
  'TEL;TYPE=home:+1 555 0201',
  'TEL;VALUE=uri;TYPE=cell:tel:+1-555-0300',
  'TEL;TYPE=car:+1 555 0301',
  'TEL;TYPE=x-radio:+1 555 0302',
  'TEL;TYPE=pager:+1 555 0400',
  'TEL;TYPE=work,fax:+1 555 0500',
  'TEL;TYPE=home,fax:+1 555 0501',
  'TEL;TYPE=main:+1 555 0600',
  'TEL;TYPE=x-assistant:+1 555 0700',
  'TEL;TYPE=x-mms:+1 555 0800',
  'TEL;TYPE=cell:+1 555 0999',
  'ADR;TYPE=home:;;1 Home St;Hometown;HS;11111;Homeland',
  'ADR;TYPE=work:PO Box 9;;2 Work Ave;Worktown;WS;22222;Workland',
  'ADR:;;3 Other Rd;Otherville;OS;33333;Otherland',
  'URL:https://anna.example/',
  'IMPP:xmpp:anna@jabber.example',
  'IMPP;TYPE=home:aim:annaaim',
  'IMPP:sip:anna@sip.example',
  'CATEGORIES:Work,VIP',
  'NOTE:Met at the conference.\\nLikes tea\\, not coffee.',
  'X-ACCOUNT-NAME:acc-1',
  'X-CUSTOMER-ID:cust-2',
  'X-GOVERNMENT-ID:gov-3',
  folded(`PHOTO:data:image/jpeg;base64,${PHOTO.toString('base64')}`),
  folded(`KEY:data:application/pkix-cert;base64,${CERT.toString('base64')}`),
  'GENDER:F',
  'X-UNKNOWN-THING;X-PARAM=1:keep me;please',
  'REV:20200101T000000Z',
]);

/** What the full 3.0 card shows on a 16.1 device, element by element. */
export const FULL_FIELDS: ReadonlyArray<readonly [string, string | readonly string[]]> = [
  ['Contacts2:AccountName', 'acc-1'],
  ['Contacts:Anniversary', '2005-06-30T11:59:00.000Z'],
  ['Contacts:AssistantName', 'Dana Help'],
  ['Contacts:AssistantTelephoneNumber', '+1 555 0700'],
  ['Contacts:Birthday', '1980-05-17T11:59:00.000Z'],
  ['Contacts:Business2PhoneNumber', '+1 555 0101'],
  ['Contacts:BusinessCity', 'Worktown'],
  ['Contacts:BusinessCountry', 'Workland'],
  ['Contacts:BusinessPostalCode', '22222'],
  ['Contacts:BusinessState', 'WS'],
  ['Contacts:BusinessStreet', '2 Work Ave'],
  ['Contacts:BusinessFaxNumber', '+1 555 0500'],
  ['Contacts:BusinessPhoneNumber', '+1 555 0100'],
  ['Contacts:CarPhoneNumber', '+1 555 0301'],
  ['Contacts:Categories', ['Work', 'VIP']],
  ['Contacts:Children', ['Finn', 'Greta']],
  ['Contacts2:CompanyMainPhone', '+1 555 0600'],
  ['Contacts:CompanyName', 'Acme Corp'],
  ['Contacts2:CustomerId', 'cust-2'],
  ['Contacts:Department', 'Research'],
  ['Contacts:Email1Address', 'anna@acme.example'],
  ['Contacts:Email2Address', 'anna@home.example'],
  ['Contacts:Email3Address', 'berg@other.example'],
  ['Contacts:FileAs', 'Dr. Anna Maria Berg Jr.'],
  ['Contacts:FirstName', 'Anna'],
  ['Contacts2:GovernmentId', 'gov-3'],
  ['Contacts:Home2PhoneNumber', '+1 555 0201'],
  ['Contacts:HomeCity', 'Hometown'],
  ['Contacts:HomeCountry', 'Homeland'],
  ['Contacts:HomePostalCode', '11111'],
  ['Contacts:HomeState', 'HS'],
  ['Contacts:HomeStreet', '1 Home St'],
  ['Contacts:HomeFaxNumber', '+1 555 0501'],
  ['Contacts:HomePhoneNumber', '+1 555 0200'],
  ['Contacts2:IMAddress', 'anna@jabber.example'],
  ['Contacts2:IMAddress2', 'annaaim'],
  ['Contacts2:IMAddress3', 'anna@sip.example'],
  ['Contacts:JobTitle', 'Chief Scientist'],
  ['Contacts:LastName', 'Berg'],
  ['Contacts2:ManagerName', 'Carl Boss'],
  ['Contacts:MiddleName', 'Maria'],
  ['Contacts2:MMS', '+1 555 0800'],
  ['Contacts:MobilePhoneNumber', '+1 555 0300'],
  ['Contacts2:NickName', 'Annie'],
  ['Contacts:OfficeLocation', 'Building 7'],
  ['Contacts:OtherCity', 'Otherville'],
  ['Contacts:OtherCountry', 'Otherland'],
  ['Contacts:OtherPostalCode', '33333'],
  ['Contacts:OtherState', 'OS'],
  ['Contacts:OtherStreet', '3 Other Rd'],
  ['Contacts:PagerNumber', '+1 555 0400'],
  ['Contacts:Picture', PHOTO.toString('base64')],
  ['Contacts:RadioPhoneNumber', '+1 555 0302'],
  ['Contacts:Spouse', 'Eric Berg'],
  ['Contacts:Suffix', 'Jr.'],
  ['Contacts:Title', 'Dr.'],
  ['Contacts:WebPage', 'https://anna.example/'],
  ['Contacts:YomiCompanyName', 'アクメ'],
  ['Contacts:YomiFirstName', 'アンナ'],
  ['Contacts:YomiLastName', 'ベルク'],
];

/** The 4.0 card has two numbers as tel: URIs. */
export const FULL_FIELDS_40: typeof FULL_FIELDS = FULL_FIELDS.map(([t, v]) =>
  t === 'Contacts:BusinessPhoneNumber' || t === 'Contacts:MobilePhoneNumber'
    ? [t, (v as string).replace(/ /g, '-')]
    : [t, v],
);

export const RENDER: ItemRenderOptions = { versionRank: 161, bodyPreferences: [{ type: 1 }] };

export function applyOptions(over: Partial<ItemApplyOptions> = {}): ItemApplyOptions {
  let n = 0;
  return {
    versionRank: 161,
    newUid: () => `new-uid-${++n}`,
    now: new Date(Date.UTC(2024, 2, 1, 9, 30, 0)),
    ...over,
  };
}

/** ApplicationData as the device sends it back. */
export function appData(children: readonly WbxmlElement[]): WbxmlElement {
  return el('AirSync:ApplicationData', ...children);
}

export function xmlOf(children: readonly WbxmlElement[]): string {
  const root = appData(children);
  encodeWbxml(root); // every element must be encodable
  return toXml(root);
}

/** The text of each rendered element (lists as arrays of their items). */
export function valuesOf(children: readonly WbxmlElement[]): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const c of children) {
    const kids = c.children.filter(
      (k): k is WbxmlElement => typeof k === 'object' && !(k instanceof Uint8Array),
    );
    if (c.tag === 'Contacts:Categories' || c.tag === 'Contacts:Children')
      out.set(
        c.tag,
        kids.map((k) => k.children.join('')),
      );
    else if (kids.length === 0) out.set(c.tag, c.children.join(''));
  }
  return out;
}

/** Unfolded content lines of a vCard. */
export function linesOf(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l !== '');
}

export function render(source: string, options: ItemRenderOptions = RENDER): WbxmlElement[] {
  return contactCodec.render(source, options);
}
