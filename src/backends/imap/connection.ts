import type { ImapFlow } from 'imapflow';
import type { Credentials } from '../types.js';
import { isAbortOf, raceAbort } from './abort.js';
import { connectTimeoutOf, createImapFlow, type ImapConfig } from './config.js';
import { toBackendError } from './errors.js';

const LOGOUT_GRACE_MS = 2_000;

interface Session {
  readonly flow: ImapFlow;
  readonly ready: Promise<ImapFlow>;
}

/** One lazily opened imapflow connection for one user, reopened after it closes. */
export class ImapConnection {
  #session: Session | undefined;

  constructor(
    private readonly config: ImapConfig,
    private readonly credentials: Credentials,
  ) {}

  /**
   * Runs `op` on the connection. Failures become BackendError; an abort rejects with the signal's
   * reason at once and closes the connection, since the command in flight cannot be cancelled.
   */
  async run<T>(
    what: string,
    signal: AbortSignal | undefined,
    op: (client: ImapFlow) => Promise<T>,
    options: { retryOnce?: boolean } = {},
  ): Promise<T> {
    signal?.throwIfAborted();
    const session = this.#open();
    const work = session.ready.then(op);
    try {
      return await raceAbort(work, signal, () => this.#drop(session));
    } catch (err) {
      if (isAbortOf(err, signal)) throw err;
      const failure = toBackendError(err, what);
      // A connection the server closed under us (idle timeout, BYE after its selected mailbox was
      // deleted) is reopened once for a command that may safely run twice.
      if (options.retryOnce && failure.kind === 'temporary' && !session.flow.usable) {
        this.#drop(session);
        return this.run(what, signal, op);
      }
      throw failure;
    }
  }

  /** Logs out (closing the socket if the server does not answer soon); the next run reconnects. */
  async close(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    try {
      const flow = await session.ready;
      await raceAbort(flow.logout(), AbortSignal.timeout(LOGOUT_GRACE_MS), () => flow.close());
    } catch {
      session.flow.close();
    }
  }

  #open(): Session {
    if (this.#session) return this.#session;
    const flow = createImapFlow(this.config, this.credentials);
    // imapflow's 'error' event has no listener otherwise, which would crash the process; the
    // failure also rejects the command in flight, which reports it.
    flow.on('error', (err: unknown) => this.config.logger?.warn({ msg: 'IMAP connection error', err }));
    // The whole login gets one deadline: imapflow's own timeouts stop at the greeting.
    const deadline = AbortSignal.timeout(connectTimeoutOf(this.config));
    const ready = raceAbort(flow.connect(), deadline, () => flow.close()).then(() => flow);
    const session: Session = { flow, ready };
    const forget = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    flow.on('close', forget);
    ready.catch(forget);
    this.#session = session;
    return session;
  }

  #drop(session: Session): void {
    if (this.#session === session) this.#session = undefined;
    session.flow.close();
  }
}
