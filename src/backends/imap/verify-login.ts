import type { Credentials } from '../types.js';
import { isAbortOf, raceAbort } from './abort.js';
import { connectTimeoutOf, createImapFlow, type ImapConfig } from './config.js';
import { toBackendError } from './errors.js';

/**
 * Connects, logs in and logs out. Throws BackendError 'auth' when the server refuses the
 * credentials, 'temporary' when it is down, unreachable or slower than the connect timeout.
 */
export async function verifyImapLogin(
  config: ImapConfig,
  credentials: Credentials,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  const flow = createImapFlow(config, credentials);
  // Without a listener imapflow's 'error' event would crash the process; connect() reports it.
  flow.on('error', () => undefined);
  const deadline = AbortSignal.timeout(connectTimeoutOf(config));
  const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    await raceAbort(flow.connect(), stop, () => flow.close());
  } catch (err) {
    flow.close();
    if (isAbortOf(err, signal)) throw err;
    throw toBackendError(err, `IMAP login of ${credentials.user}`);
  }
  // The login is proven; a LOGOUT that fails changes nothing about it.
  await flow.logout().catch(() => flow.close());
}
