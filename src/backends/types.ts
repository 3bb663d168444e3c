import type { DavCollectionKind, MailFolderRole } from '../model/folder-type.js';
import type { OofSettings } from '../model/oof.js';

// Narrow interfaces the engine and the commands see; implementations live in backends/<kind>/.
// Every method takes an AbortSignal that fires when the client goes away or is superseded.

export type BackendErrorKind =
  | 'not-found'
  | 'exists'
  | 'conflict'
  | 'precondition'
  | 'quota'
  | 'temporary'
  | 'permanent'
  | 'auth';

/** A backend failure with its meaning; one catalog maps kinds to EAS statuses or HTTP codes. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The login the device presented, after the configured user-name mapping. */
export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** A mail folder; `key` is stable across renames where the server allows (IMAP OBJECTID). */
export interface MailFolder {
  readonly key: string;
  readonly path: string;
  readonly name: string;
  readonly parentKey: string | undefined;
  readonly role: MailFolderRole;
}

export interface MailStore {
  listFolders(signal?: AbortSignal): Promise<MailFolder[]>;
  createFolder(parentKey: string | undefined, name: string, signal?: AbortSignal): Promise<MailFolder>;
  renameFolder(
    key: string,
    parentKey: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<MailFolder>;
  deleteFolder(key: string, signal?: AbortSignal): Promise<void>;
}

/** A CalDAV or CardDAV collection; `key` is derived from its URL path. */
export interface DavCollection {
  readonly key: string;
  readonly href: string;
  readonly name: string;
  readonly kind: DavCollectionKind;
}

export interface CollectionStore {
  readonly kinds: readonly DavCollectionKind[];
  listCollections(signal?: AbortSignal): Promise<DavCollection[]>;
  createCollection(kind: DavCollectionKind, name: string, signal?: AbortSignal): Promise<DavCollection>;
  renameCollection(key: string, name: string, signal?: AbortSignal): Promise<DavCollection>;
  deleteCollection(key: string, signal?: AbortSignal): Promise<void>;
}

export interface OofStore {
  getOof(signal?: AbortSignal): Promise<OofSettings>;
  setOof(settings: OofSettings, signal?: AbortSignal): Promise<void>;
}

/** Everything one user's requests reach; made per request from the user's credentials. */
export interface UserBackends {
  readonly mail: MailStore;
  /** CalDAV calendars and task lists, when configured. */
  readonly calendars?: CollectionStore;
  /** CardDAV address books, when configured. */
  readonly contacts?: CollectionStore;
  readonly oof?: OofStore;
  /** Releases connections (IMAP, ManageSieve) held for this user. */
  close(): Promise<void>;
}

export interface Backends {
  /** Checks a login against the mail server; throws BackendError('auth') or ('temporary'). */
  verifyLogin(credentials: Credentials, signal?: AbortSignal): Promise<void>;
  forUser(credentials: Credentials): UserBackends;
  /** Whether the mail server answers at all (no login), for readiness checks. */
  reachable?(signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}
