import { BackendError } from '../types.js';
import type { DavClient } from './client.js';
import { discoverHomeSets, type HomeSets } from './discovery.js';
import { meansNoAccount } from './errors.js';
import { PROPFIND_DISCOVERY } from './requests.js';

/** The part of a pino logger the presence check writes to; a pino `Logger` fits as it is. */
export interface DavLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DavPresenceOptions {
  /** How long an answer (account or no account) holds before it is asked again. */
  readonly recheckMs: number;
  /** After an outage, how long requests fail at once instead of waiting (default: recheckMs, at most 30 s). */
  readonly outageMs?: number;
  readonly now?: () => number;
  readonly logger?: DavLogger;
}

export const DEFAULT_DAV_RECHECK_MS = 5 * 60_000;
const MAX_OUTAGE_MS = 30_000;

const NO_HOMES: HomeSets = { calendar: [], contacts: [] };

/**
 * Whether one user has an account on the DAV server, and its home sets. Mail hosts often
 * provision DAV separately (or not at all on basic tiers), so a login the mail server accepted
 * may have no principal here: then the user has no calendars and no address books, and mail
 * goes on. The answer is kept for `recheckMs` and asked again, so an account created (or removed)
 * later shows up through the folder hierarchy without a restart. A server that does not answer
 * is not an answer: that failure reaches the caller and nothing is remembered.
 */
export class DavPresence {
  private last: { at: number; homes: Promise<HomeSets> } | undefined;
  private absent: boolean | undefined;
  private downUntil = 0;
  private readonly now: () => number;
  private readonly outageMs: number;

  constructor(
    private readonly client: DavClient,
    private readonly baseUrl: URL,
    private readonly user: string,
    private readonly options: DavPresenceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.outageMs = options.outageMs ?? Math.min(options.recheckMs, MAX_OUTAGE_MS);
  }

  /**
   * Fails at once while the server was found down a moment ago: one that does not answer would
   * otherwise hold each of the user's requests for the whole timeout (30 s, about when Gmail for
   * Android gives up on a request), FolderSync and mail in the same Sync included.
   */
  assertUp(): void {
    if (this.now() < this.downUntil)
      throw new BackendError('temporary', 'the DAV server was unreachable a moment ago; asked again shortly');
  }

  /** The server did not answer, or answered that it cannot now (5xx, 408, 429). */
  noteOutage(): void {
    this.downUntil = this.now() + this.outageMs;
  }

  /** The user's home sets; none when the user has no account. Shared by concurrent callers. */
  homeSets(): Promise<HomeSets> {
    const now = this.now();
    if (this.last === undefined || now - this.last.at >= this.options.recheckMs) {
      const homes = this.check();
      homes.catch(() => {
        if (this.last?.homes === homes) this.last = undefined;
      });
      this.last = { at: now, homes };
    }
    return this.last.homes;
  }

  /** Forget the answer: the server refused a login it accepted before. */
  invalidate(): void {
    this.last = undefined;
  }

  private async check(): Promise<HomeSets> {
    try {
      const found = await discoverHomeSets(this.client, this.baseUrl, this.user);
      // Discovery falls back to <base>/<user>/ when the server names no home; whether that
      // exists is only known by asking it. A home that refuses is left out.
      const answers = found.assumed
        ? await this.answering([...found.calendar, ...found.contacts])
        : undefined;
      const calendar = found.calendar.filter((h) => answers?.has(h.href) ?? true);
      const contacts = found.contacts.filter((h) => answers?.has(h.href) ?? true);
      if (calendar.length + contacts.length === 0) return this.noAccount('no home set answers');
      if (this.absent === true) this.options.logger?.info({ user: this.user }, 'DAV account found');
      this.absent = false;
      return { calendar, contacts };
    } catch (err) {
      if (!meansNoAccount(err)) throw err;
      return this.noAccount(err instanceof Error ? err.message : String(err));
    }
  }

  /** The hrefs of the homes that exist, each asked once. */
  private async answering(homes: readonly URL[]): Promise<Set<string>> {
    const unique = [...new Map(homes.map((h) => [h.href, h])).values()];
    const answers = await Promise.all(
      unique.map(async (home) => {
        try {
          await this.client.propfind(home, '0', PROPFIND_DISCOVERY);
          return home.href;
        } catch (err) {
          if (meansNoAccount(err)) return undefined;
          // Anything else but an outage (a server that allows no PROPFIND there) proves nothing.
          if (err instanceof BackendError && err.kind !== 'temporary') return home.href;
          throw err;
        }
      }),
    );
    return new Set(answers.filter((h): h is string => h !== undefined));
  }

  private noAccount(reason: string): HomeSets {
    // Once per check (every recheckMs), not once per request.
    this.options.logger?.warn(
      { user: this.user, reason, recheckSeconds: Math.round(this.options.recheckMs / 1000) },
      'no DAV account for this user: mail only, calendars and contacts are checked again later',
    );
    this.absent = true;
    return NO_HOMES;
  }
}
