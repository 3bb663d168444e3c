import { createHmac, randomBytes } from 'node:crypto';
import { BackendError, type Credentials } from '../backends/types.js';
import type { Principal } from '../protocol/context.js';
import { IdentityError, resolveIdentity, type IdentityOptions } from './identity.js';
import { LoginLimiter, type LoginLimits } from './login-limiter.js';

export interface AuthOptions extends IdentityOptions {
  /**
   * Checks the login against the mail server (IMAP LOGIN); throws BackendError. `clientAddress`
   * is the device's address, for the server's own logs and penalties (IMAP ID x-originating-ip).
   */
  verify(credentials: Credentials, signal?: AbortSignal): Promise<void>;
  users: Readonly<Record<string, { displayName?: string; aliases?: string[] }>>;
  cacheSeconds: number;
  loginLimits: LoginLimits;
  now?: () => number;
}

/** missing: no Basic credentials; limited: too many attempts, try later (not a wrong password). */
export type AuthFailure = 'missing' | 'rejected' | 'limited' | 'unavailable';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly reason: AuthFailure,
    message: string,
    /** Seconds the client should wait, for 'limited' and 'unavailable'. */
    readonly retryAfterSeconds = 0,
  ) {
    super(message);
  }
}

const MAX_CACHED_LOGINS = 10_000;

/**
 * HTTP Basic checked by an IMAP LOGIN. A success is remembered for a short time, in memory only,
 * under an HMAC with a key made at start-up (no password, nor anything that can be tested
 * offline against a guess, is kept), so a burst of requests does not open one IMAP connection
 * each; concurrent requests with the same credentials share one LOGIN. Every LOGIN passes the
 * LoginLimiter first.
 */
export class Authenticator {
  private readonly okCache = new Map<string, number>();
  private readonly checking = new Map<string, Promise<void>>();
  private readonly cacheKey = randomBytes(32);
  private readonly limiter: LoginLimiter;
  private readonly now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.now = options.now ?? Date.now;
    this.limiter = new LoginLimiter(options.loginLimits, this.now);
  }

  async authenticate(authorization: string | undefined, clientAddress: string): Promise<Principal> {
    const parsed = parseBasic(authorization);
    if (parsed === undefined) throw new AuthError('missing', 'no Basic credentials');
    let identity;
    try {
      identity = resolveIdentity(parsed.user, this.options);
    } catch (e) {
      if (!(e instanceof IdentityError)) throw e;
      throw new AuthError('rejected', e.message);
    }
    if (parsed.password === '') throw new AuthError('rejected', 'empty password');
    const credentials: Credentials = { user: identity.login, password: parsed.password };
    const key = createHmac('sha256', this.cacheKey)
      .update(`${identity.login}\0${parsed.password}`)
      .digest('base64');
    const cachedUntil = this.okCache.get(key);
    if (cachedUntil === undefined || cachedUntil < this.now()) {
      let check = this.checking.get(key);
      if (check === undefined) {
        check = this.check(identity.id, credentials, clientAddress, key).finally(() =>
          this.checking.delete(key),
        );
        this.checking.set(key, check);
      }
      await check;
    }
    const info = this.options.users[identity.email] ?? {};
    return {
      id: identity.id,
      email: identity.email,
      displayName: info.displayName ?? identity.email.slice(0, identity.email.lastIndexOf('@')),
      aliases: info.aliases ?? [],
      credentials,
    };
  }

  private async check(
    account: string,
    credentials: Credentials,
    clientAddress: string,
    key: string,
  ): Promise<void> {
    const admission = this.limiter.admit(account, clientAddress);
    if (!admission.ok) throw new AuthError('limited', admission.reason, admission.retryAfterSeconds);
    try {
      await this.options.verify({ ...credentials, clientAddress });
    } catch (e) {
      if (e instanceof BackendError && e.kind === 'auth') {
        admission.permit.failed();
        throw new AuthError('rejected', 'the mail server rejected the login');
      }
      admission.permit.released();
      if (e instanceof BackendError)
        throw new AuthError('unavailable', `mail server unavailable: ${e.message}`, 30);
      throw e;
    }
    admission.permit.succeeded();
    if (this.options.cacheSeconds > 0) {
      if (this.okCache.size >= MAX_CACHED_LOGINS) this.okCache.clear();
      this.okCache.set(key, this.now() + this.options.cacheSeconds * 1000);
    }
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
