import { describe, expect, it } from 'vitest';
import {
  decodeWbxml,
  el,
  encodeWbxml,
  fromXml,
  toXml,
  WbxmlDecodeError,
  WbxmlEncodeError,
  childText,
  opaque,
  xmlSafeText,
} from '../../../src/wbxml/index.js';

const hex = (s: string): Uint8Array =>
  Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .map((h) => parseInt(h, 16)),
  );
const toHex = (b: Uint8Array): string =>
  Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim().toUpperCase();

// MS-ASWBXML 4 (example): a server Sync response adding a contact, with its published encoding.
const SPEC_XML = `<?xml version="1.0" encoding="utf-8"?>
<Sync xmlns="AirSync" xmlns:airsyncbase="AirSyncBase" xmlns:contacts="Contacts">
 <Collections><Collection>
  <Class>Contacts</Class><SyncKey>2</SyncKey><CollectionId>2</CollectionId><Status>1</Status>
  <Commands><Add><ServerId>2:1</ServerId><ApplicationData>
   <airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>
    <airsyncbase:EstimatedDataSize>0</airsyncbase:EstimatedDataSize>
    <airsyncbase:Truncated>1</airsyncbase:Truncated></airsyncbase:Body>
   <contacts:FileAs>Funk, Don</contacts:FileAs><contacts:FirstName>Don</contacts:FirstName>
   <contacts:LastName>Funk</contacts:LastName>
   <airsyncbase:NativeBodyType>1</airsyncbase:NativeBodyType>
  </ApplicationData></Add></Commands>
 </Collection></Collections>
</Sync>`;
// The bytes the spec prints (its listing of this example, as far as it is quoted here).
const SPEC_PREFIX =
  hex(`03 01 6A 00 45 5C 4F 50 03 43 6F 6E 74 61 63 74 73 00 01 4B 03 32 00 01 52 03 32 00 01
  4E 03 31 00 01 56 47 4D 03 32 3A 31 00 01 5D 00 11 4A 46 03 31 00 01 4C 03 30 00 01 4D 03 31 00 01 01 00 01
  5E 03 46 75 6E 6B`);
// The rest follows from the Contacts (FirstName 0x1F, LastName 0x29) and AirSyncBase
// (NativeBodyType 0x16) tokens, then six ENDs.
const SPEC_REST = hex(`2C 20 44 6F 6E 00 01 5F 03 44 6F 6E 00 01 69 03 46 75 6E 6B 00 01 00 11 56 03 31 00 01
  01 01 01 01 01 01`);

describe('WBXML codec: MS-ASWBXML example', () => {
  it('encodes the spec example to the published bytes', () => {
    const bytes = encodeWbxml(fromXml(SPEC_XML));
    expect(toHex(bytes.subarray(0, SPEC_PREFIX.length))).toBe(toHex(SPEC_PREFIX));
    expect(toHex(bytes.subarray(SPEC_PREFIX.length))).toBe(toHex(SPEC_REST));
  });

  it('decodes the published bytes back to the same tree', () => {
    const bytes = new Uint8Array([...SPEC_PREFIX, ...SPEC_REST]);
    const tree = decodeWbxml(bytes);
    expect(tree).toEqual(fromXml(SPEC_XML));
    expect(toXml(tree)).toContain('<contacts:FileAs>Funk, Don</contacts:FileAs>');
  });
});

describe('WBXML codec: tokens', () => {
  it('writes the ActiveSync header and empty elements without the content bit', () => {
    const bytes = encodeWbxml(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')));
    expect(toHex(bytes)).toBe('03 01 6A 00 00 07 56 52 03 30 00 01 01');
    expect(toHex(encodeWbxml(el('AirSync:Sync', el('AirSync:GetChanges'))))).toBe('03 01 6A 00 45 13 01');
  });

  it('keeps OPAQUE as a zero-copy slice of the input', () => {
    const data = Uint8Array.of(0, 1, 2, 0xff, 0);
    const bytes = encodeWbxml(el('ComposeMail:SendMail', el('ComposeMail:Mime', data)));
    const tree = decodeWbxml(bytes);
    const got = opaque(tree.children[0] as never)!;
    expect([...got]).toEqual([...data]);
    expect(got.buffer).toBe(bytes.buffer);
  });

  it('encodes a 200-byte opaque run with a two-byte mb_u_int32 length', () => {
    const bytes = encodeWbxml(el('ComposeMail:SendMail', el('ComposeMail:Mime', new Uint8Array(200))));
    const at = bytes.indexOf(0xc3);
    expect([bytes[at + 1], bytes[at + 2]]).toEqual([0x81, 0x48]);
  });

  it('decodes ENTITY and merges adjacent strings', () => {
    const tree = decodeWbxml(hex('03 01 6A 00 45 4B 03 61 00 02 81 20 03 62 00 01 01'));
    expect(childText(tree, 'AirSync:SyncKey')).toBe('a\u00a0b');
    expect(tree.children[0]).toEqual({ tag: 'AirSync:SyncKey', children: ['a\u00a0b'] });
  });

  it('writes multi-byte UTF-8 text', () => {
    const tree = el('Email:Subject', 'Grüße 日本 🙂');
    expect(decodeWbxml(encodeWbxml(tree))).toEqual(tree);
  });

  it('refuses to encode unknown tags', () => {
    expect(() => encodeWbxml({ tag: 'AirSync:Nope' as never, children: [] })).toThrow(WbxmlEncodeError);
  });

  it('writes U+FFFD for NUL (STR_I cannot hold it) and keeps other control characters', () => {
    const hostile = 'a\0b\x1b$B\tc';
    const tree = el('AirSync:Sync', el('AirSync:SyncKey', hostile));
    expect(childText(decodeWbxml(encodeWbxml(tree)), 'AirSync:SyncKey')).toBe('a\ufffdb\x1b$B\tc');
    // The long-text path (measured by bound, not exactly) too.
    const long = `${'x'.repeat(40)}\0${'ü'.repeat(40)}\0`;
    const decoded = childText(
      decodeWbxml(encodeWbxml(el('AirSync:Sync', el('AirSync:SyncKey', long)))),
      'AirSync:SyncKey',
    );
    expect(decoded).toBe(`${'x'.repeat(40)}\ufffd${'ü'.repeat(40)}\ufffd`);
  });

  it('makes text safe for a hand-written XML 1.0 document', () => {
    expect(xmlSafeText('a\0b\x01c\ufffed\te\nf')).toBe('a\ufffdb\ufffdc\ufffdd\te\nf');
    expect(xmlSafeText('plain')).toBe('plain');
  });
});

describe('WBXML codec: hostile input gets one typed error with an offset', () => {
  const cases: [string, string, RegExp, number][] = [
    ['empty document', '', /unexpected end/, 0],
    ['string table', '03 01 6A 02 41 00 45 01', /string tables/, 3],
    ['public id via string table', '03 00 00 6A 00 45 01', /public id/, 1],
    ['charset not UTF-8', '03 01 04 00 45 01', /charset 4/, 2],
    ['attributes', '03 01 6A 00 C5 01 01', /attributes/, 4],
    ['STR_T', '03 01 6A 00 45 83 00 01', /STR_T/, 5],
    ['LITERAL', '03 01 6A 00 04 00', /LITERAL/, 4],
    ['unknown code page', '03 01 6A 00 00 63 45 01', /unknown code page 99/, 4],
    ['unknown token', '03 01 6A 00 7F 01', /unknown tag 0x3f on code page 0/, 4],
    ['unterminated string', '03 01 6A 00 45 03 41 42', /unterminated inline string/, 5],
    ['missing END', '03 01 6A 00 45 4B 03 31 00 01', /ends inside AirSync:Sync/, 10],
    ['opaque past end', '03 01 6A 00 45 C3 10 41 01', /past the end/, 5],
    ['two roots', '03 01 6A 00 05 05', /after the root/, 5],
    ['trailing bytes', '03 01 6A 00 45 01 45', /after the root/, 6],
    ['overlong mb_u_int32', '03 01 6A 00 45 C3 FF FF FF FF FF 01', /longer than 5 bytes/, 6],
    ['invalid UTF-8', '03 01 6A 00 45 4B 03 C3 28 00 01 01', /not valid UTF-8/, 6],
    ['text outside root', '03 01 6A 00 03 41 00', /outside the root/, 4],
    ['END at top', '03 01 6A 00 01', /END without/, 4],
  ];
  it.each(cases)('%s', (_name, bytes, message, offset) => {
    let error: unknown;
    try {
      decodeWbxml(bytes === '' ? new Uint8Array(0) : hex(bytes));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WbxmlDecodeError);
    expect((error as WbxmlDecodeError).message).toMatch(message);
    expect((error as WbxmlDecodeError).offset).toBe(offset);
  });

  it('enforces depth, element, string and opaque limits', () => {
    const deep = hex(`03 01 6A 00 ${'45 '.repeat(10)}${'01 '.repeat(10)}`);
    expect(() => decodeWbxml(deep, { limits: { maxDepth: 5 } })).toThrow(/deeper than 5/);
    const wide = hex(`03 01 6A 00 45 ${'13 '.repeat(10)}01`);
    expect(() => decodeWbxml(wide, { limits: { maxElements: 5 } })).toThrow(/more than 5 elements/);
    const str = hex('03 01 6A 00 45 4B 03 41 41 41 41 00 01 01');
    expect(() => decodeWbxml(str, { limits: { maxStringBytes: 3 } })).toThrow(/longer than 3 bytes/);
    const opq = hex('03 01 6A 00 45 4B C3 04 41 41 41 41 01 01');
    expect(() => decodeWbxml(opq, { limits: { maxOpaqueBytes: 3 } })).toThrow(/longer than 3 bytes/);
  });
});

describe('XML form', () => {
  it('writes namespaces as the spec does and reads them back', () => {
    const tree = el(
      'AirSync:Sync',
      el('AirSync:Collections', el('AirSync:Collection', el('AirSync:SyncKey', '0'), el('AirSyncBase:Body'))),
    );
    const xml = toXml(tree);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<Sync xmlns="AirSync:" xmlns:airsyncbase="AirSyncBase:">\n' +
        '  <Collections>\n    <Collection>\n      <SyncKey>0</SyncKey>\n      <airsyncbase:Body/>\n' +
        '    </Collection>\n  </Collections>\n</Sync>\n',
    );
    expect(fromXml(xml)).toEqual(tree);
  });

  it('marks opaque data and keeps empty strings apart from empty elements', () => {
    const tree = el(
      'ComposeMail:SendMail',
      el('ComposeMail:Mime', Uint8Array.of(1, 2, 3)),
      el('ComposeMail:ClientId', ''),
    );
    const xml = toXml(tree);
    expect(xml).toContain('<Mime opaque="base64">AQID</Mime>');
    expect(xml).toContain('<ClientId></ClientId>');
    expect(fromXml(xml)).toEqual(tree);
  });

  it('escapes and unescapes text', () => {
    const tree = el('Email:Subject', 'a & b <c> "d" \u0001');
    expect(fromXml(toXml(tree))).toEqual(tree);
  });

  it('reads libwbxml style documents with a DOCTYPE and undeclared namespace prefixes', () => {
    const xml = `<?xml version="1.0"?>
<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">
<Ping xmlns="Ping:"><HeartbeatInterval>480</HeartbeatInterval><AirSyncBase:Body/></Ping>`;
    expect(fromXml(xml)).toEqual(
      el('Ping:Ping', el('Ping:HeartbeatInterval', '480'), el('AirSyncBase:Body')),
    );
  });

  it.each([
    ['<Sync xmlns="AirSync:"><Bogus/></Sync>', /unknown tag AirSync:Bogus/],
    ['<Sync xmlns="Nope:"/>', /unknown namespace Nope/],
    ['<Sync xmlns="AirSync:" a="1"/>', /attribute a/],
    ['<Sync xmlns="AirSync:"><SyncKey></Sync>', /unexpected <\/Sync>/],
    ['<Sync xmlns="AirSync:">', /ends inside/],
    ['<Sync/>', /no namespace/],
    ['text', /outside the root/],
    ['<Sync xmlns="AirSync:">&bogus;</Sync>', /unknown entity/],
  ])('rejects %s', (xml, message) => {
    expect(() => fromXml(xml)).toThrow(WbxmlDecodeError);
    expect(() => fromXml(xml)).toThrow(message);
  });
});
