import { describe, expect, it } from 'vitest';
import { parseEasQuery, QueryError } from '../../../src/http/query.js';

describe('ActiveSync request query (MS-ASHTTP 2.2.1.1.1)', () => {
  it('reads the plain form', () => {
    const q = parseEasQuery(
      'Cmd=SmartReply&User=alice&DeviceId=ABC123&DeviceType=iPhone&ItemId=5%3A7&CollectionId=5&SaveInSent=T',
    );
    expect(q).toEqual({
      cmd: 'SmartReply',
      user: 'alice',
      deviceId: 'ABC123',
      deviceType: 'iPhone',
      params: { ItemId: '5:7', CollectionId: '5', SaveInSent: 'T' },
    });
  });

  it('reads the base64 example of MS-ASHTTP 2.2.1.1.1.1', () => {
    const q = parseEasQuery('jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l');
    expect(q).toMatchObject({
      cmd: 'Sync',
      protocolVersion: '14.0',
      locale: 0x0409,
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      policyKey: undefined,
    });
  });

  it('reads policy key, user, options and parameters from the base64 form', () => {
    const id = Buffer.from('dev1');
    const type = Buffer.from('Android');
    const bytes = Buffer.concat([
      Buffer.from([141, 3, 0x09, 0x04, id.length]),
      id,
      Buffer.from([4, 0x78, 0x56, 0x34, 0x12, type.length]),
      type,
      Buffer.from([8, 5]),
      Buffer.from('alice'),
      Buffer.from([3, 3]),
      Buffer.from('1:2'),
      Buffer.from([7, 1, 0x01]),
    ]);
    const q = parseEasQuery(encodeURIComponent(bytes.toString('base64')));
    expect(q).toMatchObject({
      cmd: 'SmartReply',
      protocolVersion: '14.1',
      deviceId: 'dev1',
      deviceType: 'Android',
      policyKey: String(0x12345678),
      user: 'alice',
      options: 1,
      params: { ItemId: '1:2', SaveInSent: 'T' },
    });
  });

  it('turns a binary device id into hex', () => {
    const bytes = Buffer.from([161, 9, 0x09, 0x04, 4, 0x00, 0xff, 0x10, 0x20, 0, 3, 0x61, 0x62, 0x63]);
    expect(parseEasQuery(bytes.toString('base64'))).toMatchObject({
      deviceId: '00FF1020',
      protocolVersion: '16.1',
      cmd: 'FolderSync',
    });
  });

  it.each([
    ['', /missing query parameter Cmd/],
    ['Cmd=Sync&DeviceType=x', /DeviceId/],
    ['Cmd=Sync&DeviceId=x', /DeviceType/],
    [`Cmd=Sync&DeviceId=${'x'.repeat(65)}&DeviceType=y`, /invalid value of query parameter DeviceId/],
    ['Cmd=Sync&DeviceId=a%00b&DeviceType=y', /invalid value of query parameter DeviceId/],
    ['Cmd=Sync&DeviceId=a,b&DeviceType=y', /invalid value of query parameter DeviceId/],
    ['Cmd=Sync&DeviceId=x&DeviceType=%1B%5B31m', /invalid value of query parameter DeviceType/],
    ['Cmd=Sy%0Anc&DeviceId=x&DeviceType=y', /invalid value of query parameter Cmd/],
    ['Cmd=Sync&User=al%07ice&DeviceId=x&DeviceType=y', /invalid value of query parameter User/],
    ['Cmd=GetAttachment&DeviceId=x&DeviceType=y&AttachmentName=1%3A2%00', /AttachmentName/],
    [`Cmd=Sync&DeviceId=x&DeviceType=y&CollectionId=${'1'.repeat(65)}`, /CollectionId/],
    ['Cmd=Sync&DeviceId=x&DeviceType=y&ItemId=%EF%BF%BF', /ItemId/],
    ['Cmd=Syn&DeviceId=x&DeviceType=y', /no ActiveSync command/],
    ['%', /malformed percent-encoding/],
    ['%E0%A4%A', /malformed percent-encoding/],
    ['!!!!', /neither plain nor base64/],
    [Buffer.from([140, 0, 9, 4, 1, 0x41, 0, 2, 0x42, 0x07]).toString('base64'), /DeviceType/],
    [Buffer.from([140, 0, 9, 4, 1, 0x41, 0, 1, 0x42, 1, 2, 0x31, 0x00]).toString('base64'), /CollectionId/],
    [Buffer.from([99, 0, 9, 4, 0, 0, 0]).toString('base64'), /version byte 99/],
    [Buffer.from([140, 77, 9, 4, 0, 0, 0]).toString('base64'), /command code 77/],
    [Buffer.from([140, 0, 9]).toString('base64'), /locale/],
    [Buffer.from([140, 0, 9, 4, 1, 0x41, 3, 1, 2, 3, 1, 0x42]).toString('base64'), /policy key length 3/],
    [Buffer.from([140, 0, 9, 4, 1, 0x41, 0, 1, 0x42, 99, 0]).toString('base64'), /parameter tag 99/],
  ])('rejects %s', (query, message) => {
    expect(() => parseEasQuery(query)).toThrow(QueryError);
    expect(() => parseEasQuery(query)).toThrow(message);
  });
});
