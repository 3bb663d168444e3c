import { createHash } from 'node:crypto';
import type { Credentials, UserBackends } from './types.js';

/**
 * One set of backend connections per user, shared by all that user's devices and requests, and
 * closed after a while unused. Keyed by login and a hash of the password, so a changed password
 * never reuses a connection opened with the old one.
 */
export class UserBackendsPool {
  private readonly entries = new Map<string, { backends: UserBackends; lastUsed: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly open: (credentials: Credentials) => UserBackends,
    private readonly idleMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.closeIdle(), Math.min(idleMs, 60_000));
    this.timer.unref();
  }

  get(credentials: Credentials): UserBackends {
    const key = `${credentials.user}\0${createHash('sha256').update(credentials.password).digest('base64')}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { backends: this.open(credentials), lastUsed: this.now() };
      this.entries.set(key, entry);
    }
    entry.lastUsed = this.now();
    return entry.backends;
  }

  async closeIdle(): Promise<void> {
    const cutoff = this.now() - this.idleMs;
    // A user with a waiting Ping keeps its connections however long the heartbeat.
    const idle = [...this.entries].filter(
      ([, e]) => e.lastUsed < cutoff && !e.backends.mailChanges?.watching,
    );
    for (const [key] of idle) this.entries.delete(key);
    await Promise.allSettled(idle.map(([, e]) => e.backends.close()));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.timer);
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map((e) => e.backends.close()));
  }
}
