import { describe, expect, it } from 'vitest';
import {
  CALDAV_NS,
  DAV_NS,
  failedStatuses,
  foundProp,
  hrefsOf,
  parseMultistatus,
  parseStatusLine,
} from '../../../../src/backends/dav/multistatus.js';
import { textOf } from '../../../../src/backends/dav/xml.js';

// Captured from Radicale 3.1.8 (PROPFIND Depth 1 on /alice/), shortened.
const RADICALE = `<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav"><response><href>/alice/</href><propstat><prop><resourcetype><principal /><collection /></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><displayname /><C:supported-calendar-component-set /></prop><status>HTTP/1.1 404 Not Found</status></propstat></response><response><href>/alice/tasks/</href><propstat><prop><resourcetype><C:calendar /><collection /></resourcetype><displayname>Tasks</displayname><C:supported-calendar-component-set><C:comp name="VTODO" /></C:supported-calendar-component-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;

describe('parseMultistatus', () => {
  it('reads hrefs and properties by status', () => {
    const [home, tasks] = parseMultistatus(RADICALE);
    expect(home?.href).toBe('/alice/');
    expect(foundProp(home!, DAV_NS, 'resourcetype')).toBeDefined();
    // Listed under 404: not found.
    expect(foundProp(home!, DAV_NS, 'displayname')).toBeUndefined();
    expect(failedStatuses(home!)).toEqual([404]);
    expect(textOf(foundProp(tasks!, DAV_NS, 'displayname'))).toBe('Tasks');
    expect(foundProp(tasks!, CALDAV_NS, 'supported-calendar-component-set')).toBeDefined();
  });

  it('reads other prefixes, absolute hrefs and response-level statuses', () => {
    const [r] = parseMultistatus(
      `<D:multistatus xmlns:D="DAV:"><D:response><D:href>https://dav.example/a%20b/</D:href><D:status>HTTP/1.1 403 Forbidden</D:status></D:response></D:multistatus>`,
    );
    expect(r).toEqual({ href: 'https://dav.example/a%20b/', status: 403, propstats: [] });
    expect(failedStatuses(r!)).toEqual([403]);
  });

  it('rejects a body that is not a multistatus', () => {
    expect(() => parseMultistatus('<html><body>proxy error</body></html>')).toThrow(
      'expected DAV:multistatus',
    );
  });

  it('collects hrefs of a property', () => {
    const [r] = parseMultistatus(
      `<multistatus xmlns="DAV:"><response><href>/</href><propstat><prop><current-user-principal><href> /alice/ </href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`,
    );
    expect(hrefsOf(foundProp(r!, DAV_NS, 'current-user-principal'))).toEqual(['/alice/']);
  });

  it.each([
    ['HTTP/1.1 200 OK', 200],
    ['HTTP/1.0 424 Failed Dependency', 424],
    ['HTTP/2 207', 207],
    ['garbage', 0],
  ])('parseStatusLine(%s) = %d', (line, status) => {
    expect(parseStatusLine(line)).toBe(status);
  });
});
