/**
 * Bounds password guessing before a guess reaches the mail server. Checked before every IMAP
 * LOGIN (a cached login costs nothing and is not limited): attempts in flight and failed attempts
 * within a sliding window, both per client address and per account.
 *
 * No global lockout: the account's failure limit is waived for an address from which that
 * account has logged in before, so a user keeps working from their usual networks while someone
 * elsewhere guesses the password; one hammering address hits its own address limit long before
 * the account limit, so the user can still log in from a new address too.
 */
export interface LoginLimits {
  windowSeconds: number;
  failuresPerAddress: number;
  failuresPerAccount: number;
  inFlightPerAddress: number;
  inFlightPerAccount: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  windowSeconds: 900,
  failuresPerAddress: 10,
  failuresPerAccount: 30,
  inFlightPerAddress: 8,
  inFlightPerAccount: 3,
};

export interface LoginPermit {
  /** The mail server refused the password: counts against the address and the account. */
  failed(): void;
  /** The login worked: the address becomes one of the account's known addresses. */
  succeeded(): void;
  /** No verdict (the mail server did not answer): counts against no one. */
  released(): void;
}

export type Admission =
  | { ok: true; permit: LoginPermit }
  | { ok: false; retryAfterSeconds: number; reason: string };

// Bounds on what an attacker's distinct names and addresses can make this remember.
const MAX_KEYS = 100_000;
const KNOWN_ADDRESS_DAYS = 30;
// How long a refusal for attempts in flight asks the client to wait.
const IN_FLIGHT_RETRY_SECONDS = 2;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly knownAddresses = new Map<string, number>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `account` may try a password from `address` now; release the permit when done. */
  admit(account: string, address: string): Admission {
    const now = this.now();
    const byAddress = `a\0${address}`;
    const byAccount = `u\0${account}`;
    const known = this.isKnown(account, address, now);
    const refusal =
      this.overInFlight(byAddress, this.limits.inFlightPerAddress, `attempts in flight from ${address}`) ??
      (known
        ? undefined
        : this.overInFlight(
            byAccount,
            this.limits.inFlightPerAccount,
            `attempts in flight for ${account}`,
          )) ??
      this.overFailures(byAddress, this.limits.failuresPerAddress, now, `failed logins from ${address}`) ??
      (known
        ? undefined
        : this.overFailures(byAccount, this.limits.failuresPerAccount, now, `failed logins for ${account}`));
    if (refusal !== undefined) return { ok: false, ...refusal };

    this.bump(byAddress, 1);
    this.bump(byAccount, 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.bump(byAddress, -1);
      this.bump(byAccount, -1);
    };
    return {
      ok: true,
      permit: {
        failed: () => {
          release();
          this.addFailure(byAddress);
          this.addFailure(byAccount);
        },
        succeeded: () => {
          release();
          this.remember(this.knownAddresses, `${account}\0${address}`, this.now());
        },
        released: release,
      },
    };
  }

  private isKnown(account: string, address: string, now: number): boolean {
    const at = this.knownAddresses.get(`${account}\0${address}`);
    return at !== undefined && now - at < KNOWN_ADDRESS_DAYS * 86_400_000;
  }

  private overInFlight(
    key: string,
    max: number,
    what: string,
  ): { retryAfterSeconds: number; reason: string } | undefined {
    return (this.inFlight.get(key) ?? 0) >= max
      ? { retryAfterSeconds: IN_FLIGHT_RETRY_SECONDS, reason: `${max} ${what}` }
      : undefined;
  }

  private overFailures(
    key: string,
    max: number,
    now: number,
    what: string,
  ): { retryAfterSeconds: number; reason: string } | undefined {
    const recent = this.recentFailures(key, now);
    // Attempts in flight count as failures until they are known not to be: otherwise a burst
    // admitted at `max - 1` failures would overshoot the limit by the burst's size.
    if (recent.length + (this.inFlight.get(key) ?? 0) < max) return undefined;
    if (recent.length < max) return { retryAfterSeconds: IN_FLIGHT_RETRY_SECONDS, reason: `${max} ${what}` };
    // The oldest failure that still counts leaves the window first.
    const freeAt = recent[recent.length - max]! + this.limits.windowSeconds * 1000;
    return { retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)), reason: `${max} ${what}` };
  }

  private recentFailures(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const windowMs = this.limits.windowSeconds * 1000;
    const recent = times.filter((t) => now - t < windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else if (recent.length !== times.length) this.failures.set(key, recent);
    return recent;
  }

  private addFailure(key: string): void {
    const now = this.now();
    // Only the last `max` failures matter; keep no more than the larger limit per key.
    const keep = Math.max(this.limits.failuresPerAddress, this.limits.failuresPerAccount);
    const times = [...this.recentFailures(key, now), now].slice(-keep);
    this.failures.delete(key);
    this.remember(this.failures, key, times);
  }

  private bump(key: string, delta: 1 | -1): void {
    const n = (this.inFlight.get(key) ?? 0) + delta;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }

  /** Sets a key as the newest entry, forgetting the oldest beyond MAX_KEYS. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_KEYS) map.delete(map.keys().next().value!);
  }
}
