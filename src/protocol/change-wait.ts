import type { CommandContext } from './context.js';
import type { Collection } from './mail-collection.js';

// Waiting for changes (Ping, Sync with Wait): the user's change feed says which folder may have
// changed, `hasChanges` confirms it against the device's own sync state (so the device's own
// changes, already known to it, wake nothing). Without a feed, folders are re-checked by polling.

export type WaitOutcome =
  | { readonly kind: 'changed'; readonly folderKeys: readonly string[] }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'ended' };

const POLL_WITHOUT_FEED_MS = 10_000;
// CalDAV/CardDAV have no push: their sync tokens are polled (one cheap REPORT per collection).
export const DEFAULT_DAV_POLL_SECONDS = 30;

/** Folders to wait on: mail through the change feed, the others by polling. */
export interface WatchedFolders {
  readonly mail: readonly string[];
  readonly polled: readonly string[];
}

export function watchedFolders(collections: Iterable<{ readonly ref: Collection }>): WatchedFolders {
  const mail: string[] = [];
  const polled: string[] = [];
  for (const { ref } of collections) (ref.store === 'mail' ? mail : polled).push(ref.key);
  return { mail, polled };
}
// Changes come in bursts (a flag and an EXISTS for one delivery): one check for the lot.
const SETTLE_MS = 50;

export async function waitForChanges(
  ctx: CommandContext,
  folders: WatchedFolders,
  ms: number,
  hasChanges: (folderKey: string) => Promise<boolean>,
): Promise<WaitOutcome> {
  const feed = ctx.backends.mailChanges;
  const timers: NodeJS.Timeout[] = [];
  let unwatch: (() => void) | undefined;
  let onAbort: (() => void) | undefined;
  await ctx.markWaiting?.(true);
  ctx.metrics?.waiting(ctx.request.cmd, 1);
  try {
    return await new Promise<WaitOutcome>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: WaitOutcome): void => {
        settled = true;
        resolve(outcome);
      };
      const suspects = new Set<string>();
      let checking: Promise<void> = Promise.resolve();
      const check = (): void => {
        checking = checking.then(async () => {
          const keys = [...suspects];
          suspects.clear();
          const changed: string[] = [];
          for (const k of keys) if (!settled && (await hasChanges(k))) changed.push(k);
          if (changed.length > 0 && !settled) finish({ kind: 'changed', folderKeys: changed });
        });
        checking.catch((err: unknown) => {
          if (!settled) {
            settled = true;
            reject(err);
          }
        });
      };
      const suspect = (key: string): void => {
        if (settled) return;
        const first = suspects.size === 0;
        suspects.add(key);
        if (first) timers.push(setTimeout(check, SETTLE_MS));
      };
      timers.push(setTimeout(() => finish({ kind: 'timeout' }), ms));
      // A newer request from the device, server shutdown or the client leaving: the wait ends
      // with "nothing new" (MS-ASCMD 2.2.1.13 Status 1), which a client still there re-issues.
      onAbort = () => {
        if (!settled) finish({ kind: 'ended' });
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      // An abort while markWaiting was pending (it waits for the device's lock) fired no event.
      if (ctx.signal.aborted) onAbort();
      if (feed !== undefined && folders.mail.length > 0) unwatch = feed.watch(folders.mail, suspect);
      else if (folders.mail.length > 0)
        timers.push(setInterval(() => folders.mail.forEach(suspect), POLL_WITHOUT_FEED_MS));
      if (folders.polled.length > 0) {
        const every = (ctx.settings.davPollSeconds ?? DEFAULT_DAV_POLL_SECONDS) * 1000;
        timers.push(setInterval(() => folders.polled.forEach(suspect), every));
      }
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    unwatch?.();
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
    await ctx.markWaiting?.(false);
    ctx.metrics?.waiting(ctx.request.cmd, -1);
  }
}
