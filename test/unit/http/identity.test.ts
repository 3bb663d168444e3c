import { describe, expect, it } from 'vitest';
import { IdentityError, resolveIdentity, type LoginFormat } from '../../../src/http/identity.js';

const of = (typed: string, loginFormat: LoginFormat) =>
  resolveIdentity(typed, { mailDomain: 'Example.TEST', loginFormat });

describe('one identity: the login and the state key from one function', () => {
  it.each<[LoginFormat, string, string, string]>([
    // format, typed, login, state key
    ['local', 'alice', 'alice', 'alice@example.test'],
    ['local', 'Alice@Example.TEST', 'alice', 'alice@example.test'],
    ['local', 'EXAMPLE\\ALICE', 'alice', 'alice@example.test'],
    ['local', ' alice ', 'alice', 'alice@example.test'],
    ['email', 'alice', 'alice@example.test', 'alice@example.test'],
    ['email', 'ALICE@example.test', 'alice@example.test', 'alice@example.test'],
    ['email', 'WHATEVER\\Alice', 'alice@example.test', 'alice@example.test'],
    ['as-given', 'alice', 'alice', 'alice'],
    ['as-given', 'Alice', 'Alice', 'Alice'],
    ['as-given', 'Alice@Other.test', 'Alice@Other.test', 'Alice@Other.test'],
    ['as-given', 'DOM\\alice@example.test', 'alice@example.test', 'alice@example.test'],
    ['as-given-lowercase', 'Alice', 'alice', 'alice'],
    ['as-given-lowercase', 'Alice@Other.TEST', 'alice@other.test', 'alice@other.test'],
  ])('%s: %s logs in as %s, state %s', (format, typed, login, id) => {
    expect(of(typed, format)).toMatchObject({ login, id });
  });

  it.each<LoginFormat>(['local', 'email'])('%s: folds case, so both spellings are one user', (format) => {
    expect(of('ALICE', format).id).toBe(of('alice', format).id);
    expect(of('ALICE', format).login).toBe(of('alice', format).login);
  });

  it('as-given: two spellings that differ in case are two users (a case-sensitive server)', () => {
    expect(of('Alice', 'as-given').id).not.toBe(of('alice', 'as-given').id);
  });

  it('as-given-lowercase: the configured format says case does not matter', () => {
    expect(of('Alice', 'as-given-lowercase').id).toBe(of('alice', 'as-given-lowercase').id);
  });

  it.each<LoginFormat>(['local', 'email'])(
    '%s: refuses another domain (no second state namespace)',
    (format) => {
      expect(() => of('alice@anything', format)).toThrow(IdentityError);
      expect(() => of('alice@example.test.evil', format)).toThrow(IdentityError);
    },
  );

  it.each<LoginFormat>(['local', 'email', 'as-given', 'as-given-lowercase'])(
    '%s: refuses empty names, empty parts and control characters',
    (format) => {
      for (const bad of ['', '  ', 'DOM\\', '@example.test', 'alice@', 'al\0ice', 'al\nice', 'a lice'])
        expect(() => of(bad, format)).toThrow(IdentityError);
    },
  );

  it('gives every format the address in lower case for Autodiscover and Settings', () => {
    expect(of('Alice', 'as-given').email).toBe('alice@example.test');
    expect(of('Alice@Other.test', 'as-given').email).toBe('alice@other.test');
    expect(of('EXAMPLE\\Alice', 'local').email).toBe('alice@example.test');
  });
});
