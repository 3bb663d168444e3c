import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { Credentials } from '../types.js';

/** The part of a pino logger imapflow calls; a pino `Logger` fits as it is. */
export interface ImapLogger {
  trace(obj: object): void;
  debug(obj: object): void;
  info(obj: object): void;
  warn(obj: object): void;
  error(obj: object): void;
  child?(bindings: Record<string, unknown>): ImapLogger;
}

export interface ImapConfig {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (port 993). */
  readonly secure: boolean;
  /**
   * Without `secure`: true requires STARTTLS, false never upgrades, unset upgrades when the server
   * offers it (an attacker on the path can strip that offer).
   */
  readonly startTls?: boolean;
  readonly tls?: Pick<ConnectionOptions, 'rejectUnauthorized' | 'ca' | 'servername' | 'minVersion'>;
  /** Budget for TCP/TLS connect, greeting and login together; default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger?: ImapLogger;
  /** false to ignore QRESYNC even where offered (tests of the flag-comparison fallback). */
  readonly qresync?: boolean;
  /** Messages marked \Deleted and not yet expunged are gone for devices (default true). */
  readonly hideDeleted?: boolean;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function connectTimeoutOf(config: ImapConfig): number {
  return config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
}

let openConnections = 0;

/** IMAP connections of this process that are logged in now (for the metrics). */
export function openImapConnections(): number {
  return openConnections;
}

export function createImapFlow(config: ImapConfig, credentials: Credentials): ImapFlow {
  const flow = newImapFlow(config, credentials);
  const connect = flow.connect.bind(flow);
  flow.connect = async () => {
    await connect();
    openConnections++;
    flow.once('close', () => openConnections--);
  };
  return flow;
}

function newImapFlow(config: ImapConfig, credentials: Credentials): ImapFlow {
  const timeout = connectTimeoutOf(config);
  return new ImapFlow({
    host: config.host,
    port: config.port,
    secure: config.secure,
    doSTARTTLS: config.startTls,
    tls: { ...config.tls },
    auth: { user: credentials.user, pass: credentials.password },
    // Without a logger imapflow prints its own pino output to stdout. It marks the LOGIN and
    // AUTHENTICATE arguments `sensitive` and logs them masked (checked in the integration test).
    logger: config.logger ? (config.logger.child?.({ component: 'imapflow' }) ?? config.logger) : false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    // IMAP IDLE is started explicitly where push needs it; an automatic one only adds round trips.
    disableAutoIdle: true,
    // RFC 7162: CHANGEDSINCE with VANISHED makes a Sync cost what changed, not what the folder holds.
    qresync: config.qresync !== false,
    clientInfo: { name: 'eas-gateway' },
  });
}
