export type { DavConfig, MixedCollectionPolicy } from './config.js';
export { DavCollectionStore } from './dav-collection-store.js';
