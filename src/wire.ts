import { connect } from 'node:net';
import type { Logger } from 'pino';
import { DavCollectionStore } from './backends/dav/index.js';
import { CardDavDirectory } from './backends/dav/directory.js';
import {
  ImapChangeFeed,
  ImapMailStore,
  openImapConnections,
  verifyImapLogin,
  type ImapConfig,
} from './backends/imap/index.js';
import { SieveOofStore } from './backends/sieve/index.js';
import { NodemailerSubmitter } from './backends/smtp/index.js';
import type { Backends, Credentials, UserBackends } from './backends/types.js';
import { UserBackendsPool } from './backends/user-pool.js';
import type { GatewayConfig } from './config.js';
import { MemoryStateStore } from './state/memory/index.js';
import { openPostgresStateStore } from './state/postgres/index.js';
import { openSqliteStateStore } from './state/sqlite/index.js';
import type { StateStore } from './state/types.js';

// The one place that chooses implementations: configuration in, interfaces out.

export async function openStateStore(config: GatewayConfig): Promise<StateStore> {
  if (config.state.driver === 'memory') return new MemoryStateStore();
  if (config.state.driver === 'postgres')
    return openPostgresStateStore({ connectionString: config.state.url ?? '' });
  return openSqliteStateStore(config.state.path);
}

export function createBackends(config: GatewayConfig, logger?: Logger): Backends {
  const imap: ImapConfig = {
    host: config.imap.host,
    port: config.imap.port,
    secure: config.imap.secure,
    tls: { rejectUnauthorized: config.imap.rejectUnauthorized },
    hideDeleted: config.imap.hideDeleted,
    logger: logger?.child({ component: 'imap' }),
  };
  // One GAL for everybody, read with its own login (shared by all users' requests).
  const directory = config.gal === undefined ? undefined : new CardDavDirectory(config.gal);
  const open = (credentials: Credentials): UserBackends => {
    const mail = new ImapMailStore(imap, credentials);
    const mailChanges = new ImapChangeFeed(imap, credentials);
    const submitter = new NodemailerSubmitter(
      {
        host: config.smtp.host,
        port: config.smtp.port,
        secure: config.smtp.secure,
        rejectUnauthorized: config.imap.rejectUnauthorized,
      },
      credentials,
    );
    const address = credentials.user.includes('@')
      ? credentials.user
      : `${credentials.user}@${config.mailDomain}`;
    const davUrl = config.davUrl;
    const oof =
      config.sieve === undefined
        ? undefined
        : new SieveOofStore({ host: config.sieve.host, port: config.sieve.port }, credentials, {
            addresses: [address],
            internalDomains: [config.mailDomain],
          });
    const calendars =
      davUrl === undefined
        ? undefined
        : new DavCollectionStore({ baseUrl: davUrl, kinds: ['calendar', 'tasks'] }, credentials);
    const contacts =
      davUrl === undefined
        ? undefined
        : new DavCollectionStore({ baseUrl: davUrl, kinds: ['contacts'] }, credentials);
    return {
      mail,
      calendars,
      calendarItems: calendars,
      calendarScheduling: calendars,
      contacts,
      contactItems: contacts,
      mailSearch: mail,
      directory,
      oof,
      mailChanges,
      submitter,
      close: async () => {
        await Promise.all([mail.close(), mailChanges.close()]);
      },
    };
  };
  const pool = new UserBackendsPool(open);
  return {
    verifyLogin: (credentials, signal) => verifyImapLogin(imap, credentials, signal),
    forUser: (credentials) => pool.get(credentials),
    reachable: (signal) => tcpReachable(config.imap.host, config.imap.port, signal),
    openConnections: openImapConnections,
    close: () => pool.closeAll(),
  };
}

/** Opens and closes a TCP connection: enough to know the server is there, without a login. */
function tcpReachable(host: string, port: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    signal?.addEventListener('abort', () => done(false), { once: true });
  });
}
