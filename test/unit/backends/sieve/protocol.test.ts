import { describe, expect, it } from 'vitest';
import {
  encodeCommand,
  parseLine,
  resultOf,
  SieveProtocolError,
  valuesOf,
  type SieveLine,
} from '../../../../src/backends/sieve/protocol.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

function lines(text: string): SieveLine[] {
  const buf = b(text);
  const out: SieveLine[] = [];
  let start = 0;
  for (;;) {
    const parsed = parseLine(buf, start);
    if (!parsed) return out;
    out.push(parsed.line);
    start = parsed.end;
  }
}

describe('parseLine', () => {
  it('reads capability lines, atoms and response codes', () => {
    expect(lines('"SIEVE" "fileinto vacation"\r\n"STARTTLS"\r\nOK (SASL "abc") "Logged in."\r\n')).toEqual([
      [
        { type: 'string', value: 'SIEVE' },
        { type: 'string', value: 'fileinto vacation' },
      ],
      [{ type: 'string', value: 'STARTTLS' }],
      [
        { type: 'atom', value: 'OK' },
        {
          type: 'list',
          items: [
            { type: 'atom', value: 'SASL' },
            { type: 'string', value: 'abc' },
          ],
        },
        { type: 'string', value: 'Logged in.' },
      ],
    ]);
  });

  it('reads literals by octets, escapes in quoted strings, and UTF-8', () => {
    const script = 'require "x";\r\n# Büro €\r\n';
    const text = `{${Buffer.byteLength(script)}}\r\n${script}\r\nOK "a \\"b\\" \\\\ ü"\r\n`;
    const [data, ok] = lines(text);
    expect(data).toEqual([{ type: 'string', value: script }]);
    expect(valuesOf(ok ?? [])).toEqual(['OK', 'a "b" \\ ü']);
  });

  it('waits for more bytes anywhere in a line', () => {
    const full = b('NO (QUOTA/MAXSIZE) {5}\r\nab\r\nc\r\n');
    for (let cut = 0; cut < full.length; cut += 1) {
      expect(parseLine(full.subarray(0, cut))).toBeUndefined();
    }
    expect(parseLine(full)).toEqual({
      line: [
        { type: 'atom', value: 'NO' },
        { type: 'list', items: [{ type: 'atom', value: 'QUOTA/MAXSIZE' }] },
        { type: 'string', value: 'ab\r\nc' },
      ],
      end: full.length,
    });
  });

  it.each([
    ['OK (a\r\n', 'unbalanced parenthesis'],
    ['OK a)\r\n', 'unbalanced parenthesis'],
    ['"a\r\n', 'line break in a quoted string'],
    ['{x}\r\n', 'malformed literal'],
    ['{99999999999}\r\n', 'malformed literal'],
    ['{20000000}\r\n', 'too large'],
  ])('rejects %j', (text, message) => {
    expect(() => parseLine(b(text))).toThrow(SieveProtocolError);
    expect(() => parseLine(b(text))).toThrow(message);
  });
});

describe('resultOf', () => {
  it('reads status, code, code arguments and text', () => {
    expect(resultOf(lines('no (nonexistent) "gone"\r\n')[0] ?? [])).toEqual({
      status: 'NO',
      code: 'NONEXISTENT',
      codeArgs: [],
      text: 'gone',
    });
    expect(resultOf(lines('OK (WARNINGS) {3}\r\nabc\r\n')[0] ?? [])).toMatchObject({
      status: 'OK',
      code: 'WARNINGS',
      text: 'abc',
    });
    expect(resultOf(lines('BYE\r\n')[0] ?? [])).toEqual({
      status: 'BYE',
      code: undefined,
      codeArgs: [],
      text: '',
    });
  });

  it('is undefined for data lines', () => {
    expect(resultOf(lines('"filters" ACTIVE\r\n')[0] ?? [])).toBeUndefined();
    expect(resultOf(lines('OKAY\r\n')[0] ?? [])).toBeUndefined();
  });
});

describe('encodeCommand', () => {
  it('quotes short strings with escapes and sends others as non-synchronizing literals', () => {
    expect(encodeCommand('SETACTIVE', 'a "b" \\').toString()).toBe('SETACTIVE "a \\"b\\" \\\\"\r\n');
    expect(encodeCommand('PUTSCRIPT', 'x', { literal: 'keep;\r\n€' }).toString()).toBe(
      'PUTSCRIPT "x" {10+}\r\nkeep;\r\n€\r\n',
    );
    expect(encodeCommand('GETSCRIPT', 'a\nb').toString()).toBe('GETSCRIPT {3+}\r\na\nb\r\n');
    expect(encodeCommand('GETSCRIPT', 'x'.repeat(1025)).toString()).toMatch(/^GETSCRIPT \{1025\+\}\r\n/);
    expect(encodeCommand('LOGOUT').toString()).toBe('LOGOUT\r\n');
  });

  it('round-trips through the parser', () => {
    const args = ['plain', 'ü "q"', 'multi\r\nline'];
    const [line] = lines(encodeCommand('CMD', ...args).toString());
    expect(valuesOf(line ?? [])).toEqual(['CMD', ...args]);
  });
});
