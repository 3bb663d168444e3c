import { createCalendarCodec } from '../model/calendar/index.js';
import { contactCodec } from '../model/contact/index.js';
import { filterCutoff } from '../model/filter-type.js';
import type { DavCollectionKind } from '../model/folder-type.js';
import { taskCodec } from '../model/task/index.js';
import { INCOMPLETE_TASKS, type DavClass } from './dav-class.js';

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
      return since === undefined || createCalendarCodec().occursSince(source, since);
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
