import type { ImapFlow } from 'imapflow';
import type { Credentials, MailChangeFeed } from '../types.js';
import { createImapFlow, type ImapConfig } from './config.js';
import { FolderTree } from './folder-tree.js';
import { listMailboxes } from './list-mailboxes.js';
import { mailboxStateOf } from './messages.js';

// One user's mail change notifications for every waiting Ping and hanging Sync of all the user's
// devices, over one IMAP connection of its own (IDLE blocks the connection it runs on). IDLE
// (RFC 2177) watches one mailbox, INBOX when anyone watches it; the other watched folders are
// compared by STATUS (UIDNEXT, MESSAGES, HIGHESTMODSEQ) every `pollMs`, which interrupts IDLE
// briefly. The connection opens with the first watcher and closes a while after the last.

export interface ChangeFeedOptions {
  /** How often folders other than the IDLE one are checked; default 20 s. */
  readonly pollMs?: number;
  /** How long the connection stays after the last watcher left (Ping loops reconnect at once). */
  readonly lingerMs?: number;
  /** First reconnect delay after the server dropped the connection; doubles up to 60 s. */
  readonly retryMs?: number;
}

interface Watcher {
  readonly keys: ReadonlySet<string>;
  readonly onChange: (folderKey: string) => void;
}

export class ImapChangeFeed implements MailChangeFeed {
  readonly #watchers = new Set<Watcher>();
  #client: ImapFlow | undefined;
  #paths = new Map<string, string>();
  #idlePath: string | undefined;
  #last = new Map<string, string>();
  #pollTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly config: ImapConfig,
    private readonly credentials: Credentials,
    private readonly options: ChangeFeedOptions = {},
  ) {
    this.#retryMs = options.retryMs ?? 1_000;
  }

  get watching(): boolean {
    return this.#watchers.size > 0;
  }

  watch(folderKeys: readonly string[], onChange: (folderKey: string) => void): () => void {
    const watcher: Watcher = { keys: new Set(folderKeys), onChange };
    this.#watchers.add(watcher);
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    // Whatever changed between the watcher's own check and IDLE being in place would otherwise go
    // unnoticed until the next change: once the feed is live, every watched folder is suspect.
    void this.#reconcile().then(() => {
      if (this.#watchers.has(watcher)) for (const k of watcher.keys) onChange(k);
    });
    return () => {
      if (!this.#watchers.delete(watcher)) return;
      if (this.#watchers.size === 0) {
        this.#lingerTimer = setTimeout(() => void this.#shutdown(), this.options.lingerMs ?? 60_000);
        this.#lingerTimer.unref();
      } else {
        void this.#reconcile();
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    await this.#shutdown();
  }

  #watchedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const w of this.#watchers) for (const k of w.keys) keys.add(k);
    return keys;
  }

  #notify(folderKey: string): void {
    for (const w of [...this.#watchers]) if (w.keys.has(folderKey)) w.onChange(folderKey);
  }

  /** Brings the connection in line with what is watched; serialised so runs never overlap. */
  #reconcile(): Promise<void> {
    const run = (this.#running ?? Promise.resolve()).then(() => this.#apply()).catch(() => this.#dropped());
    this.#running = run;
    return run;
  }

  async #apply(): Promise<void> {
    if (this.#closed || this.#watchers.size === 0) return;
    const client = await this.#connect();
    const keys = this.#watchedKeys();
    if ([...keys].some((k) => !this.#paths.has(k))) {
      const tree = new FolderTree(await listMailboxes(client));
      this.#paths = new Map(tree.folders.map((f) => [f.key, f.path]));
    }
    const paths = [...keys].flatMap((k) => {
      const p = this.#paths.get(k);
      return p === undefined ? [] : [p];
    });
    const idlePath = paths.includes('INBOX') ? 'INBOX' : paths[0];
    if (idlePath !== undefined && idlePath !== this.#idlePath) {
      await client.mailboxOpen(idlePath, { readOnly: true });
      this.#idlePath = idlePath;
    }
    for (const p of paths) if (!this.#last.has(p)) this.#last.set(p, await this.#fingerprint(client, p));
    this.#schedulePoll();
    void client.idle().catch(() => undefined);
  }

  async #connect(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    const client = createImapFlow(this.config, this.credentials);
    client.on('error', (err: unknown) => this.config.logger?.warn({ msg: 'IMAP change feed error', err }));
    const onMailbox = (): void => {
      const key = this.#keyOfPath(this.#idlePath);
      if (key !== undefined) this.#notify(key);
    };
    client.on('exists', onMailbox);
    client.on('expunge', onMailbox);
    client.on('flags', onMailbox);
    client.on('close', () => {
      if (this.#client === client) this.#dropped();
    });
    await client.connect();
    this.#client = client;
    this.#retryMs = this.options.retryMs ?? 1_000;
    this.#idlePath = undefined;
    return client;
  }

  /** The connection went away: try again with backoff while anyone still watches. */
  #dropped(): void {
    this.#client = undefined;
    this.#idlePath = undefined;
    clearTimeout(this.#pollTimer);
    if (this.#closed || this.#watchers.size === 0 || this.#retryTimer !== undefined) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, 60_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      // Whatever happened while the connection was down is reported as a possible change.
      for (const k of this.#watchedKeys()) this.#notify(k);
      void this.#reconcile();
    }, delay);
    this.#retryTimer.unref();
  }

  #schedulePoll(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => void this.#poll(), this.options.pollMs ?? 20_000);
    this.#pollTimer.unref();
  }

  async #poll(): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#watchers.size === 0) return;
    const run = (this.#running ?? Promise.resolve()).then(async () => {
      for (const key of this.#watchedKeys()) {
        const path = this.#paths.get(key);
        if (path === undefined || path === this.#idlePath) continue;
        const now = await this.#fingerprint(client, path);
        if (this.#last.get(path) !== now) {
          this.#last.set(path, now);
          this.#notify(key);
        }
      }
      this.#schedulePoll();
      void client.idle().catch(() => undefined);
    });
    this.#running = run.catch(() => this.#dropped());
    await this.#running;
  }

  async #fingerprint(client: ImapFlow, path: string): Promise<string> {
    const s = await mailboxStateOf(client, path);
    return `${s.uidValidity}/${s.uidNext}/${s.messages}/${s.highestModseq ?? ''}`;
  }

  #keyOfPath(path: string | undefined): string | undefined {
    for (const [k, p] of this.#paths) if (p === path) return k;
    return undefined;
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#lingerTimer);
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#idlePath = undefined;
    this.#last.clear();
    if (client === undefined) return;
    try {
      await Promise.race([client.logout(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    } catch {
      // The socket is closed below either way.
    }
    client.close();
  }
}
