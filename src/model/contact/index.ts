// Contacts: vCard (CardDAV) ⇄ MS-ASCNTC, and directory entries for GAL search and recipient resolution.
export { contactCodec, contactFields, deviceFields, type ContactApplyOptions } from './contact-codec.js';
export {
  directoryEntryOf,
  GalPictureStatus,
  renderGalProperties,
  type DirectoryEntry,
  type GalPictureRequest,
} from './directory-entry.js';
export { ELEMENT_ORDER, PICTURE_MAX_BASE64, type ContactTag } from './fields.js';
