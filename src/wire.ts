import { connect } from 'node:net';
import type { Logger } from 'pino';
import { DavCollectionStore, davPresence, tlsFetch } from './backends/dav/index.js';
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
import { backendTlsOptions } from './backends/tls.js';
import type { Backends, Credentials, UserBackends } from './backends/types.js';
import { UserBackendsPool } from './backends/user-pool.js';
import type { BackendTls, GatewayConfig } from './config.js';
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

// imapflow's and nodemailer's STARTTLS switch: true requires it, false never tries it (unset, "when
// offered", is never used: an attacker on the path can strip the offer).
const STARTTLS_OF: Readonly<Record<BackendTls, boolean | undefined>> = {
  implicit: undefined,
  starttls: true,
  none: false,
};

export function createBackends(config: GatewayConfig, logger?: Logger): Backends {
  const tlsFor = (verify: boolean) => backendTlsOptions(verify, config.backendCaFile);
  const imap: ImapConfig = {
    host: config.imap.host,
    port: config.imap.port,
    secure: config.imap.tls === 'implicit',
    startTls: STARTTLS_OF[config.imap.tls],
    tls: tlsFor(config.imap.tlsVerify),
    hideDeleted: config.imap.hideDeleted,
    logger: logger?.child({ component: 'imap' }),
  };
  const smtp = {
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.tls === 'implicit',
    startTls: STARTTLS_OF[config.smtp.tls],
    tls: tlsFor(config.smtp.tlsVerify),
  };
  const sieve = config.sieve && {
    host: config.sieve.host,
    port: config.sieve.port,
    startTls: config.sieve.tls === 'starttls',
    tls: tlsFor(config.sieve.tlsVerify),
  };
  // The global fetch verifies against Node's roots and NODE_EXTRA_CA_CERTS; other TLS settings
  // need a fetch of their own.
  const davFetch =
    config.davTlsVerify && config.backendCaFile === undefined
      ? undefined
      : tlsFetch(tlsFor(config.davTlsVerify));
  // One GAL for everybody, read with its own login (shared by all users' requests).
  const directory =
    config.gal === undefined ? undefined : new CardDavDirectory({ ...config.gal, fetch: davFetch });
  const davBase = {
    recheckMs: config.davRecheckSeconds * 1000,
    logger: logger?.child({ component: 'dav' }),
    fetch: davFetch,
  };
  const open = (credentials: Credentials): UserBackends => {
    const mail = new ImapMailStore(imap, credentials);
    const mailChanges = new ImapChangeFeed(imap, credentials);
    const submitter = new NodemailerSubmitter(smtp, credentials);
    const address = credentials.user.includes('@')
      ? credentials.user
      : `${credentials.user}@${config.mailDomain}`;
    const davUrl = config.davUrl;
    const oof =
      sieve === undefined
        ? undefined
        : new SieveOofStore(sieve, credentials, {
            addresses: [address],
            internalDomains: [config.mailDomain],
          });
    const dav = davUrl === undefined ? undefined : { ...davBase, baseUrl: davUrl };
    // One account check per user for both stores (the same server).
    const presence = dav && davPresence({ ...dav, kinds: [] }, credentials);
    const calendars =
      dav && new DavCollectionStore({ ...dav, kinds: ['calendar', 'tasks'] }, credentials, presence);
    const contacts = dav && new DavCollectionStore({ ...dav, kinds: ['contacts'] }, credentials, presence);
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
