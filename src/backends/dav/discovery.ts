import { BackendError } from '../types.js';
import type { DavClient } from './client.js';
import { CALDAV_NS, CARDDAV_NS, DAV_NS, foundProp, hrefsOf, type DavResponse } from './multistatus.js';
import { PROPFIND_DISCOVERY } from './requests.js';

export interface HomeSets {
  readonly calendar: readonly URL[];
  readonly contacts: readonly URL[];
  /** True when a home set is the `<base>/<user>/` guess rather than the server's answer. */
  readonly assumed?: boolean;
}

/**
 * RFC 6764 6 without the DNS part: current-user-principal (RFC 5397) on the base URL, then the
 * principal's calendar-home-set (RFC 4791 6.2.1) and addressbook-home-set (RFC 6352 7.1.1).
 * Where the server does not say, `<base>/<user>/` is assumed (Radicale's layout).
 */
export async function discoverHomeSets(
  client: DavClient,
  baseUrl: URL,
  user: string,
  signal?: AbortSignal,
): Promise<HomeSets> {
  const fallback = new URL(`${encodeURIComponent(user)}/`, baseUrl);
  const atBase = await propfindOrUndefined(client, baseUrl, signal);
  const principal = firstHref(atBase, DAV_NS, 'current-user-principal', baseUrl) ?? fallback;
  // The base may already be the principal (then it answered the home sets too).
  const atPrincipal =
    principal.href === baseUrl.href ? atBase : await propfindOrUndefined(client, principal, signal);
  const calendar = allHrefs(atPrincipal, CALDAV_NS, 'calendar-home-set', principal, fallback);
  const contacts = allHrefs(atPrincipal, CARDDAV_NS, 'addressbook-home-set', principal, fallback);
  // The fallback exists for sure only when it answered as the principal.
  const confirmed = principal.href === fallback.href && atPrincipal !== undefined;
  const assumed = !confirmed && [...calendar, ...contacts].some((home) => home.href === fallback.href);
  return { calendar, contacts, assumed };
}

async function propfindOrUndefined(
  client: DavClient,
  url: URL,
  signal: AbortSignal | undefined,
): Promise<DavResponse | undefined> {
  try {
    const responses = await client.propfind(url, '0', PROPFIND_DISCOVERY, signal);
    return responses[0];
  } catch (err) {
    // A server without these properties (or without a principal URL) is handled by the fallback;
    // a bad password or an unreachable server is not.
    if (err instanceof BackendError && (err.kind === 'not-found' || err.kind === 'permanent')) {
      return undefined;
    }
    throw err;
  }
}

function firstHref(response: DavResponse | undefined, ns: string, local: string, base: URL): URL | undefined {
  const href = response ? hrefsOf(foundProp(response, ns, local))[0] : undefined;
  return href === undefined ? undefined : new URL(href, base);
}

function allHrefs(
  response: DavResponse | undefined,
  ns: string,
  local: string,
  base: URL,
  fallback: URL,
): URL[] {
  const hrefs = response ? hrefsOf(foundProp(response, ns, local)) : [];
  return hrefs.length > 0 ? hrefs.map((h) => asCollectionUrl(new URL(h, base))) : [fallback];
}

export function asCollectionUrl(url: URL): URL {
  return url.pathname.endsWith('/') ? url : new URL(`${url.pathname}/`, url);
}
