import { describe, expect, it } from 'vitest';
import { LoginLimiter, type Admission, type LoginLimits } from '../../../src/http/login-limiter.js';

const LIMITS: LoginLimits = {
  windowSeconds: 60,
  failuresPerAddress: 3,
  failuresPerAccount: 5,
  inFlightPerAddress: 2,
  inFlightPerAccount: 2,
};

function makeLimiter() {
  const clock = { t: 1_000_000 };
  return { limiter: new LoginLimiter(LIMITS, () => clock.t), clock };
}

function permitOf(a: Admission) {
  if (!a.ok) throw new Error(`refused: ${a.reason}`);
  return a.permit;
}

describe('LoginLimiter', () => {
  it('limits failures per address within a sliding window, with Retry-After to the first free slot', () => {
    const { limiter, clock } = makeLimiter();
    for (let i = 0; i < 3; i++) {
      permitOf(limiter.admit(`u${i}`, '198.51.100.1')).failed();
      clock.t += 10_000;
    }
    const refused = limiter.admit('u9', '198.51.100.1');
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: 30 });
    expect(limiter.admit('u9', '198.51.100.2').ok).toBe(true);
    clock.t += 30_000;
    expect(limiter.admit('u9', '198.51.100.1').ok).toBe(true);
  });

  it('does not count successes, nor checks the mail server could not answer', () => {
    const { limiter } = makeLimiter();
    for (let i = 0; i < 10; i++) permitOf(limiter.admit('alice', '198.51.100.1')).succeeded();
    for (let i = 0; i < 10; i++) permitOf(limiter.admit('alice', '198.51.100.1')).released();
    expect(limiter.admit('alice', '198.51.100.1').ok).toBe(true);
  });

  it('limits attempts in flight per address and per account', () => {
    const { limiter } = makeLimiter();
    const a = permitOf(limiter.admit('alice', '198.51.100.1'));
    permitOf(limiter.admit('bob', '198.51.100.1'));
    expect(limiter.admit('carol', '198.51.100.1')).toMatchObject({ ok: false, retryAfterSeconds: 2 });
    permitOf(limiter.admit('alice', '198.51.100.2'));
    expect(limiter.admit('alice', '198.51.100.3')).toMatchObject({ ok: false });
    a.failed();
    expect(limiter.admit('alice', '198.51.100.3').ok).toBe(true);
  });

  it('limits failures per account across addresses, except from addresses the account used before', () => {
    const { limiter } = makeLimiter();
    permitOf(limiter.admit('alice', '192.0.2.1')).succeeded();
    for (let i = 0; i < 5; i++) permitOf(limiter.admit('alice', `198.51.100.${i}`)).failed();
    expect(limiter.admit('alice', '198.51.100.99')).toMatchObject({ ok: false });
    // The real user's own network still gets through; other accounts are untouched.
    expect(limiter.admit('alice', '192.0.2.1').ok).toBe(true);
    expect(limiter.admit('bob', '198.51.100.99').ok).toBe(true);
  });

  it('counts attempts in flight against the failure limit, so a burst cannot overshoot it', () => {
    const { limiter } = makeLimiter();
    permitOf(limiter.admit('alice', '198.51.100.1')).failed();
    permitOf(limiter.admit('bob', '198.51.100.1')).failed();
    const last = permitOf(limiter.admit('carol', '198.51.100.1'));
    expect(limiter.admit('dave', '198.51.100.1')).toMatchObject({ ok: false, retryAfterSeconds: 2 });
    last.succeeded();
    expect(limiter.admit('dave', '198.51.100.1').ok).toBe(true);
  });

  it('releases a permit once, whatever the caller does twice', () => {
    const { limiter } = makeLimiter();
    const p = permitOf(limiter.admit('alice', '198.51.100.1'));
    p.released();
    p.released();
    permitOf(limiter.admit('alice', '198.51.100.1'));
    permitOf(limiter.admit('alice', '198.51.100.1'));
    expect(limiter.admit('alice', '198.51.100.1').ok).toBe(false);
  });
});
