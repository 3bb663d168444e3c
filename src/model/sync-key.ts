import { randomBytes } from 'node:crypto';

// MS-ASCMD 2.2.3.181: a SyncKey is opaque to the client, at most 64 characters; "0" asks for a
// fresh start. Ours are "<counter>-<random>": the counter orders a state's keys, the random part
// keeps a key of a discarded state from ever matching a new one.
export type SyncKey = string & { readonly __brand: 'SyncKey' };

export const INITIAL_SYNC_KEY = '0';

const SYNC_KEY_RE = /^(\d{1,12})-([0-9a-f]{8})$/;

export function parseSyncKey(text: string | undefined): SyncKey | '0' | undefined {
  if (text === INITIAL_SYNC_KEY) return INITIAL_SYNC_KEY;
  return text !== undefined && SYNC_KEY_RE.test(text) ? (text as SyncKey) : undefined;
}

export function nextSyncKey(previous: SyncKey | '0' | undefined): SyncKey {
  const m = previous === undefined ? null : SYNC_KEY_RE.exec(previous);
  const counter = m ? Number(m[1]) + 1 : 1;
  return `${counter}-${randomBytes(4).toString('hex')}` as SyncKey;
}
