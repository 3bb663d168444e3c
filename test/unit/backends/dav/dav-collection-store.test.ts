import { describe, expect, it } from 'vitest';
import { DavClient } from '../../../../src/backends/dav/client.js';
import type { DavConfig } from '../../../../src/backends/dav/config.js';
import { DavCollectionStore } from '../../../../src/backends/dav/dav-collection-store.js';
import { BackendError } from '../../../../src/backends/types.js';
import { fakeFetch, multistatus, ok, type Route } from './fake-dav.js';

const alice = { user: 'alice', password: 'pässword' };
const HOST = 'https://dav.example';

// A server laid out like Nextcloud/SabreDAV: principal and home sets elsewhere, absolute hrefs.
const sabre: Route = (req) => {
  if (req.method !== 'PROPFIND') return { status: 201 };
  switch (req.path) {
    case '/remote.php/dav/':
      return {
        status: 207,
        body: multistatus(
          ok(
            '/remote.php/dav/',
            '<d:current-user-principal><d:href>/remote.php/dav/principals/users/alice/</d:href></d:current-user-principal>',
          ),
        ),
      };
    case '/remote.php/dav/principals/users/alice/':
      return {
        status: 207,
        body: multistatus(
          ok(
            req.path,
            `<cal:calendar-home-set><d:href>${HOST}/remote.php/dav/calendars/alice/</d:href></cal:calendar-home-set>` +
              '<card:addressbook-home-set><d:href>/remote.php/dav/addressbooks/users/alice/</d:href></card:addressbook-home-set>',
          ),
        ),
      };
    case '/remote.php/dav/calendars/alice/':
      return {
        status: 207,
        body: multistatus(
          ok(req.path, '<d:resourcetype><d:collection/></d:resourcetype>'),
          ok(
            `${HOST}/remote.php/dav/calendars/alice/personal/`,
            '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>Personal</d:displayname><cal:supported-calendar-component-set><cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set>',
          ),
          ok(
            '/remote.php/dav/calendars/alice/na%C3%AFve',
            '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>',
          ),
          ok(
            '/remote.php/dav/calendars/alice/inbox/',
            '<d:resourcetype><d:collection/><cal:schedule-inbox/></d:resourcetype>',
          ),
        ),
      };
    case '/remote.php/dav/addressbooks/users/alice/':
      return {
        status: 207,
        body: multistatus(
          ok(
            '/remote.php/dav/addressbooks/users/alice/contacts/',
            '<d:resourcetype><d:collection/><card:addressbook/></d:resourcetype><d:displayname>Contacts</d:displayname>',
          ),
        ),
      };
    default:
      return { status: 404 };
  }
};

function store(
  route: Route,
  kinds: DavConfig['kinds'] = ['calendar', 'tasks'],
  baseUrl = `${HOST}/remote.php/dav/`,
) {
  const fake = fakeFetch(route);
  return {
    store: new DavCollectionStore({ baseUrl, kinds, fetch: fake.fetch }, alice),
    requests: fake.requests,
  };
}

describe('DavCollectionStore discovery and listing', () => {
  it('follows current-user-principal to the home sets and resolves absolute and relative hrefs', async () => {
    const { store: s, requests } = store(sabre);
    const list = await s.listCollections();
    expect(list).toEqual([
      {
        key: 'dav:/remote.php/dav/calendars/alice/personal/',
        href: `${HOST}/remote.php/dav/calendars/alice/personal/`,
        name: 'Personal',
        kind: 'calendar',
      },
      // No VTODO-only list: the mixed calendar is offered as a task list too.
      {
        key: 'dav:/remote.php/dav/calendars/alice/personal/',
        href: `${HOST}/remote.php/dav/calendars/alice/personal/`,
        name: 'Personal',
        kind: 'tasks',
      },
      {
        key: 'dav:/remote.php/dav/calendars/alice/na%C3%AFve/',
        href: `${HOST}/remote.php/dav/calendars/alice/na%C3%AFve/`,
        name: 'naïve',
        kind: 'calendar',
      },
    ]);
    expect(requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('alice:pässword').toString('base64')}`,
    );
    expect(requests.map((r) => `${r.method} ${r.path} ${r.headers.depth}`)).toEqual([
      'PROPFIND /remote.php/dav/ 0',
      'PROPFIND /remote.php/dav/principals/users/alice/ 0',
      'PROPFIND /remote.php/dav/calendars/alice/ 1',
    ]);
    await s.listCollections();
    expect(requests).toHaveLength(4);
  });

  it('lists only address books for a contacts store', async () => {
    const { store: s } = store(sabre, ['contacts']);
    expect((await s.listCollections()).map((c) => [c.key, c.kind])).toEqual([
      ['dav:/remote.php/dav/addressbooks/users/alice/contacts/', 'contacts'],
    ]);
  });

  it('falls back to <base>/<user>/ when the server names no principal or home set', async () => {
    const { store: s, requests } = store(
      (req) =>
        req.path === '/dav/alice/' && req.headers.depth === '1'
          ? {
              status: 207,
              body: multistatus(
                ok(
                  '/dav/alice/tasks/',
                  '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><cal:supported-calendar-component-set><cal:comp name="VTODO"/></cal:supported-calendar-component-set>',
                ),
              ),
            }
          : { status: 405 },
      ['calendar', 'tasks'],
      `${HOST}/dav`,
    );
    expect((await s.listCollections()).map((c) => [c.key, c.name, c.kind])).toEqual([
      ['dav:/dav/alice/tasks/', 'tasks', 'tasks'],
    ]);
    // The guessed home is asked once more (Depth 0) to tell it from a user without an account.
    expect(requests.map((r) => `${r.path} ${r.headers.depth}`)).toEqual([
      '/dav/ 0',
      '/dav/alice/ 0',
      '/dav/alice/ 0',
      '/dav/alice/ 1',
    ]);
  });

  it('takes a login the DAV server refuses for a user without an account: no collections, no error', async () => {
    const { store: s } = store(() => ({ status: 401 }));
    await expect(s.listCollections()).resolves.toEqual([]);
    await expect(
      s.changesSince('dav:/remote.php/dav/calendars/alice/personal/', undefined),
    ).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it('asks the calendar home once whether the server schedules meetings (RFC 6638 2)', async () => {
    const dav = (classes: string) => (req: Parameters<Route>[0]) =>
      req.method === 'OPTIONS' ? { status: 200, headers: { DAV: classes } } : sabre(req);
    const scheduling = store(dav('1, 3, extended-mkcol, calendar-access, Calendar-Auto-Schedule'));
    expect(await scheduling.store.schedulesMeetings()).toBe(true);
    expect(await scheduling.store.schedulesMeetings()).toBe(true);
    expect(scheduling.requests.filter((r) => r.method === 'OPTIONS').map((r) => r.path)).toEqual([
      '/remote.php/dav/calendars/alice/',
    ]);
    expect(await store(dav('1, 2, 3, calendar-access, addressbook')).store.schedulesMeetings()).toBe(false);
  });

  it('retries discovery after a failure, once the outage pause is over', async () => {
    let down = true;
    let now = 0;
    const fake = fakeFetch((req) => (down ? { status: 503 } : sabre(req)));
    const s = new DavCollectionStore(
      { baseUrl: `${HOST}/remote.php/dav/`, kinds: ['calendar', 'tasks'], fetch: fake.fetch, now: () => now },
      alice,
    );
    await expect(s.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    down = false;
    const asked = fake.requests.length;
    await expect(s.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    expect(fake.requests).toHaveLength(asked);
    now += 30_000;
    await expect(s.listCollections()).resolves.toHaveLength(3);
  });
});

describe('DavCollectionStore changes', () => {
  it('makes a task list with MKCALENDAR and an address book with extended MKCOL under the home sets', async () => {
    const { store: s, requests } = store(sabre, ['calendar', 'tasks', 'contacts']);
    const tasks = await s.createCollection('tasks', 'To do & <more>');
    expect(tasks.key).toMatch(/^dav:\/remote\.php\/dav\/calendars\/alice\/[0-9a-f-]{36}\/$/);
    expect(tasks).toMatchObject({
      name: 'To do & <more>',
      kind: 'tasks',
      href: `${HOST}${tasks.key.slice(4)}`,
    });
    const mk = requests.find((r) => r.method === 'MKCALENDAR');
    expect(mk?.body).toContain('<C:comp name="VTODO"/>');
    expect(mk?.body).toContain('<D:displayname>To do &amp; &lt;more&gt;</D:displayname>');
    const book = await s.createCollection('contacts', 'Friends');
    expect(book.key).toMatch(/^dav:\/remote\.php\/dav\/addressbooks\/users\/alice\/[0-9a-f-]{36}\/$/);
    expect(requests.find((r) => r.method === 'MKCOL')?.body).toContain('<CR:addressbook/>');
  });

  it('refuses a kind the store does not serve', async () => {
    const { store: s } = store(sabre, ['contacts']);
    await expect(s.createCollection('calendar', 'x')).rejects.toMatchObject({ kind: 'permanent' });
  });

  it('reports a PROPPATCH whose property failed inside a 207', async () => {
    const { store: s } = store((req) =>
      req.method === 'PROPPATCH'
        ? {
            status: 207,
            body: `<multistatus xmlns="DAV:"><response><href>${req.path}</href><propstat><prop><displayname/></prop><status>HTTP/1.1 403 Forbidden</status></propstat></response></multistatus>`,
          }
        : sabre(req),
    );
    const error = await s
      .renameCollection('dav:/remote.php/dav/calendars/alice/personal/', 'x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({
      kind: 'permanent',
      message: 'PROPPATCH /remote.php/dav/calendars/alice/personal/: HTTP 403',
    });
  });

  it('renames and returns the collection as the server now describes it', async () => {
    let name = 'Personal';
    const route: Route = (req) => {
      if (req.method === 'PROPPATCH') {
        name = /<D:displayname>(.*)<\/D:displayname>/.exec(req.body ?? '')?.[1] ?? '';
        return { status: 207, body: multistatus(ok(req.path, '<d:displayname/>')) };
      }
      if (req.path === '/remote.php/dav/calendars/alice/personal/') {
        return {
          status: 207,
          body: multistatus(
            ok(
              req.path,
              `<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><d:displayname>${name}</d:displayname>`,
            ),
          ),
        };
      }
      return sabre(req);
    };
    const { store: s } = store(route);
    await expect(
      s.renameCollection('dav:/remote.php/dav/calendars/alice/personal/', 'Home'),
    ).resolves.toEqual({
      key: 'dav:/remote.php/dav/calendars/alice/personal/',
      href: `${HOST}/remote.php/dav/calendars/alice/personal/`,
      name: 'Home',
      kind: 'calendar',
    });
  });

  it('deletes only collections directly inside a home set', async () => {
    const { store: s, requests } = store(sabre);
    await s.deleteCollection('dav:/remote.php/dav/calendars/alice/personal/');
    for (const key of [
      'dav:/remote.php/dav/calendars/alice/',
      'dav:/remote.php/dav/calendars/bob/x/',
      'dav:/a/b/c/',
      'other',
    ]) {
      await expect(s.deleteCollection(key)).rejects.toMatchObject({ kind: 'not-found' });
    }
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/remote.php/dav/calendars/alice/personal/',
    ]);
  });
});

describe('DavClient', () => {
  it("turns a timeout into 'temporary'", async () => {
    const hang = ((_input: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    const client = new DavClient(alice, { timeoutMs: 20, fetch: hang });
    await expect(client.propfind(new URL(`${HOST}/`), '0', '<x/>')).rejects.toMatchObject({
      kind: 'temporary',
      message: 'PROPFIND /: no answer in 20 ms',
    });
  });

  it("reports an unreadable multistatus as 'permanent'", async () => {
    const { fetch } = fakeFetch(() => ({ status: 207, body: '<html>oops' }));
    await expect(
      new DavClient(alice, { fetch }).propfind(new URL(`${HOST}/`), '0', '<x/>'),
    ).rejects.toMatchObject({
      kind: 'permanent',
    });
  });

  it('reports a DELETE that left members behind', async () => {
    const { fetch } = fakeFetch(() => ({
      status: 207,
      body: '<multistatus xmlns="DAV:"><response><href>/c/locked.ics</href><status>HTTP/1.1 423 Locked</status></response></multistatus>',
    }));
    await expect(new DavClient(alice, { fetch }).delete(new URL(`${HOST}/c/`))).rejects.toMatchObject({
      kind: 'temporary',
    });
  });
});
