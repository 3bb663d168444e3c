import { calendarCodec, createCalendarCodec } from '../model/calendar/index.js';
import { contactCodec } from '../model/contact/index.js';
import { filterCutoff } from '../model/filter-type.js';
import type { DavCollectionKind } from '../model/folder-type.js';
import { taskCodec } from '../model/task/index.js';
import type { DavItemStore } from '../backends/types.js';
import { byKey } from '../sync/hierarchy.js';
import { isMergedKey, MergedItemStore } from '../sync/merged-items.js';
import type { CommandContext } from './context.js';
import { INCOMPLETE_TASKS, type DavClass } from './dav-class.js';
import type { Collection } from './mail-collection.js';

// The DAV-backed item classes by collection kind.

// RFC 5545 3.8.1.11 / 3.8.2.1: a completed VTODO says so in STATUS or carries COMPLETED.
const COMPLETED_TODO = /^(?:STATUS:COMPLETED\s*$|COMPLETED[;:])/im;

export const DAV_CLASSES: Readonly<Record<DavCollectionKind, DavClass>> = {
  calendar: {
    itemClass: 'Calendar',
    component: 'VEVENT',
    extension: '.ics',
    codecFor: (addresses) => createCalendarCodec({ userAddresses: addresses }),
    items: (b) => b.calendarItems,
    inWindow: (source, filterType, now) => {
      const since = filterCutoff(filterType, now);
      return since === undefined || calendarCodec.occursSince(source, since);
    },
  },
  tasks: {
    itemClass: 'Tasks',
    component: 'VTODO',
    extension: '.ics',
    codecFor: () => taskCodec,
    items: (b) => b.calendarItems,
    inWindow: (source, filterType) => filterType !== INCOMPLETE_TASKS || !COMPLETED_TODO.test(source),
  },
  contacts: {
    itemClass: 'Contacts',
    component: 'VCARD',
    extension: '.vcf',
    codecFor: () => contactCodec,
    items: (b) => b.contactItems,
  },
};

/** The class and item store of a DAV folder; a merged folder reads all collections of its kind. */
export async function davItemsFor(
  ctx: CommandContext,
  ref: Collection,
): Promise<{ cls: DavClass; store: DavItemStore } | undefined> {
  if (ref.store === 'mail') return undefined;
  const cls = DAV_CLASSES[ref.store];
  const store = cls.items(ctx.backends);
  if (store === undefined) return undefined;
  if (!isMergedKey(ref.key)) return { cls, store };
  const source = ref.store === 'contacts' ? ctx.backends.contacts : ctx.backends.calendars;
  const keys = ((await source?.listCollections(ctx.signal)) ?? [])
    .filter((c) => c.kind === ref.store)
    .sort(byKey)
    .map((c) => c.key);
  return { cls, store: new MergedItemStore(store, keys) };
}
