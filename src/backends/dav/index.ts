export type { DavConfig, MixedCollectionPolicy } from './config.js';
export { DavCollectionStore } from './dav-collection-store.js';
export { davPresence } from './dav-collection-store.js';
export { DEFAULT_DAV_RECHECK_MS, type DavLogger } from './presence.js';
export { tlsFetch } from './tls-fetch.js';
