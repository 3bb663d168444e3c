import { child, children, elementsOf, parseXml, textOf, type XmlElement } from './xml.js';

export const DAV_NS = 'DAV:';
export const CALDAV_NS = 'urn:ietf:params:xml:ns:caldav';
export const CARDDAV_NS = 'urn:ietf:params:xml:ns:carddav';

export interface DavPropstat {
  /** HTTP status code of the propstat (RFC 4918 14.22), 0 when unreadable. */
  readonly status: number;
  readonly props: readonly XmlElement[];
}

export interface DavResponse {
  /** The href as the server wrote it (a path or an absolute URL, percent-encoded). */
  readonly href: string;
  /** The response-level status (RFC 4918 14.24), used instead of propstats e.g. for a 404 member. */
  readonly status: number | undefined;
  readonly propstats: readonly DavPropstat[];
}

export interface MultistatusDocument {
  readonly responses: DavResponse[];
  /** RFC 6578 6.2: the new token a sync-collection REPORT answers with. */
  readonly syncToken: string | undefined;
}

/** RFC 4918 14.16 multistatus: one entry per response element. */
export function parseMultistatus(body: string): DavResponse[] {
  return parseMultistatusDocument(body).responses;
}

export function parseMultistatusDocument(body: string): MultistatusDocument {
  const root = parseXml(body);
  if (root.ns !== DAV_NS || root.local !== 'multistatus') {
    throw new Error(`expected DAV:multistatus, got {${root.ns}}${root.local}`);
  }
  const token = child(root, DAV_NS, 'sync-token');
  return { responses: responsesOf(root), syncToken: token ? textOf(token).trim() : undefined };
}

function responsesOf(root: XmlElement): DavResponse[] {
  return children(root, DAV_NS, 'response').map((r) => {
    const status = child(r, DAV_NS, 'status');
    return {
      href: textOf(child(r, DAV_NS, 'href')),
      status: status ? parseStatusLine(textOf(status)) : undefined,
      propstats: children(r, DAV_NS, 'propstat').map((p) => ({
        status: parseStatusLine(textOf(child(p, DAV_NS, 'status'))),
        props: elementsOf(child(p, DAV_NS, 'prop')),
      })),
    };
  });
}

/** "HTTP/1.1 404 Not Found" → 404. */
export function parseStatusLine(line: string): number {
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/i.exec(line);
  return m ? Number(m[1]) : 0;
}

/** A property the server returned with a 2xx status; absent or failed properties are undefined. */
export function foundProp(response: DavResponse, ns: string, local: string): XmlElement | undefined {
  for (const ps of response.propstats) {
    if (ps.status < 200 || ps.status > 299) continue;
    const prop = ps.props.find((p) => p.ns === ns && p.local === local);
    if (prop) return prop;
  }
  return undefined;
}

/** Statuses of properties that failed (e.g. a PROPPATCH answered 207 with a 403 propstat). */
export function failedStatuses(response: DavResponse): number[] {
  const out = response.propstats.map((p) => p.status).filter((s) => s < 200 || s > 299);
  if (response.status !== undefined && (response.status < 200 || response.status > 299)) {
    out.push(response.status);
  }
  return out;
}

/** The hrefs inside a property such as current-user-principal or calendar-home-set. */
export function hrefsOf(prop: XmlElement | undefined): string[] {
  return children(prop, DAV_NS, 'href')
    .map((h) => textOf(h))
    .filter((h) => h !== '');
}
