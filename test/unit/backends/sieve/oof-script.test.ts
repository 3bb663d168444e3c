import { describe, expect, it } from 'vitest';
import {
  OofScriptError,
  readOofScript,
  renderOofScript,
  type OofScriptOptions,
} from '../../../../src/backends/sieve/oof-script.js';
import type { OofSettings } from '../../../../src/model/oof.js';

const options: OofScriptOptions = {
  subject: 'Out of office',
  days: 1,
  addresses: ['alice@example.test', 'a.smith@example.test'],
  internalDomains: ['example.test'],
  includePrevious: true,
};
const internal = { enabled: true, text: 'Inside' };
const external = { enabled: true, text: 'Outside' };

/** The generated code without the two header lines. */
function code(settings: OofSettings, opts: Partial<OofScriptOptions> = {}, previous?: string): string {
  const { script } = renderOofScript(previous === undefined ? { settings } : { settings, previous }, {
    ...options,
    ...opts,
  });
  return script.split('\r\n').slice(2).join('\n');
}

describe('renderOofScript', () => {
  it('answers insiders and outsiders with their own message', () => {
    expect(code({ state: 'global', internal, externalUnknown: external })).toBe(
      [
        'require ["vacation"];',
        'if address :domain :is "from" ["example.test"] {',
        '  vacation :days 1 :subject "Out of office" :addresses ["alice@example.test", "a.smith@example.test"] "Inside";',
        '} else {',
        '  vacation :days 1 :subject "Out of office" :addresses ["alice@example.test", "a.smith@example.test"] "Outside";',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('limits a time-based reply to its window in UTC and includes the previous script last', () => {
    const settings: OofSettings = {
      state: 'time-based',
      start: new Date('2025-07-01T08:00:00.250Z'),
      end: new Date('2025-07-14T18:00:00Z'),
      externalKnown: external,
    };
    expect(code(settings, { addresses: [] }, 'my "filters"')).toBe(
      [
        'require ["vacation", "date", "relational", "include"];',
        'if allof (currentdate :zone "+0000" :value "ge" "iso8601" "2025-07-01T08:00:00Z", currentdate :zone "+0000" :value "le" "iso8601" "2025-07-14T18:00:00Z") {',
        '  if not address :domain :is "from" ["example.test"] {',
        '    vacation :days 1 :subject "Out of office" "Outside";',
        '  }',
        '}',
        'include :personal :optional "my \\"filters\\"";',
        '',
      ].join('\n'),
    );
  });

  it('uses one date test when only one end of the window is given', () => {
    const start = new Date('2025-07-01T08:00:00Z');
    expect(code({ state: 'time-based', start, internal })).toContain(
      'if currentdate :zone "+0000" :value "ge" "iso8601" "2025-07-01T08:00:00Z" {',
    );
  });

  it('ignores the window of a global reply', () => {
    const start = new Date('2025-07-01T08:00:00Z');
    expect(code({ state: 'global', start, internal })).not.toContain('currentdate');
  });

  it('prefers the unknown-sender message for outsiders and skips disabled messages', () => {
    const known = { enabled: true, text: 'known' };
    expect(code({ state: 'global', externalKnown: known, externalUnknown: external })).toContain('"Outside"');
    expect(
      code({ state: 'global', externalKnown: known, externalUnknown: { ...external, enabled: false } }),
    ).toContain('"known"');
    expect(
      code({ state: 'global', internal: { ...internal, enabled: false }, externalKnown: known }),
    ).toContain('if not address');
  });

  it('sends the external message to everybody without internal domains', () => {
    const script = code({ state: 'global', internal, externalUnknown: external }, { internalDomains: [] });
    expect(script).not.toContain('address :domain');
    expect(script).not.toContain('"Inside"');
    expect(script).toContain('"Outside"');
  });

  it('writes no action when disabled or without an enabled message, but keeps the include', () => {
    expect(code({ state: 'disabled', internal, externalUnknown: external }, {}, 'filters')).toBe(
      ['require ["include"];', 'include :personal :optional "filters";', ''].join('\n'),
    );
    expect(code({ state: 'global' }, { includePrevious: false }, 'filters')).toBe('');
  });

  it('escapes quotes and backslashes and writes line breaks as CRLF', () => {
    const { script } = renderOofScript(
      { settings: { state: 'global', internal: { enabled: true, text: 'a "b"\\\nc' } } },
      options,
    );
    expect(script).toContain('"a \\"b\\"\\\\\r\nc"');
  });

  it('lists the extensions it requires', () => {
    const settings: OofSettings = { state: 'time-based', end: new Date(), internal };
    expect(renderOofScript({ settings, previous: 'x' }, options).extensions).toEqual([
      'vacation',
      'date',
      'relational',
      'include',
    ]);
    expect(renderOofScript({ settings: { state: 'disabled' } }, options).extensions).toEqual([]);
  });
});

describe('readOofScript', () => {
  it('reads back exactly what was written', () => {
    const settings: OofSettings = {
      state: 'time-based',
      start: new Date('2025-07-01T08:00:00.250Z'),
      end: new Date('2025-07-14T18:00:00Z'),
      internal: { enabled: false, text: 'Ünïcödé\r\nline "2" # not a comment' },
      externalKnown: { enabled: true, text: '' },
      externalUnknown: external,
    };
    const { script } = renderOofScript({ settings, previous: 'filters' }, options);
    expect(readOofScript(script)).toEqual({ settings, previous: 'filters' });
    expect(readOofScript(renderOofScript({ settings: { state: 'disabled' } }, options).script)).toEqual({
      settings: { state: 'disabled' },
    });
  });

  it.each([
    ['require ["vacation"];\r\n', 'not written by eas-gateway'],
    ['# eas-gateway-oof: {nope\r\n', 'unreadable settings'],
    ['# eas-gateway-oof: {"v":2,"state":"global"}\r\n', 'unknown settings version 2'],
    ['# eas-gateway-oof: {"v":1,"state":"on"}\r\n', 'unknown state on'],
    ['# eas-gateway-oof: {"v":1,"state":"global","start":"soon"}\r\n', 'start is not a date'],
    [
      '# eas-gateway-oof: {"v":1,"state":"global","internal":{"enabled":1,"text":""}}\r\n',
      'internal is not a message',
    ],
    ['# eas-gateway-oof: {"v":1,"state":"global","previous":3}\r\n', 'previous is not a string'],
  ])('rejects %j', (script, message) => {
    expect(() => readOofScript(script)).toThrow(OofScriptError);
    expect(() => readOofScript(script)).toThrow(message);
  });
});
