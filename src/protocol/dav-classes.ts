import { contactCodec } from '../model/contact/index.js';
import type { DavCollectionKind } from '../model/folder-type.js';
import type { DavClass } from './dav-class.js';

// The DAV-backed item classes by collection kind.
export const DAV_CLASSES: Readonly<Partial<Record<DavCollectionKind, DavClass>>> = {
  contacts: {
    itemClass: 'Contacts',
    component: 'VCARD',
    extension: '.vcf',
    codec: contactCodec,
    items: (b) => b.contactItems,
  },
};
