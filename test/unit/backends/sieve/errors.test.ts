import { describe, expect, it } from 'vitest';
import { resultError, transportError } from '../../../../src/backends/sieve/errors.js';
import type { SieveResult } from '../../../../src/backends/sieve/protocol.js';
import { BackendError } from '../../../../src/backends/types.js';

const result = (status: SieveResult['status'], code?: string, text = 'text'): SieveResult => ({
  status,
  code,
  codeArgs: [],
  text,
});

describe('resultError', () => {
  it.each([
    [result('NO', 'NONEXISTENT'), 'GETSCRIPT', 'not-found'],
    [result('NO', 'ALREADYEXISTS'), 'RENAMESCRIPT', 'exists'],
    [result('NO', 'ACTIVE'), 'DELETESCRIPT', 'conflict'],
    [result('NO', 'QUOTA/MAXSIZE'), 'PUTSCRIPT', 'quota'],
    [result('NO', 'QUOTA'), 'PUTSCRIPT', 'quota'],
    [result('NO', 'TRYLATER'), 'AUTHENTICATE', 'temporary'],
    [result('NO'), 'AUTHENTICATE', 'auth'],
    [result('NO', 'ENCRYPT-NEEDED'), 'AUTHENTICATE', 'permanent'],
    [result('NO'), 'PUTSCRIPT', 'permanent'],
    [result('BYE'), 'LISTSCRIPTS', 'temporary'],
  ] as const)('%o on %s → %s', (r, command, kind) => {
    expect(resultError(r, command).kind).toBe(kind);
  });

  it('keeps the code and the server text in the message', () => {
    expect(resultError(result('NO', 'NONEXISTENT', ' gone '), 'GETSCRIPT').message).toBe(
      'ManageSieve GETSCRIPT NO (NONEXISTENT): gone',
    );
  });
});

describe('transportError', () => {
  it("is 'temporary' and passes BackendErrors through", () => {
    expect(transportError(new Error('connect ECONNREFUSED'), 'h:1')).toMatchObject({
      kind: 'temporary',
      message: 'ManageSieve h:1: connect ECONNREFUSED',
    });
    const original = new BackendError('auth', 'x');
    expect(transportError(original, 'y')).toBe(original);
  });
});
