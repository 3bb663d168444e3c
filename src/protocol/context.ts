import type { Credentials, UserBackends } from '../backends/types.js';
import type { DeviceRef, StateStore } from '../state/types.js';
import type { ProvisionPolicy } from './policy.js';
import type { ProtocolVersion } from './version.js';

/** What the client asked, after query and header decoding (MS-ASHTTP 2.2.1.1). */
export interface EasRequestInfo {
  readonly cmd: string;
  readonly version: ProtocolVersion;
  readonly deviceId: string;
  readonly deviceType: string;
  readonly policyKey: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  /** The body as sent when it is not WBXML: 12.x SendMail, SmartReply, SmartForward (MIME). */
  readonly mime?: Uint8Array;
  readonly userAgent: string | undefined;
}

/** The authenticated user: `id` keys all state; `login` and the password reach the backends. */
export interface Principal {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly aliases: readonly string[];
  readonly credentials: Credentials;
}

/** pino-compatible subset, so commands log structured lines without knowing the logger. */
export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What commands count for the operator's dashboards (Prometheus /metrics). */
export interface ProtocolMetrics {
  /** Items sent to devices by Sync: kind is add, change, delete or softdelete. */
  itemsSent(itemClass: string, kind: string, count: number): void;
  /** A Ping or hanging Sync started (+1) or stopped (-1) waiting. */
  waiting(command: string, delta: 1 | -1): void;
  /** A backend (IMAP, SMTP, DAV, Sieve) failed a request or a collection in it. */
  backendError(kind: string): void;
}

export interface ProtocolSettings {
  readonly policy: ProvisionPolicy;
  /** The SMTP server files sent mail itself: no Sent copy from us (it would be doubled). */
  readonly smtpSavesSent?: boolean;
  /** How often a waiting Ping or Sync polls CalDAV/CardDAV collections for changes. */
  readonly davPollSeconds?: number;
  /**
   * The CalDAV server mails meeting messages itself (RFC 6638); otherwise the gateway does.
   * 'auto' (or absent): ask the server (src/protocol/meeting-mail.ts).
   */
  readonly caldavSchedules?: boolean | 'auto';
}

export interface CommandContext {
  readonly request: EasRequestInfo;
  readonly principal: Principal;
  readonly device: DeviceRef;
  readonly backends: UserBackends;
  readonly state: StateStore;
  readonly settings: ProtocolSettings;
  readonly log: Log;
  readonly now: () => Date;
  /** Fires when the client disconnects or a newer request from the same device supersedes this one. */
  readonly signal: AbortSignal;
  readonly metrics?: ProtocolMetrics;
  /** Marks the request as only waiting for changes, so a newer one from the device ends it. */
  readonly markWaiting?: (waiting: boolean) => void | Promise<void>;
}
