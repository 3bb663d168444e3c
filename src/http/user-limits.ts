/**
 * Requests in progress per user on this instance, capped like Exchange's per-user throttling:
 * one user's runaway client (Outlook's tight loops) cannot take the gateway from everyone else.
 */
export class ConcurrentRequestLimit {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts the request in, or returns false when the user is at the limit. */
  enter(user: string): boolean {
    const n = this.inFlight.get(user) ?? 0;
    if (n >= this.max) return false;
    this.inFlight.set(user, n + 1);
    return true;
  }

  leave(user: string): void {
    const n = (this.inFlight.get(user) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(user);
    else this.inFlight.set(user, n);
  }
}
