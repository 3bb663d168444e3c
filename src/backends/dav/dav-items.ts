import { BackendError, type DavCollectionDelta, type DavItem, type DavItemVersion } from '../types.js';
import type { DavClient } from './client.js';
import { DavHttpError } from './errors.js';
import { CALDAV_NS, CARDDAV_NS, DAV_NS, foundProp, type DavResponse } from './multistatus.js';
import { multigetBody, PROPFIND_ETAGS, syncCollectionBody, type ItemDataKind } from './requests.js';
import { textOf } from './xml.js';

// Items of one collection: listing by sync token (RFC 6578) or by ETags, multiget (RFC 4791 7.9,
// RFC 6352 8.7), conditional PUT and DELETE (RFC 7232). Items are named by their last path segment.

/** Multiget in batches, so one REPORT stays a reasonable size for the server. */
const MULTIGET_BATCH = 100;

export async function changesSince(
  client: DavClient,
  collection: URL,
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<DavCollectionDelta> {
  if (token !== undefined) {
    try {
      const doc = await client.report(collection, '0', syncCollectionBody(token), signal);
      const changed: DavItemVersion[] = [];
      const removed: string[] = [];
      for (const r of doc.responses) {
        const name = itemNameOf(r.href, collection);
        if (name === undefined) continue;
        // RFC 6578 3.5.2: a removed member is reported with a response-level 404.
        if (r.status === 404) removed.push(name);
        else {
          const etag = textOf(foundProp(r, DAV_NS, 'getetag'));
          if (etag !== '') changed.push({ name, etag });
        }
      }
      return { token: doc.syncToken, complete: false, changed, removed };
    } catch (err) {
      // RFC 6578 3.2: an expired or unknown token fails with 403/409 valid-sync-token; 501/405/400
      // mean no sync-collection at all. Both fall back to a full listing.
      if (!noSyncCollection(err)) throw err;
    }
  }
  return listAll(client, collection, signal);
}

async function listAll(
  client: DavClient,
  collection: URL,
  signal: AbortSignal | undefined,
): Promise<DavCollectionDelta> {
  // A fresh token first, then the listing: a change in between shows up again next time, never lost.
  const token = await freshToken(client, collection, signal);
  const responses = await client.propfind(collection, '1', PROPFIND_ETAGS, signal);
  const changed = responses.flatMap((r) => {
    const name = itemNameOf(r.href, collection);
    const etag = textOf(foundProp(r, DAV_NS, 'getetag'));
    return name === undefined || etag === '' ? [] : [{ name, etag }];
  });
  return { token, complete: true, changed, removed: [] };
}

async function freshToken(
  client: DavClient,
  collection: URL,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    const doc = await client.report(collection, '0', syncCollectionBody(''), signal);
    return doc.syncToken;
  } catch (err) {
    if (!noSyncCollection(err)) throw err;
    return undefined;
  }
}

/**
 * The server refused the sync-collection REPORT itself (or the token), rather than being
 * unreachable or refusing the login. 501 Not Implemented is a 5xx but no outage: asking again
 * would get the same answer.
 */
function noSyncCollection(err: unknown): boolean {
  if (err instanceof DavHttpError && err.status === 501) return true;
  return err instanceof BackendError && err.kind !== 'auth' && err.kind !== 'temporary';
}

export async function getItems(
  client: DavClient,
  collection: URL,
  kind: ItemDataKind,
  names: readonly string[],
  signal: AbortSignal | undefined,
): Promise<DavItem[]> {
  const out: DavItem[] = [];
  for (let i = 0; i < names.length; i += MULTIGET_BATCH) {
    const hrefs = names.slice(i, i + MULTIGET_BATCH).map((n) => itemUrl(collection, n).pathname);
    const doc = await client.report(collection, '1', multigetBody(kind, hrefs), signal);
    for (const r of doc.responses) out.push(...itemOf(r, collection, kind));
  }
  return out;
}

function itemOf(r: DavResponse, collection: URL, kind: ItemDataKind): DavItem[] {
  const name = itemNameOf(r.href, collection);
  const data = foundProp(
    r,
    kind === 'calendar' ? CALDAV_NS : CARDDAV_NS,
    kind === 'calendar' ? 'calendar-data' : 'address-data',
  );
  const etag = textOf(foundProp(r, DAV_NS, 'getetag'));
  if (name === undefined || data === undefined) return [];
  return [{ name, etag, text: textOf(data) }];
}

export function itemUrl(collection: URL, name: string): URL {
  return new URL(encodeURIComponent(name), collection);
}

/** The member name of an href directly inside `collection`; undefined for the collection itself. */
export function itemNameOf(href: string, collection: URL): string | undefined {
  const url = new URL(href, collection);
  if (url.origin !== collection.origin || !url.pathname.startsWith(collection.pathname)) return undefined;
  const rest = url.pathname.slice(collection.pathname.length);
  if (rest === '' || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}
