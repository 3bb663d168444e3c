import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DavClient } from '../../src/backends/dav/client.js';
import type { DavConfig } from '../../src/backends/dav/config.js';
import { DavCollectionStore } from '../../src/backends/dav/dav-collection-store.js';
import { mkcalendarBody, proppatchDisplayNameBody } from '../../src/backends/dav/requests.js';
import type { DavCollection } from '../../src/backends/types.js';
import { kindOf } from '../support/backend-errors.js';

// Radicale from test/env (`bash test/env/setup && bash test/env/start && bash test/env/seed`).
// alice's seeded collections are only read; bob's are made with random names and removed again,
// since the suite may run twice at once (Node 20 and 24) against the same server.
const DAV_URL =
  process.env.EAS_TEST_DAV_URL ?? `http://127.0.0.1:${process.env.EAS_TEST_DAV_PORT ?? '5232'}/`;
const PASSWORD = process.env.EAS_TEST_PASSWORD ?? 'password';
const alice = { user: 'alice', password: PASSWORD };
const bob = { user: 'bob', password: PASSWORD };
const calendars: DavConfig = { baseUrl: DAV_URL, kinds: ['calendar', 'tasks'], timeoutMs: 5_000 };
const contacts: DavConfig = { baseUrl: DAV_URL, kinds: ['contacts'], timeoutMs: 5_000 };
const suffix = randomBytes(4).toString('hex');
const created: { store: DavCollectionStore; key: string }[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function summary(list: readonly DavCollection[]): { key: string; name: string; kind: string }[] {
  return list.map(({ key, name, kind }) => ({ key, name, kind }));
}

afterAll(async () => {
  for (const { store, key } of created) await store.deleteCollection(key).catch(() => undefined);
});

describe('DavCollectionStore on Radicale', () => {
  it("lists alice's seeded calendars and task list with their kinds", async () => {
    const list = await new DavCollectionStore(calendars, alice).listCollections();
    expect(summary(list)).toEqual(
      expect.arrayContaining([
        { key: 'dav:/alice/calendar/', name: 'Calendar', kind: 'calendar' },
        { key: 'dav:/alice/work/', name: 'Work', kind: 'calendar' },
        { key: 'dav:/alice/tasks/', name: 'Tasks', kind: 'tasks' },
      ]),
    );
    expect(list.every((c) => c.kind !== 'contacts')).toBe(true);
    // Radicale gives address books a component set too; they must not turn into calendars.
    expect(list.some((c) => c.key === 'dav:/alice/contacts/')).toBe(false);
    expect(list.find((c) => c.key === 'dav:/alice/work/')?.href).toBe(new URL('/alice/work/', DAV_URL).href);
  });

  it('finds that Radicale does not schedule meetings (no calendar-auto-schedule in OPTIONS)', async () => {
    expect(await new DavCollectionStore(calendars, alice).schedulesMeetings()).toBe(false);
  });

  it("lists alice's address book, and not the shared directory", async () => {
    const list = await new DavCollectionStore(contacts, alice).listCollections();
    expect(summary(list)).toEqual(
      expect.arrayContaining([{ key: 'dav:/alice/contacts/', name: 'Contacts', kind: 'contacts' }]),
    );
    expect(list.every((c) => c.kind === 'contacts' && c.key.startsWith('dav:/alice/'))).toBe(true);
  });

  it('creates, lists, renames and deletes a calendar, a task list and an address book for bob', async () => {
    const cal = new DavCollectionStore(calendars, bob);
    const book = new DavCollectionStore(contacts, bob);
    const made = [
      { store: cal, collection: await cal.createCollection('calendar', `Cal ${suffix}`) },
      { store: cal, collection: await cal.createCollection('tasks', `Tasks ${suffix}`) },
      { store: book, collection: await book.createCollection('contacts', `Book ${suffix} & <co>`) },
    ];
    for (const { store, collection } of made) created.push({ store, key: collection.key });
    for (const { collection } of made) expect(collection.key).toMatch(/^dav:\/bob\/[0-9a-f-]{36}\/$/);

    const calList = summary(await cal.listCollections());
    const bookList = summary(await book.listCollections());
    expect(calList).toContainEqual({ key: made[0]?.collection.key, name: `Cal ${suffix}`, kind: 'calendar' });
    expect(calList).toContainEqual({ key: made[1]?.collection.key, name: `Tasks ${suffix}`, kind: 'tasks' });
    // A VEVENT-only calendar is not also a task list, and a task list not a calendar.
    expect(calList.filter((c) => c.key === made[0]?.collection.key)).toHaveLength(1);
    expect(calList.filter((c) => c.key === made[1]?.collection.key)).toHaveLength(1);
    expect(bookList).toContainEqual({
      key: made[2]?.collection.key,
      name: `Book ${suffix} & <co>`,
      kind: 'contacts',
    });
    expect(bookList.some((c) => c.key === made[0]?.collection.key)).toBe(false);

    for (const { store, collection } of made) {
      const renamed = await store.renameCollection(collection.key, `${collection.name} renamed`);
      expect(renamed).toEqual({ ...collection, name: `${collection.name} renamed` });
    }
    const afterRename = summary([...(await cal.listCollections()), ...(await book.listCollections())]);
    for (const { collection } of made) {
      expect(afterRename).toContainEqual({
        key: collection.key,
        name: `${collection.name} renamed`,
        kind: collection.kind,
      });
    }

    for (const { store, collection } of made) await store.deleteCollection(collection.key);
    const afterDelete = [...(await cal.listCollections()), ...(await book.listCollections())];
    for (const { collection } of made) expect(afterDelete.some((c) => c.key === collection.key)).toBe(false);
    expect(await kindOf(cal.deleteCollection(made[0]?.collection.key ?? ''))).toBe('not-found');
    expect(await kindOf(cal.renameCollection(made[0]?.collection.key ?? '', 'x'))).toBe('not-found');
  });

  it('refuses keys outside the home set without touching the server', async () => {
    const cal = new DavCollectionStore(calendars, bob);
    expect(await kindOf(cal.deleteCollection('dav:/bob/'))).toBe('not-found');
    expect(await kindOf(cal.deleteCollection('dav:/alice/calendar/'))).toBe('not-found');
    expect(await kindOf(cal.renameCollection('imap:INBOX', 'x'))).toBe('not-found');
  });

  it("maps Radicale's answers for another user's collection and an existing one", async () => {
    const client = new DavClient(bob, { timeoutMs: 5_000 });
    const theirs = new URL('/alice/calendar/', DAV_URL);
    expect(await kindOf(client.proppatch(theirs, proppatchDisplayNameBody('hijacked')))).toBe('permanent');
    expect(await kindOf(client.delete(theirs))).toBe('permanent');
    const own = new DavClient(alice, { timeoutMs: 5_000 });
    // Radicale answers 409 with DAV:resource-must-be-null.
    expect(await kindOf(own.mkcalendar(theirs, mkcalendarBody('again', 'VEVENT')))).toBe('exists');
    const list = await new DavCollectionStore(calendars, alice).listCollections();
    expect(list.find((c) => c.key === 'dav:/alice/calendar/')?.name).toBe('Calendar');
  });

  // The mail server checked the password: a DAV server that refuses it has no account for the
  // user (or another password), which is no reason to ask the phone for its password again.
  it('takes a login Radicale refuses (erin has no account there) as a user without collections', async () => {
    for (const credentials of [
      { user: 'bob', password: 'wrong' },
      { user: 'erin', password: 'password' },
    ]) {
      const store = new DavCollectionStore(calendars, credentials);
      expect(await store.listCollections()).toEqual([]);
      expect(await kindOf(store.createCollection('calendar', 'never'))).toBe('permanent');
      expect(await kindOf(store.changesSince('dav:/bob/calendar/', undefined))).toBe('not-found');
    }
  });

  it("reports a server that is down as 'temporary'", async () => {
    const port = await freePort();
    const store = new DavCollectionStore({ ...calendars, baseUrl: `http://127.0.0.1:${port}/` }, bob);
    expect(await kindOf(store.listCollections())).toBe('temporary');
  });

  it('rejects with the reason of an aborted signal', async () => {
    const store = new DavCollectionStore(calendars, bob);
    const reason = new Error('client went away');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(store.listCollections(controller.signal)).rejects.toBe(reason);
  });
});
