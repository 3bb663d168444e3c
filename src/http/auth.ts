import { createHash } from 'node:crypto';
import { BackendError, type Credentials } from '../backends/types.js';
import type { Principal } from '../protocol/context.js';

export interface AuthOptions {
  /** Checks the login against the mail server (IMAP LOGIN); throws BackendError. */
  verify(credentials: Credentials, signal?: AbortSignal): Promise<void>;
  mailDomain: string;
  loginFormat: 'local' | 'email' | 'as-given';
  users: Readonly<Record<string, { displayName?: string; aliases?: string[] }>>;
  cacheSeconds: number;
  now?: () => number;
}

export type AuthFailure = 'missing' | 'rejected' | 'unavailable';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly reason: AuthFailure,
    message: string,
    /** Seconds the client should wait, for 'unavailable' and for slowed-down failures. */
    readonly delaySeconds = 0,
  ) {
    super(message);
  }
}

/** A typed user name in any of its forms: `alice`, `alice@example.test`, `EXAMPLE\alice`. */
export function normaliseUser(
  typed: string,
  mailDomain: string,
): { local: string; domain: string; id: string } {
  const withoutNetbios = typed.includes('\\') ? typed.slice(typed.lastIndexOf('\\') + 1) : typed;
  const at = withoutNetbios.lastIndexOf('@');
  const local = (at === -1 ? withoutNetbios : withoutNetbios.slice(0, at)).trim().toLowerCase();
  const domain = (at === -1 ? mailDomain : withoutNetbios.slice(at + 1)).trim().toLowerCase();
  return { local, domain, id: `${local}@${domain}` };
}

const FAILURE_WINDOW_MS = 15 * 60 * 1000;
const FREE_FAILURES = 3;
const MAX_DELAY_SECONDS = 10;

/**
 * HTTP Basic checked by an IMAP LOGIN. A success is remembered for a short time, in memory only
 * and as a hash, so a burst of requests does not open one IMAP connection each. Failures from one
 * address are slowed down, doubling after the third, to blunt password guessing.
 */
export class Authenticator {
  private readonly okCache = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; last: number }>();
  private readonly now: () => number;

  constructor(private readonly options: AuthOptions) {
    this.now = options.now ?? Date.now;
  }

  async authenticate(
    authorization: string | undefined,
    clientAddress: string,
    signal?: AbortSignal,
  ): Promise<Principal> {
    const parsed = parseBasic(authorization);
    if (parsed === undefined) throw new AuthError('missing', 'no Basic credentials');
    const user = normaliseUser(parsed.user, this.options.mailDomain);
    if (user.local === '' || parsed.password === '')
      throw new AuthError('rejected', 'empty user name or password');
    const login =
      this.options.loginFormat === 'local'
        ? user.local
        : this.options.loginFormat === 'email'
          ? user.id
          : parsed.user.slice(parsed.user.lastIndexOf('\\') + 1);
    const credentials: Credentials = { user: login, password: parsed.password };
    const cacheKey = createHash('sha256').update(`${login}\0${parsed.password}`).digest('base64');
    const now = this.now();
    const cachedUntil = this.okCache.get(cacheKey);
    if (cachedUntil === undefined || cachedUntil < now) {
      try {
        await this.options.verify(credentials, signal);
      } catch (e) {
        if (e instanceof BackendError && e.kind === 'auth') {
          throw new AuthError(
            'rejected',
            'the mail server rejected the login',
            this.recordFailure(clientAddress, now),
          );
        }
        if (e instanceof BackendError)
          throw new AuthError('unavailable', `mail server unavailable: ${e.message}`, 30);
        throw e;
      }
      this.failures.delete(clientAddress);
      if (this.options.cacheSeconds > 0) {
        if (this.okCache.size > 10_000) this.okCache.clear();
        this.okCache.set(cacheKey, now + this.options.cacheSeconds * 1000);
      }
    }
    const info = this.options.users[user.id] ?? {};
    return {
      id: user.id,
      email: user.id,
      displayName: info.displayName ?? user.local,
      aliases: info.aliases ?? [],
      credentials,
    };
  }

  /** Seconds to hold back the answer to this failure. */
  private recordFailure(address: string, now: number): number {
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (now - v.last > FAILURE_WINDOW_MS) this.failures.delete(k);
    }
    const prev = this.failures.get(address);
    const count = prev !== undefined && now - prev.last < FAILURE_WINDOW_MS ? prev.count + 1 : 1;
    this.failures.set(address, { count, last: now });
    return count <= FREE_FAILURES ? 0 : Math.min(2 ** (count - FREE_FAILURES - 1), MAX_DELAY_SECONDS);
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
