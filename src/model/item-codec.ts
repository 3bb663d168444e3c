import type { TagRef, WbxmlElement } from '../wbxml/index.js';
import type { BodyPreference } from './email/options.js';

// The contract between the DAV-backed collections (calendars, tasks, contacts) and their EAS item
// classes: a codec turns the stored text (iCalendar or vCard) into the ApplicationData of a Sync
// Add/Change/Fetch, and the device's ApplicationData back into text to store. The sync engine
// knows nothing of fields; a codec knows nothing of HTTP or sync state.

export interface ItemRenderOptions {
  /** Protocol version as its rank: 120, 121, 140, 141, 160, 161. */
  readonly versionRank: number;
  /** From the request Options, in the client's order (may be empty: then plain text). */
  readonly bodyPreferences: readonly BodyPreference[];
}

export interface ItemApplyOptions {
  readonly versionRank: number;
  /** Used for a new item's UID when the device gave none (and as a stable default in tests). */
  readonly newUid: () => string;
  /** "now" for DTSTAMP/REV; injected so tests are deterministic. */
  readonly now: Date;
  /**
   * MS-ASCMD 2.2.3.168: the elements named in the folder's initial Sync `Supported` (an empty set
   * when it was empty). Elements outside it are ghosted: leaving them out of a Change keeps them.
   * Undefined when the client sent no Supported: nothing is ghosted. Contacts honour it.
   */
  readonly supported?: ReadonlySet<TagRef>;
}

/** The stored text cannot be read (broken iCalendar/vCard): that item is skipped with a log line. */
export class ItemSourceError extends Error {
  override readonly name = 'ItemSourceError';
}

/**
 * The device's ApplicationData cannot become a stored item (e.g. an invalid TimeZone blob):
 * that one item gets Sync Status 6 (MS-ASCMD 2.2.3.177.17, conversion error), the rest continue.
 */
export class ItemDataError extends Error {
  override readonly name = 'ItemDataError';
}

export interface StoredItem {
  /** The complete iCalendar or vCard object to PUT. */
  readonly text: string;
  /** Its UID (iCalendar UID or vCard UID), which also names the resource of a new item. */
  readonly uid: string;
}

export interface ItemCodec {
  readonly itemClass: 'Calendar' | 'Tasks' | 'Contacts';
  /** Content-Type for PUT, e.g. 'text/calendar; charset=utf-8'. */
  readonly contentType: string;
  /** ApplicationData children, in the order the class's spec lists them. */
  render(source: string, options: ItemRenderOptions): WbxmlElement[];
  /**
   * The text to store for a device Add (`existing` undefined) or Change. On a Change, what EAS
   * cannot express is kept from `existing`; what the class's spec says an absent element means
   * (MS-ASCMD 2.2.3.179: for Contacts, deleted unless ghosted) decides the rest.
   */
  apply(applicationData: WbxmlElement, existing: string | undefined, options: ItemApplyOptions): StoredItem;
}
