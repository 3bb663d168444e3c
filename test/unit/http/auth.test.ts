import { describe, expect, it } from 'vitest';
import { BackendError, type Credentials } from '../../../src/backends/types.js';
import type { AuthError } from '../../../src/http/auth.js';
import { Authenticator, normaliseUser } from '../../../src/http/auth.js';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function authenticator(
  overrides: {
    verify?: (c: Credentials) => Promise<void>;
    loginFormat?: 'local' | 'email' | 'as-given';
    now?: () => number;
  } = {},
) {
  const calls: Credentials[] = [];
  const auth = new Authenticator({
    verify: async (c) => {
      calls.push(c);
      if (overrides.verify) return overrides.verify(c);
      if (c.password !== 'password') throw new BackendError('auth', 'LOGIN failed');
    },
    mailDomain: 'example.test',
    loginFormat: overrides.loginFormat ?? 'local',
    users: { 'alice@example.test': { displayName: 'Alice Example', aliases: ['a@example.test'] } },
    cacheSeconds: 60,
    now: overrides.now,
  });
  return { auth, calls };
}

describe('user names', () => {
  it.each([
    ['alice', 'alice@example.test'],
    ['Alice@Example.TEST', 'alice@example.test'],
    ['EXAMPLE\\alice', 'alice@example.test'],
    ['bob@other.test', 'bob@other.test'],
  ])('%s is %s', (typed, id) => {
    expect(normaliseUser(typed, 'example.test').id).toBe(id);
  });
});

describe('Authenticator', () => {
  it('accepts every user-name form and maps the login by configuration', async () => {
    const { auth, calls } = authenticator();
    const p = await auth.authenticate(basic('EXAMPLE\\alice', 'password'), '127.0.0.1');
    expect(p).toMatchObject({
      id: 'alice@example.test',
      displayName: 'Alice Example',
      aliases: ['a@example.test'],
    });
    expect(calls[0]).toEqual({ user: 'alice', password: 'password' });
    const email = authenticator({ loginFormat: 'email' });
    await email.auth.authenticate(basic('alice', 'password'), '127.0.0.1');
    expect(email.calls[0]!.user).toBe('alice@example.test');
  });

  it('remembers a success briefly, and only for the same password', async () => {
    let t = 0;
    const { auth, calls } = authenticator({ now: () => t });
    await auth.authenticate(basic('alice', 'password'), 'a');
    await auth.authenticate(basic('alice', 'password'), 'a');
    expect(calls).toHaveLength(1);
    await expect(auth.authenticate(basic('alice', 'wrong'), 'a')).rejects.toMatchObject({
      reason: 'rejected',
    });
    t = 61_000;
    await auth.authenticate(basic('alice', 'password'), 'a');
    expect(calls).toHaveLength(3);
  });

  it('slows down repeated failures from one address', async () => {
    const { auth } = authenticator();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const e = await auth.authenticate(basic('alice', 'wrong'), '10.0.0.9').catch((x: unknown) => x);
      delays.push((e as AuthError).delaySeconds);
    }
    expect(delays).toEqual([0, 0, 0, 1, 2, 4]);
    const other = await auth.authenticate(basic('alice', 'wrong'), '10.0.0.10').catch((x: unknown) => x);
    expect((other as AuthError).delaySeconds).toBe(0);
  });

  it('tells a missing header, a rejected login and an unreachable server apart', async () => {
    const { auth } = authenticator({
      verify: async () => {
        throw new BackendError('temporary', 'connection refused');
      },
    });
    await expect(auth.authenticate(undefined, 'a')).rejects.toMatchObject({ reason: 'missing' });
    await expect(auth.authenticate('Bearer x', 'a')).rejects.toMatchObject({ reason: 'missing' });
    await expect(auth.authenticate(basic('alice', 'password'), 'a')).rejects.toMatchObject({
      reason: 'unavailable',
      delaySeconds: 30,
    });
    await expect(auth.authenticate(basic('', 'x'), 'a')).rejects.toMatchObject({ reason: 'rejected' });
  });
});
