import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { directoryEntryOf, renderGalProperties } from '../../../src/model/contact/index.js';
import { el } from '../../../src/wbxml/index.js';
import { card, CERT, FULL_30, FULL_40, PHOTO, xmlOf } from './fixtures.js';

describe.each([
  ['3.0', FULL_30],
  ['4.0', FULL_40],
])('directoryEntryOf, vCard %s', (_v, source) => {
  it('collects what GAL search and ResolveRecipients need', () => {
    const e = directoryEntryOf(source);
    expect(e).toMatchObject({
      displayName: 'Dr. Anna Maria Berg Jr.',
      firstName: 'Anna',
      lastName: 'Berg',
      emailAddress: 'anna@acme.example',
      emailAddresses: [
        'anna@acme.example',
        'anna@home.example',
        'berg@other.example',
        'fourth@extra.example',
      ],
      homePhone: '+1 555 0200',
      company: 'Acme Corp',
      title: 'Chief Scientist',
      office: 'Building 7',
      alias: 'anna',
    });
    expect(e.phone?.replace(/-/g, ' ')).toBe('+1 555 0100');
    expect(e.mobilePhone?.replace(/-/g, ' ')).toBe('+1 555 0300');
    expect(Buffer.from(e.picture!.data).equals(PHOTO)).toBe(true);
    expect(e.picture!.mediaType).toBe('image/jpeg');
    expect(e.certificates.map((c) => Buffer.from(c).toString('hex'))).toEqual([CERT.toString('hex')]);
  });
});

describe('renderGalProperties', () => {
  const entry = directoryEntryOf(FULL_30);

  it('writes the GAL elements in the order of MS-ASCMD Search Properties, photo included', () => {
    const xml = xmlOf([
      el('Search:Properties', renderGalProperties(entry, { include: true, maxSize: 102_400 })),
    ]);
    const tags = [...xml.matchAll(/<gal:(\w+)>/g)].map((m) => m[1]);
    expect(tags).toEqual([
      'DisplayName',
      'Phone',
      'Office',
      'Title',
      'Company',
      'Alias',
      'FirstName',
      'LastName',
      'HomePhone',
      'MobilePhone',
      'EmailAddress',
      'Picture',
      'Status',
      'Data',
    ]);
    expect(xml).toContain('<gal:Status>1</gal:Status>');
    expect(xml).toContain(`<gal:Data>${PHOTO.toString('base64')}</gal:Data>`);
  });

  it('answers the Picture statuses 173, 174 and 175', () => {
    const status = (x: string): string | undefined => /<gal:Status>(\d+)<\/gal:Status>/.exec(x)?.[1];
    const wrap = (els: ReturnType<typeof renderGalProperties>): string =>
      xmlOf([el('Search:Properties', els)]);
    const plain = directoryEntryOf(card(['VERSION:3.0', 'FN:No Photo', 'EMAIL:n@x.example']));
    expect(status(wrap(renderGalProperties(plain, { include: true })))).toBe('173');
    expect(status(wrap(renderGalProperties(entry, { include: true, maxSize: 100 })))).toBe('174');
    expect(status(wrap(renderGalProperties(entry, { include: true, limitReached: true })))).toBe('175');
    expect(wrap(renderGalProperties(entry, { include: false }))).not.toContain('Picture');
    expect(wrap(renderGalProperties(plain, { include: false }))).toContain(
      '<gal:DisplayName>No Photo</gal:DisplayName>',
    );
  });
});
