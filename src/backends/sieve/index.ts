export type { SieveConfig, SieveOofConfig } from './config.js';
export { ManageSieveClient, type SieveCapabilities, type SieveScriptInfo } from './client.js';
export { SieveOofStore, type OofIdentity } from './sieve-oof-store.js';
