import { randomUUID } from 'node:crypto';
import type { DavItemStore, UserBackends } from '../backends/types.js';
import type { ItemApplyOptions, ItemCodec, StoredItem } from '../model/item-codec.js';

// What differs between the DAV-backed item classes: the codec, the component a resource must
// hold to belong to the class (a mixed CalDAV collection holds events and tasks), the store, and
// which items a FilterType keeps. The Sync engine is the same for all three.

/** A codec, with the 16.x Delete of one occurrence where the class has occurrences (Calendar). */
export type DavCodec = ItemCodec & {
  readonly deleteOccurrence?: (existing: string, instanceId: string, options: ItemApplyOptions) => StoredItem;
};

export interface DavClass {
  readonly itemClass: ItemCodec['itemClass'];
  /** A resource holding none of these is not an item of this class. */
  readonly component: 'VEVENT' | 'VTODO' | 'VCARD';
  /** File name extension of new resources. */
  readonly extension: '.ics' | '.vcf';
  /** The codec for a user with these addresses (it tells meetings they organize from others). */
  readonly codecFor: (addresses: readonly string[]) => DavCodec;
  readonly items: (backends: UserBackends) => DavItemStore | undefined;
  /** Whether the FilterType keeps the item; undefined: the class has no filter. */
  readonly inWindow?: (source: string, filterType: number, now: Date) => boolean;
}

const BEGINS: Readonly<Record<DavClass['component'], RegExp>> = {
  VEVENT: /^BEGIN:VEVENT\s*$/im,
  VTODO: /^BEGIN:VTODO\s*$/im,
  VCARD: /^BEGIN:VCARD\s*$/im,
};

export function holdsComponent(source: string, component: DavClass['component']): boolean {
  return BEGINS[component].test(source);
}

/** Tasks FilterType 8 (MS-ASCMD 2.2.3.69.2): incomplete tasks only. */
export const INCOMPLETE_TASKS = 8;

/** The UID names a new resource when it is a plain token (RFC 4791 5.3.2 recommends it); else a UUID. */
export function resourceName(uid: string, extension: string): string {
  return /^[A-Za-z0-9._@-]{1,100}$/.test(uid) ? `${uid}${extension}` : `${randomUUID()}${extension}`;
}
