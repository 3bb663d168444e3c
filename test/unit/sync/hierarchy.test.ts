import { describe, expect, it } from 'vitest';
import type { UserBackends } from '../../../src/backends/types.js';
import { FolderType } from '../../../src/model/folder-type.js';
import {
  applyToSnapshot,
  diffHierarchy,
  listHierarchy,
  snapshotOf,
  type FolderEntry,
} from '../../../src/sync/hierarchy.js';

const entry = (
  collectionId: string,
  parentId: string,
  displayName: string,
  type: FolderType,
): FolderEntry => ({
  collectionId,
  parentId,
  displayName,
  type,
});

describe('folder hierarchy', () => {
  it('reports adds parents first, renames and moves as updates, and deletes', () => {
    const before = snapshotOf([
      entry('1', '0', 'Inbox', 2),
      entry('2', '0', 'Old', 12),
      entry('3', '0', 'Gone', 12),
    ]);
    const now = [
      entry('1', '0', 'Inbox', 2),
      entry('2', '0', 'Renamed', 12),
      entry('5', '4', 'Child', 12),
      entry('4', '0', 'Parent', 12),
    ];
    const d = diffHierarchy(before, now);
    expect(d.adds.map((e) => e.collectionId)).toEqual(['4', '5']);
    expect(d.updates).toEqual([entry('2', '0', 'Renamed', 12)]);
    expect(d.deletes).toEqual(['3']);
    expect(diffHierarchy(snapshotOf(now), now)).toEqual({ adds: [], updates: [], deletes: [] });
  });

  it('applies a device-made change to the snapshot', () => {
    const s = snapshotOf([entry('1', '0', 'Inbox', 2)]);
    const added = applyToSnapshot(s, { upsert: entry('2', '1', 'Sub', 12) });
    expect(added['2']).toEqual(['1', 'Sub', 12]);
    expect(applyToSnapshot(added, { remove: '2' })).toEqual(s);
  });

  it('lists mail folders and DAV collections with stable ids and default types', async () => {
    const ids = new Map<string, string>();
    const folderMap = {
      collectionIdFor: async (_user: string, key: string) => {
        if (!ids.has(key)) ids.set(key, String(ids.size + 1));
        return ids.get(key)!;
      },
    };
    const backends = {
      mail: {
        listFolders: async () => [
          { key: 'i:1', path: 'INBOX', name: 'Inbox', parentKey: undefined, role: 'inbox' as const },
          { key: 'i:2', path: 'INBOX/Sub', name: 'Sub', parentKey: 'i:1', role: 'other' as const },
          { key: 'virtual:outbox', path: '', name: 'Outbox', parentKey: undefined, role: 'outbox' as const },
        ],
      },
      calendars: {
        listCollections: async () => [
          { key: 'dav:/a/work/', href: '/a/work/', name: 'Work', kind: 'calendar' as const },
          { key: 'dav:/a/calendar/', href: '/a/calendar/', name: 'Calendar', kind: 'calendar' as const },
          { key: 'dav:/a/tasks/', href: '/a/tasks/', name: 'Tasks', kind: 'tasks' as const },
        ],
      },
      contacts: {
        listCollections: async () => [
          { key: 'dav:/a/book/', href: '/a/book/', name: 'Contacts', kind: 'contacts' as const },
        ],
      },
    } as unknown as UserBackends;
    const list = await listHierarchy('alice', backends, folderMap as never);
    const byName = Object.fromEntries(list.map((e) => [e.displayName, e]));
    expect(byName.Inbox!.type).toBe(FolderType.DefaultInbox);
    expect(byName.Sub!.parentId).toBe(byName.Inbox!.collectionId);
    expect(byName.Outbox!.type).toBe(FolderType.DefaultOutbox);
    expect(byName.Calendar!.type).toBe(FolderType.DefaultCalendar);
    expect(byName.Work!.type).toBe(FolderType.UserCreatedCalendar);
    expect(byName.Tasks!.type).toBe(FolderType.DefaultTasks);
    expect(byName.Contacts!.type).toBe(FolderType.DefaultContacts);
    const again = await listHierarchy('alice', backends, folderMap as never);
    expect(again).toEqual(list);
  });
});
