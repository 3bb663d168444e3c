import { describe, expect, it } from 'vitest';
import { BackendError, type UserBackends } from '../../../src/backends/types.js';
import { FolderType } from '../../../src/model/folder-type.js';
import { davFolderCount, diffHierarchy, listHierarchy, snapshotOf } from '../../../src/sync/hierarchy.js';

// A DAV server that is down keeps the device's calendar, task and contact folders as they were
// (DESIGN rule 12); anything else that fails still fails the listing.

const folderMap = {
  collectionIdFor: async (_user: string, key: string) =>
    ({ 'mail|i:1': '1', 'calendar|dav:/a/calendar/': '2', 'contacts|dav:/a/book/': '3' })[key] ?? '9',
};

function backends(calendars: () => Promise<unknown>, contacts: () => Promise<unknown>): UserBackends {
  return {
    mail: {
      listFolders: async () => [
        { key: 'i:1', path: 'INBOX', name: 'Inbox', parentKey: undefined, role: 'inbox' as const },
      ],
    },
    calendars: { kinds: ['calendar', 'tasks'], listCollections: calendars },
    contacts: { kinds: ['contacts'], listCollections: contacts },
  } as unknown as UserBackends;
}

const up = {
  calendars: async () => [
    { key: 'dav:/a/calendar/', href: '/a/calendar/', name: 'Calendar', kind: 'calendar' },
  ],
  contacts: async () => [{ key: 'dav:/a/book/', href: '/a/book/', name: 'Contacts', kind: 'contacts' }],
};
const down = async () => {
  throw new BackendError('temporary', 'PROPFIND /a/: connect ECONNREFUSED');
};

describe('listHierarchy with a DAV server down', () => {
  it('keeps the known folders of the unreachable store only, and reports it', async () => {
    const known = snapshotOf(
      await listHierarchy('alice', backends(up.calendars, up.contacts), folderMap as never),
    );
    const unavailable: string[][] = [];
    const now = await listHierarchy('alice', backends(down, up.contacts), folderMap as never, undefined, {
      known,
      onUnavailable: (kinds) => void unavailable.push([...kinds]),
    });
    expect(diffHierarchy(known, now)).toEqual({ adds: [], updates: [], deletes: [] });
    expect(unavailable).toEqual([['calendar', 'tasks']]);
    expect(davFolderCount(now)).toBe(2);
  });

  it('lists mail alone for a device that knew no PIM folders yet', async () => {
    const now = await listHierarchy('alice', backends(down, down), folderMap as never, undefined, {});
    expect(now.map((e) => [e.displayName, e.type])).toEqual([['Inbox', FolderType.DefaultInbox]]);
    expect(davFolderCount(now)).toBe(0);
  });

  it('still fails on anything but an outage', async () => {
    const refused = async () => {
      throw new BackendError('permanent', 'PROPFIND /a/: HTTP 400');
    };
    await expect(
      listHierarchy('alice', backends(refused, up.contacts), folderMap as never),
    ).rejects.toMatchObject({ kind: 'permanent' });
  });
});
