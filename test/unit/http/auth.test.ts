import { describe, expect, it } from 'vitest';
import { BackendError, type Credentials } from '../../../src/backends/types.js';
import { Authenticator } from '../../../src/http/auth.js';
import type { LoginFormat } from '../../../src/http/identity.js';
import { DEFAULT_LOGIN_LIMITS } from '../../../src/http/login-limiter.js';

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function authenticator(
  overrides: {
    verify?: (c: Credentials) => Promise<void>;
    loginFormat?: LoginFormat;
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
    loginLimits: DEFAULT_LOGIN_LIMITS,
    now: overrides.now,
  });
  return { auth, calls };
}

describe('Authenticator', () => {
  it('accepts every user-name form, maps the login by configuration and passes the address on', async () => {
    const { auth, calls } = authenticator();
    const p = await auth.authenticate(basic('EXAMPLE\\alice', 'password'), '203.0.113.7');
    expect(p).toMatchObject({
      id: 'alice@example.test',
      email: 'alice@example.test',
      displayName: 'Alice Example',
      aliases: ['a@example.test'],
      credentials: { user: 'alice', password: 'password' },
    });
    expect(calls[0]).toEqual({ user: 'alice', password: 'password', clientAddress: '203.0.113.7' });
    // The credentials that serve the user's requests carry no address of one device.
    expect(p.credentials).not.toHaveProperty('clientAddress');
    const email = authenticator({ loginFormat: 'email' });
    await email.auth.authenticate(basic('alice', 'password'), '127.0.0.1');
    expect(email.calls[0]!.user).toBe('alice@example.test');
  });

  it('refuses a login in another domain without asking the mail server', async () => {
    const { auth, calls } = authenticator();
    await expect(auth.authenticate(basic('alice@anything.test', 'password'), 'a')).rejects.toMatchObject({
      reason: 'rejected',
    });
    expect(calls).toEqual([]);
  });

  it('remembers a success briefly, and only for the same password', async () => {
    let t = 0;
    const { auth, calls } = authenticator({ now: () => t });
    await auth.authenticate(basic('alice', 'password'), 'a');
    await auth.authenticate(basic('Alice', 'password'), 'a');
    expect(calls).toHaveLength(1);
    await expect(auth.authenticate(basic('alice', 'wrong'), 'a')).rejects.toMatchObject({
      reason: 'rejected',
    });
    t = 61_000;
    await auth.authenticate(basic('alice', 'password'), 'a');
    expect(calls).toHaveLength(3);
  });

  it('keeps no password: the cache holds HMACs under a key of its own', async () => {
    const { auth } = authenticator();
    await auth.authenticate(basic('alice', 'password'), 'a');
    const held = JSON.stringify([...(auth as unknown as { okCache: Map<string, number> }).okCache.keys()]);
    expect(held).not.toContain('password');
    const other = authenticator();
    await other.auth.authenticate(basic('alice', 'password'), 'a');
    expect(
      JSON.stringify([...(other.auth as unknown as { okCache: Map<string, number> }).okCache.keys()]),
    ).not.toBe(held);
  });

  it('shares one LOGIN between concurrent requests with the same credentials', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const { auth, calls } = authenticator({ verify: () => gate });
    const all = Promise.all([1, 2, 3, 4, 5].map(() => auth.authenticate(basic('alice', 'password'), 'a')));
    open();
    expect(await all).toHaveLength(5);
    expect(calls).toHaveLength(1);
  });

  it('stops guesses from one address before the mail server, and still lets the user in elsewhere', async () => {
    const { auth, calls } = authenticator();
    const reasons: string[] = [];
    for (let i = 0; i < 15; i++) {
      const e = await auth
        .authenticate(basic('alice', `guess${i}`), '198.51.100.66')
        .catch((x: unknown) => x);
      reasons.push((e as { reason: string }).reason);
    }
    expect(reasons.filter((r) => r === 'rejected')).toHaveLength(DEFAULT_LOGIN_LIMITS.failuresPerAddress);
    expect(reasons.slice(DEFAULT_LOGIN_LIMITS.failuresPerAddress)).toEqual(
      Array(15 - DEFAULT_LOGIN_LIMITS.failuresPerAddress).fill('limited'),
    );
    expect(calls).toHaveLength(DEFAULT_LOGIN_LIMITS.failuresPerAddress);
    const limited = await auth
      .authenticate(basic('alice', 'password'), '198.51.100.66')
      .catch((x: unknown) => x);
    expect(limited).toMatchObject({ reason: 'limited' });
    expect((limited as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect((await auth.authenticate(basic('alice', 'password'), '192.0.2.1')).id).toBe('alice@example.test');
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
      retryAfterSeconds: 30,
    });
    await expect(auth.authenticate(basic('', 'x'), 'a')).rejects.toMatchObject({ reason: 'rejected' });
  });
});
