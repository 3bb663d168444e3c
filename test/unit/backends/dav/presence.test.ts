import { describe, expect, it } from 'vitest';
import { DavClient } from '../../../../src/backends/dav/client.js';
import { DavCollectionStore } from '../../../../src/backends/dav/dav-collection-store.js';
import { DavPresence } from '../../../../src/backends/dav/presence.js';
import { fakeFetch, multistatus, ok, type Route } from './fake-dav.js';

// A user's DAV account: found, missing (401/403/404 where the principal or home should be),
// or unknown (the server is down); the answer is kept for recheckMs and then asked again.

const erin = { user: 'erin', password: 'password' };
const BASE = 'http://dav.test/';

/** A Radicale-like server: the principal and both home sets at /<user>/, one calendar. */
const withAccount: Route = (req) => {
  if (req.path === '/' || (req.path === '/erin/' && req.headers.depth === '0'))
    return {
      status: 207,
      body: multistatus(
        ok(
          req.path,
          '<d:current-user-principal><d:href>/erin/</d:href></d:current-user-principal>' +
            '<cal:calendar-home-set><d:href>/erin/</d:href></cal:calendar-home-set>' +
            '<card:addressbook-home-set><d:href>/erin/</d:href></card:addressbook-home-set>',
        ),
      ),
    };
  if (req.path === '/erin/')
    return {
      status: 207,
      body: multistatus(
        ok(
          '/erin/calendar/',
          '<d:resourcetype><d:collection/><cal:calendar/></d:resourcetype><cal:supported-calendar-component-set><cal:comp name="VEVENT"/></cal:supported-calendar-component-set>',
        ),
      ),
    };
  return { status: 404 };
};

function setUp(initial: Route) {
  let route = initial;
  const fake = fakeFetch((req) => route(req));
  const warnings: Record<string, unknown>[] = [];
  const infos: string[] = [];
  let now = 0;
  const logger = {
    warn: (obj: object) => void warnings.push(obj as Record<string, unknown>),
    info: (_obj: object, msg: string) => void infos.push(msg),
  };
  const presence = new DavPresence(new DavClient(erin, { fetch: fake.fetch }), new URL(BASE), 'erin', {
    recheckMs: 60_000,
    now: () => now,
    logger,
  });
  const config = { baseUrl: BASE, fetch: fake.fetch };
  return {
    calendars: new DavCollectionStore({ ...config, kinds: ['calendar', 'tasks'] }, erin, presence),
    contacts: new DavCollectionStore({ ...config, kinds: ['contacts'] }, erin, presence),
    requests: fake.requests,
    warnings,
    infos,
    serve: (next: Route) => (route = next),
    advance: (ms: number) => (now += ms),
  };
}

describe('DavPresence', () => {
  it('finds no account on a 401 and says so once per check for both stores, then asks again', async () => {
    const t = setUp(() => ({ status: 401 }));
    expect(await t.calendars.listCollections()).toEqual([]);
    expect(await t.contacts.listCollections()).toEqual([]);
    expect(await t.calendars.listCollections()).toEqual([]);
    expect(t.requests).toHaveLength(1);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatchObject({ user: 'erin', recheckSeconds: 60 });

    t.serve(withAccount);
    t.advance(59_999);
    expect(await t.calendars.listCollections()).toEqual([]);
    t.advance(1);
    expect((await t.calendars.listCollections()).map((c) => c.key)).toEqual(['dav:/erin/calendar/']);
    expect(t.infos).toEqual(['DAV account found']);
    expect(t.warnings).toHaveLength(1);
  });

  it('finds no account when the guessed home answers 403 or 404', async () => {
    for (const status of [403, 404]) {
      const t = setUp((req) =>
        req.path === '/' ? { status: 207, body: multistatus(ok('/', '<d:displayname/>')) } : { status },
      );
      expect(await t.calendars.listCollections()).toEqual([]);
      expect(t.requests.map((r) => `${r.path} ${r.headers.depth}`)).toEqual(['/ 0', '/erin/ 0', '/erin/ 0']);
      expect(t.warnings).toHaveLength(1);
    }
  });

  it('remembers no answer when the server is down, pauses 30 s, and warns nothing about the account', async () => {
    const t = setUp(() => ({ status: 503 }));
    await expect(t.calendars.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    t.serve(withAccount);
    const asked = t.requests.length;
    // Both stores of the user fail at once during the pause, without asking the server.
    await expect(t.contacts.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    await expect(t.calendars.changesSince('dav:/erin/calendar/', 'token')).rejects.toMatchObject({
      kind: 'temporary',
    });
    expect(t.requests).toHaveLength(asked);
    t.advance(30_000);
    expect(await t.calendars.listCollections()).toHaveLength(1);
    expect(t.warnings).toEqual([]);
  });

  it("takes a server that never answers for an outage: 'temporary' after the timeout, then at once", async () => {
    let now = 0;
    const calls: string[] = [];
    const hanging = ((url: URL, init?: RequestInit) => {
      calls.push(String(url));
      return new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
      );
    }) as typeof fetch;
    const config = { baseUrl: BASE, fetch: hanging, timeoutMs: 20, now: () => now };
    const store = new DavCollectionStore({ ...config, kinds: ['contacts'] }, erin);
    await expect(store.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    await expect(store.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    expect(calls).toHaveLength(1);
    now += 30_000;
    await expect(store.listCollections()).rejects.toMatchObject({ kind: 'temporary' });
    expect(calls).toHaveLength(2);
  });

  it('asks again at once after a request of an account it had found is refused', async () => {
    const t = setUp(withAccount);
    expect(await t.calendars.listCollections()).toHaveLength(1);
    t.serve(() => ({ status: 401 }));
    // Never 'auth' (that would be an HTTP 401 for the phone): retry later.
    await expect(t.calendars.changesSince('dav:/erin/calendar/', undefined)).rejects.toMatchObject({
      kind: 'temporary',
    });
    await expect(t.calendars.changesSince('dav:/erin/calendar/', undefined)).rejects.toMatchObject({
      kind: 'not-found',
    });
    expect(await t.contacts.listCollections()).toEqual([]);
    expect(t.warnings).toHaveLength(1);
  });
});
