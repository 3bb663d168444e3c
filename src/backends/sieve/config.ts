import type { ConnectionOptions } from 'node:tls';

export interface SieveConfig {
  readonly host: string;
  /** 4190 is the registered ManageSieve port (RFC 5804 1.8). */
  readonly port: number;
  /**
   * true requires STARTTLS, false never upgrades, unset upgrades when the server offers it (an
   * attacker on the path can strip that offer). ManageSieve has no implicit-TLS port.
   */
  readonly startTls?: boolean;
  readonly tls?: Pick<ConnectionOptions, 'rejectUnauthorized' | 'ca' | 'servername' | 'minVersion'>;
  /** Per step (connect, greeting, each command); default 10 s. */
  readonly timeoutMs?: number;
}

export const DEFAULT_SIEVE_TIMEOUT_MS = 10_000;

/** The server, and what the out-of-office script looks like (every script field has a default). */
export interface SieveOofConfig extends SieveConfig {
  /** The one script the gateway owns; default 'eas-gateway-oof'. */
  readonly scriptName?: string;
  /** Subject of the automatic reply (RFC 5230 4.2 :subject); default 'Out of office'. */
  readonly subject?: string;
  /** RFC 5230 4.1 :days, how often one sender gets the reply; default 1. */
  readonly days?: number;
}

export const DEFAULT_OOF_SCRIPT_NAME = 'eas-gateway-oof';
export const DEFAULT_OOF_SUBJECT = 'Out of office';
