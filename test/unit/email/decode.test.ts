import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeHeaderText, decodeText, decodeTransferEncoding } from '../../../src/model/email/index.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const wrap76 = (s: string): string => s.replace(/.{76}/g, '$&\r\n');

describe('decodeTransferEncoding', () => {
  it('decodes base64 with line breaks and tolerates a cut quantum (partial fetch)', () => {
    const full = wrap76(
      Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(4)).toString('base64'),
    );
    expect(str(decodeTransferEncoding(latin1(full), 'base64'))).toBe(
      'The quick brown fox jumps over the lazy dog. '.repeat(4),
    );
    const cut = decodeTransferEncoding(latin1(full.slice(0, 43)), 'BASE64');
    expect('The quick brown fox jumps over the lazy dog. '.startsWith(str(cut))).toBe(true);
    expect(cut.length).toBeGreaterThanOrEqual(30);
  });

  it('decodes concatenated padded base64 blocks and skips junk', () => {
    const raw = `${Buffer.from('ab').toString('base64')}\r\n${Buffer.from('cd').toString('base64')}*!`;
    expect(str(decodeTransferEncoding(latin1(raw), 'base64'))).toBe('abcd');
  });

  it('decodes quoted-printable: escapes, soft breaks, transport padding, invalid escapes', () => {
    const raw = 'caf=C3=A9 is=\r\n open  \r\nx=ZZ y=3d';
    expect(str(decodeTransferEncoding(latin1(raw), 'quoted-printable'))).toBe('café is open\r\nx=ZZ y=');
  });

  it('drops a quoted-printable escape cut by a partial fetch', () => {
    expect(str(decodeTransferEncoding(latin1('abc=C'), 'quoted-printable'))).toBe('abc');
    expect(str(decodeTransferEncoding(latin1('abc='), 'quoted-printable'))).toBe('abc');
  });

  it('passes 7bit, 8bit, binary and unknown encodings through', () => {
    for (const enc of ['7bit', '8bit', 'binary', 'x-uuencode', undefined]) {
      expect(str(decodeTransferEncoding(latin1('a=41'), enc))).toBe('a=41');
    }
  });
});

describe('decodeText', () => {
  it('reads ISO-2022-JP', () => {
    expect(decodeText(latin1('\x1b$B%F%9%H\x1b(B'), '7bit', 'ISO-2022-JP')).toBe('テスト');
  });

  it('reads windows-1252 including its C1 punctuation', () => {
    expect(decodeText(latin1('\x93Hi\x94 \x80 5'), '8bit', 'windows-1252')).toBe('\u201cHi\u201d \u20ac 5');
  });

  it('reads ISO-8859-1 quoted-printable', () => {
    expect(decodeText(latin1('Gr=FC=DFe aus K=F6ln'), 'quoted-printable', 'iso-8859-1')).toBe(
      'Grüße aus Köln',
    );
  });

  it('reads base64 UTF-8', () => {
    const raw = Buffer.from(Buffer.from('Ünïcødé ✓ 😀').toString('base64'));
    expect(decodeText(raw, 'base64', 'UTF-8')).toBe('Ünïcødé ✓ 😀');
  });

  it('reads KOI8-R, GB2312 and Shift_JIS', () => {
    expect(decodeText(latin1('\xd0\xd2\xc9\xd7\xc5\xd4'), '8bit', 'koi8-r')).toBe('привет');
    expect(decodeText(latin1('\xc4\xe3\xba\xc3'), '8bit', 'gb2312')).toBe('你好');
    expect(decodeText(latin1('\x83\x65\x83\x58\x83\x67'), '8bit', 'Shift_JIS')).toBe('テスト');
  });

  it('guesses unknown and missing charsets: UTF-8 when valid, else Latin-1', () => {
    expect(decodeText(Buffer.from('café'), '8bit', 'x-no-such-charset')).toBe('café');
    expect(decodeText(latin1('caf\xe9'), '8bit', 'x-no-such-charset')).toBe('café');
    expect(decodeText(latin1('caf\xe9'), undefined, undefined)).toBe('café');
    expect(decodeText(Buffer.from('naïve'), '8bit', 'us-ascii')).toBe('naïve');
  });

  it('keeps UTF-8 cut in the middle of a character by a partial fetch', () => {
    const raw = Buffer.from('héllo wörld');
    expect(decodeText(raw.subarray(0, raw.length - 4), '8bit', undefined)).toBe('héllo w');
  });

  it('refuses UTF-7 (a way to smuggle markup) and never throws', () => {
    expect(decodeText(latin1('+ADw-script+AD4-'), '7bit', 'utf-7')).toBe('+ADw-script+AD4-');
    expect(() => decodeText(latin1('\x00\xff\xfe'), 'base64', 'utf-16')).not.toThrow();
  });

  it('removes NUL and control characters but keeps line breaks and tabs', () => {
    expect(decodeText(latin1('a\x00b\x07c\td\r\ne'), '8bit', 'utf-8')).toBe('abc\td\r\ne');
  });

  it('drops a byte-order mark', () => {
    expect(decodeText(Buffer.from('\ufeffhello'), '8bit', 'utf-8')).toBe('hello');
  });
});

describe('decodeHeaderText', () => {
  it('decodes RFC 2047 words in B and Q encodings and several charsets', () => {
    expect(decodeHeaderText('=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=')).toBe('テスト');
    expect(decodeHeaderText('=?utf-8?Q?caf=C3=A9?= =?iso-8859-1?q?_cr=E8me?=')).toBe('café crème');
  });

  it('reads raw 8-bit UTF-8 header bytes (RFC 6532) the backend gave as Latin-1', () => {
    expect(decodeHeaderText(Buffer.from('Grüße').toString('latin1'))).toBe('Grüße');
  });

  it('turns control characters into spaces', () => {
    expect(decodeHeaderText('a\tb\x00c')).toBe('a bc');
  });
});
