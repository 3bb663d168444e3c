import type { DavCollectionKind } from '../../model/folder-type.js';
import type { DavLogger } from './presence.js';

/**
 * How a collection that holds both events and tasks (RFC 4791 5.2.3: VEVENT and VTODO in its
 * supported-calendar-component-set, or the property absent) is offered besides as a calendar:
 * - 'when-no-task-list' (default): also as a task list, but only while the user has no VTODO-only
 *   collection; otherwise tasks kept in such calendars would be invisible on the device.
 * - 'always': also as a task list in every case.
 * - 'never': only as a calendar.
 */
export type MixedCollectionPolicy = 'when-no-task-list' | 'always' | 'never';

export interface DavConfig {
  /** Server root, e.g. http://127.0.0.1:5232/; discovery starts here. */
  readonly baseUrl: string;
  /** Which kinds this store serves (a CalDAV store: calendar + tasks; a CardDAV one: contacts). */
  readonly kinds: readonly DavCollectionKind[];
  readonly mixedCollections?: MixedCollectionPolicy;
  /** Per request, headers and body included; default 30 s. */
  readonly timeoutMs?: number;
  /** The global fetch unless TLS options of its own are needed (tls-fetch.ts), or a test's. */
  readonly fetch?: typeof fetch;
  /** How often a user's DAV account is looked for again (default 5 minutes). */
  readonly recheckMs?: number;
  /** Where "this user has no DAV account" is reported. */
  readonly logger?: DavLogger;
  /** For tests; Date.now otherwise. */
  readonly now?: () => number;
}

export const DEFAULT_DAV_TIMEOUT_MS = 30_000;
