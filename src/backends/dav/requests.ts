import { escapeXml } from './xml.js';

// Request bodies. Prefixes: D = DAV:, C = CalDAV (RFC 4791), CR = CardDAV (RFC 6352).
const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';
const NAMESPACES =
  'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav"';

function propfind(props: string): string {
  return `${XML_DECL}<D:propfind ${NAMESPACES}><D:prop>${props}</D:prop></D:propfind>`;
}

/** RFC 5397 current-user-principal; RFC 4791 6.2.1 and RFC 6352 7.1.1 home sets. */
export const PROPFIND_DISCOVERY = propfind(
  '<D:current-user-principal/><C:calendar-home-set/><CR:addressbook-home-set/>',
);

export const PROPFIND_COLLECTIONS = propfind(
  '<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/>',
);

/** RFC 4791 5.3.1 MKCALENDAR with the one component the new collection holds. */
export function mkcalendarBody(name: string, component: 'VEVENT' | 'VTODO'): string {
  return (
    `${XML_DECL}<C:mkcalendar ${NAMESPACES}><D:set><D:prop>` +
    `<D:displayname>${escapeXml(name)}</D:displayname>` +
    `<C:supported-calendar-component-set><C:comp name="${component}"/></C:supported-calendar-component-set>` +
    `</D:prop></D:set></C:mkcalendar>`
  );
}

/** RFC 5689 extended MKCOL making an address book (RFC 6352 6.3.1). */
export function mkcolAddressBookBody(name: string): string {
  return (
    `${XML_DECL}<D:mkcol ${NAMESPACES}><D:set><D:prop>` +
    `<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>` +
    `<D:displayname>${escapeXml(name)}</D:displayname>` +
    `</D:prop></D:set></D:mkcol>`
  );
}

export function proppatchDisplayNameBody(name: string): string {
  return (
    `${XML_DECL}<D:propertyupdate ${NAMESPACES}><D:set><D:prop>` +
    `<D:displayname>${escapeXml(name)}</D:displayname>` +
    `</D:prop></D:set></D:propertyupdate>`
  );
}

/** RFC 4918 getetag of every member (Depth 1): the listing when there is no sync token. */
export const PROPFIND_ETAGS = propfind('<D:getetag/><D:resourcetype/>');

/** RFC 6578 3.2 sync-collection; an empty token asks for everything and a fresh token. */
export function syncCollectionBody(token: string): string {
  return (
    `${XML_DECL}<D:sync-collection ${NAMESPACES}>` +
    `<D:sync-token>${escapeXml(token)}</D:sync-token><D:sync-level>1</D:sync-level>` +
    `<D:prop><D:getetag/></D:prop></D:sync-collection>`
  );
}

export type ItemDataKind = 'calendar' | 'contacts';

/** RFC 4791 7.9 calendar-multiget or RFC 6352 8.7 addressbook-multiget of the given paths. */
export function multigetBody(kind: ItemDataKind, paths: readonly string[]): string {
  const [root, data] =
    kind === 'calendar'
      ? ['C:calendar-multiget', 'C:calendar-data']
      : ['CR:addressbook-multiget', 'CR:address-data'];
  const hrefs = paths.map((p) => `<D:href>${escapeXml(p)}</D:href>`).join('');
  return `${XML_DECL}<${root} ${NAMESPACES}><D:prop><D:getetag/><${data}/></D:prop>${hrefs}</${root}>`;
}
