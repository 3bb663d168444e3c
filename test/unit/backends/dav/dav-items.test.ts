import { describe, expect, it } from 'vitest';
import { DavClient } from '../../../../src/backends/dav/client.js';
import { changesSince, getItems } from '../../../../src/backends/dav/dav-items.js';
import { fakeFetch, multistatus, ok, type Route } from './fake-dav.js';

// Servers that answer oddly: no sync-collection (ETag listing instead), a token the server no
// longer knows, and a multiget 207 in which some items are 404.

const COLLECTION = new URL('http://dav.test/bob/calendar/');
const bob = { user: 'bob', password: 'password' };

const etags = multistatus(
  ok('/bob/calendar/', '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype>'),
  ok('/bob/calendar/a.ics', '<d:getetag>"1"</d:getetag>'),
  ok('/bob/calendar/b%20c.ics', '<d:getetag>"2"</d:getetag>'),
);

function client(route: Route) {
  const fake = fakeFetch(route);
  return { client: new DavClient(bob, { fetch: fake.fetch }), requests: fake.requests };
}

const isSyncCollection = (body: string | undefined) => body?.includes('sync-collection') ?? false;

describe('changesSince', () => {
  it('lists every item by ETag, with no token, on a server without sync-collection (RFC 6578 absent)', async () => {
    for (const refusal of [501, 405, 400]) {
      const { client: c, requests } = client((req) =>
        req.method === 'REPORT' ? { status: refusal } : { status: 207, body: etags },
      );
      expect(await changesSince(c, COLLECTION, undefined, undefined)).toEqual({
        token: undefined,
        complete: true,
        changed: [
          { name: 'a.ics', etag: '"1"' },
          { name: 'b c.ics', etag: '"2"' },
        ],
        removed: [],
      });
      expect(requests.map((r) => `${r.method} ${r.headers.depth}`)).toEqual(['REPORT 0', 'PROPFIND 1']);
    }
  });

  it('falls back to a full listing with a fresh token when the token is refused (RFC 6578 3.2)', async () => {
    const { client: c } = client((req) => {
      if (req.method === 'PROPFIND') return { status: 207, body: etags };
      if (req.body?.includes('<D:sync-token>old</D:sync-token>') || req.body?.includes('>old<'))
        return {
          status: 403,
          body: '<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>',
        };
      return {
        status: 207,
        body: '<d:multistatus xmlns:d="DAV:"><d:sync-token>new</d:sync-token></d:multistatus>',
      };
    });
    const delta = await changesSince(c, COLLECTION, 'old', undefined);
    expect(delta).toMatchObject({ token: 'new', complete: true, removed: [] });
    expect(delta.changed).toHaveLength(2);
  });

  it('reads members removed since the token from response-level 404s', async () => {
    const { client: c } = client((req) =>
      isSyncCollection(req.body)
        ? {
            status: 207,
            body:
              '<d:multistatus xmlns:d="DAV:">' +
              '<d:response><d:href>/bob/calendar/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>' +
              '<d:response><d:href>/bob/calendar/a.ics</d:href><d:propstat><d:prop><d:getetag>"3"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>' +
              '<d:sync-token>t2</d:sync-token></d:multistatus>',
          }
        : undefined,
    );
    expect(await changesSince(c, COLLECTION, 't1', undefined)).toEqual({
      token: 't2',
      complete: false,
      changed: [{ name: 'a.ics', etag: '"3"' }],
      removed: ['gone.ics'],
    });
  });

  it("passes an outage on as 'temporary' instead of taking it for a missing sync-collection", async () => {
    const { client: c, requests } = client(() => ({ status: 503 }));
    await expect(changesSince(c, COLLECTION, 't1', undefined)).rejects.toMatchObject({ kind: 'temporary' });
    expect(requests).toHaveLength(1);
  });
});

describe('getItems', () => {
  it('leaves out the items a multiget answers 404 for (deleted in between)', async () => {
    const { client: c } = client(() => ({
      status: 207,
      body: multistatus(
        ok(
          '/bob/calendar/a.ics',
          '<d:getetag>"1"</d:getetag><cal:calendar-data>BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n</cal:calendar-data>',
        ),
        '<d:response><d:href>/bob/calendar/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>',
        '<d:response><d:href>/bob/calendar/also-gone.ics</d:href><d:propstat><d:prop><cal:calendar-data/><d:getetag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>',
      ),
    }));
    const items = await getItems(
      c,
      COLLECTION,
      'calendar',
      ['a.ics', 'gone.ics', 'also-gone.ics'],
      undefined,
    );
    expect(items.map((i) => [i.name, i.etag])).toEqual([['a.ics', '"1"']]);
  });
});
