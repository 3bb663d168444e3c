import type { DavCollectionKind, MailFolderRole } from '../model/folder-type.js';
import type { BodyFetch, MailMessage } from '../model/mail-message.js';
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
  /** The device's address, when known: told to the mail server (IMAP ID, RFC 2971) on login checks. */
  readonly clientAddress?: string;
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

/** Where a mail folder stands (RFC 3501 STATUS, RFC 7162 HIGHESTMODSEQ). */
export interface MailboxState {
  readonly uidValidity: number;
  readonly uidNext: number;
  /** Undefined when the server keeps no mod-sequences for the folder (no CONDSTORE). */
  readonly highestModseq: bigint | undefined;
  readonly messages: number;
}

export interface MessageFlags {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly modseq?: bigint;
  readonly internalDate?: Date;
}

/** What changed in a folder since a mod-sequence (RFC 7162 CHANGEDSINCE with VANISHED). */
export interface MailboxDelta {
  readonly state: MailboxState;
  /** New messages and messages whose flags changed. */
  readonly changed: readonly MessageFlags[];
  /** UIDs expunged since then; may name UIDs the caller never saw. */
  readonly vanished: readonly number[];
}

/** Per-message access to one user's mail folders; folders are named by MailFolder.key. */
export interface MessageStore {
  mailboxState(folderKey: string, signal?: AbortSignal): Promise<MailboxState>;
  /** UIDs of the messages received on or after `since` (all when undefined), oldest first. */
  searchUids(
    folderKey: string,
    since: Date | undefined,
    signal?: AbortSignal,
  ): Promise<{ state: MailboxState; uids: number[] }>;
  /** Changes after `modseq`; requires `state.highestModseq` to be defined. */
  changesSince(folderKey: string, modseq: bigint, signal?: AbortSignal): Promise<MailboxDelta>;
  /** Flags of the given UIDs (all messages when `uids` is undefined); missing UIDs are left out. */
  listFlags(
    folderKey: string,
    uids: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ state: MailboxState; messages: MessageFlags[] }>;
  /** Envelope, structure, flags and `headerFields` of each UID that still exists, in UID order. */
  fetchMessages(
    folderKey: string,
    uids: readonly number[],
    headerFields: readonly string[],
    signal?: AbortSignal,
  ): Promise<MailMessage[]>;
  /** Raw (transfer-encoded) body pieces per UID, keyed by bodyFetchKey. */
  fetchBodies(
    folderKey: string,
    requests: ReadonlyMap<number, readonly BodyFetch[]>,
    signal?: AbortSignal,
  ): Promise<Map<number, Map<string, Uint8Array>>>;
  /**
   * Adds and removes flags; returns each message as one look right after shows it (flags, and the
   * mod-sequence when the server has them): a change another client made meanwhile is in there.
   */
  storeFlags(
    folderKey: string,
    uids: readonly number[],
    add: readonly string[],
    remove: readonly string[],
    signal?: AbortSignal,
  ): Promise<MessageFlags[]>;
  /** Moves messages; returns source UID → destination UID for those the server reported (UIDPLUS). */
  moveMessages(
    folderKey: string,
    uids: readonly number[],
    targetKey: string,
    signal?: AbortSignal,
  ): Promise<Map<number, number>>;
  /** Deletes for good (\\Deleted then UID EXPUNGE of just these). */
  expungeMessages(folderKey: string, uids: readonly number[], signal?: AbortSignal): Promise<void>;
  /** Adds a message; returns its UID when the server reports it (UIDPLUS). */
  appendMessage(
    folderKey: string,
    raw: Uint8Array,
    flags: readonly string[],
    signal?: AbortSignal,
  ): Promise<number | undefined>;
}

/**
 * Notifications that something in a mail folder may have changed; listeners re-check what
 * changed. One feed per user serves all of that user's waiting requests.
 */
export interface MailChangeFeed {
  /** Calls `onChange` with the folder's key; returns the function that stops watching. */
  watch(folderKeys: readonly string[], onChange: (folderKey: string) => void): () => void;
  /** Whether anyone is watching (the user's connections must stay open). */
  readonly watching: boolean;
}

/** Where a message goes: SMTP MAIL FROM and RCPT TO (RFC 5321), taken from its headers. */
export interface SmtpEnvelope {
  readonly from: string;
  readonly to: readonly string[];
}

/**
 * Sends mail as the user. Failures: 'temporary' (server down, 4xx: nothing was sent),
 * 'precondition' (a recipient refused), 'quota' (too large), 'permanent' (other 5xx), 'auth'.
 */
export interface MailSubmitter {
  submit(message: Uint8Array, envelope: SmtpEnvelope, signal?: AbortSignal): Promise<void>;
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

/** One stored object (event, task or card) of a DAV collection, named by its resource name. */
export interface DavItemVersion {
  /** The last path segment, decoded, e.g. "0b6c….ics". */
  readonly name: string;
  /** The ETag exactly as the server wrote it (quotes included). */
  readonly etag: string;
}

export interface DavItem extends DavItemVersion {
  /** The iCalendar or vCard object. */
  readonly text: string;
}

/** What changed in a collection since a sync token (RFC 6578 sync-collection). */
export interface DavCollectionDelta {
  /** The token to ask with next time; undefined when the server keeps none. */
  readonly token: string | undefined;
  /**
   * True when `changed` lists every item (no token given, the server refused it, or it has no
   * sync-collection): anything not listed is gone. `removed` is then empty.
   */
  readonly complete: boolean;
  readonly changed: readonly DavItemVersion[];
  readonly removed: readonly string[];
}

/** The precondition of a PUT: create only (RFC 7232 If-None-Match: *) or replace that version. */
export type DavWriteCondition = { readonly ifNoneMatch: '*' } | { readonly ifMatch: string };

/**
 * Items of one user's DAV collections, named by CollectionStore keys. A stale ETag fails with
 * 'precondition' (HTTP 412); an item that is gone with 'not-found'.
 */
export interface DavItemStore {
  changesSince(
    collectionKey: string,
    token: string | undefined,
    signal?: AbortSignal,
  ): Promise<DavCollectionDelta>;
  /** The named items that still exist (calendar-multiget / addressbook-multiget). */
  getItems(collectionKey: string, names: readonly string[], signal?: AbortSignal): Promise<DavItem[]>;
  putItem(
    collectionKey: string,
    name: string,
    text: string,
    condition: DavWriteCondition,
    signal?: AbortSignal,
  ): Promise<DavItemVersion>;
  /** Deletes the item; with an ETag only that version (If-Match). */
  deleteItem(
    collectionKey: string,
    name: string,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<void>;
}

/** A mailbox search (MS-ASCMD Search / Find with the Mailbox store), answered by IMAP SEARCH. */
export interface MailSearchQuery {
  readonly folderKeys: readonly string[];
  /** Words to find in headers or body (IMAP TEXT). */
  readonly freeText?: string;
  readonly receivedAfter?: Date;
  readonly receivedBefore?: Date;
}

export interface MailSearchHit {
  readonly folderKey: string;
  readonly uid: number;
  readonly received: Date;
}

export interface MailSearch {
  /** Hits in all the folders, newest first. */
  searchMail(query: MailSearchQuery, signal?: AbortSignal): Promise<MailSearchHit[]>;
}

/** A global address list (GAL): entries are vCards, searched by name or address. */
export interface Directory {
  /** Entries whose name or e-mail contains `query` (case-insensitive), at most `limit`, and how many matched. */
  search(query: string, limit: number, signal?: AbortSignal): Promise<{ entries: string[]; total: number }>;
}

export interface OofStore {
  getOof(signal?: AbortSignal): Promise<OofSettings>;
  setOof(settings: OofSettings, signal?: AbortSignal): Promise<void>;
}

/** RFC 6638: whether the CalDAV server delivers meeting messages (invitations, replies) itself. */
export interface CalendarScheduling {
  schedulesMeetings(signal?: AbortSignal): Promise<boolean>;
}

/** Everything one user's requests reach; made per request from the user's credentials. */
export interface UserBackends {
  readonly mail: MailStore & MessageStore;
  /** CalDAV calendars and task lists, when configured. */
  readonly calendars?: CollectionStore;
  /** Events and tasks of `calendars`. */
  readonly calendarItems?: DavItemStore;
  /** Asks the CalDAV server whether it mails meeting messages, so the gateway does not too. */
  readonly calendarScheduling?: CalendarScheduling;
  /** CardDAV address books, when configured. */
  readonly contacts?: CollectionStore;
  /** Cards of `contacts`. */
  readonly contactItems?: DavItemStore;
  /** Mailbox search, when the mail store offers it. */
  readonly mailSearch?: MailSearch;
  /** The global address list for Search GAL, Find and ResolveRecipients. */
  readonly directory?: Directory;
  readonly oof?: OofStore;
  /** Sending over SMTP, when configured. */
  readonly submitter?: MailSubmitter;
  /** Change notifications for Ping and hanging Sync; without one they poll. */
  readonly mailChanges?: MailChangeFeed;
  /** Releases connections (IMAP, ManageSieve) held for this user. */
  close(): Promise<void>;
}

export interface Backends {
  /** Checks a login against the mail server; throws BackendError('auth') or ('temporary'). */
  verifyLogin(credentials: Credentials, signal?: AbortSignal): Promise<void>;
  forUser(credentials: Credentials): UserBackends;
  /** Connections to the mail server open now, for the metrics. */
  openConnections?(): number;
  /** Whether the mail server answers at all (no login), for readiness checks. */
  reachable?(signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}
