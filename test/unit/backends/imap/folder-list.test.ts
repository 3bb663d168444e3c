import { describe, expect, it } from 'vitest';
import { buildFolders, type ListedMailbox } from '../../../../src/backends/imap/folder-list.js';
import { assignRoles } from '../../../../src/backends/imap/folder-roles.js';

const box = (path: string, flags: string[] = [], mailboxId?: string, delimiter = '/'): ListedMailbox => ({
  path,
  delimiter,
  flags: new Set(flags),
  mailboxId,
});

describe('buildFolders', () => {
  it('keys folders by server id, else by path, and adds the virtual Outbox last', () => {
    const folders = buildFolders([box('INBOX', [], 'g1'), box('Work')]);
    expect(folders).toEqual([
      { key: 'imap:id:g1', path: 'INBOX', name: 'INBOX', parentKey: undefined, role: 'inbox' },
      { key: 'imap:path:Work', path: 'Work', name: 'Work', parentKey: undefined, role: 'other' },
      { key: 'virtual:outbox', path: '', name: 'Outbox', parentKey: undefined, role: 'outbox' },
    ]);
  });

  it('shows the folders of an "INBOX." personal namespace (Courier) at the top level', () => {
    const courier = (path: string, flags: string[] = []): ListedMailbox => ({
      ...box(path, flags, undefined, '.'),
      personalNamespace: 'INBOX.',
    });
    const folders = buildFolders([
      courier('INBOX'),
      courier('INBOX.Sent'),
      courier('INBOX.Work'),
      courier('INBOX.Work.2024'),
    ]);
    expect(folders.map((f) => [f.path, f.name, f.parentKey, f.role])).toEqual([
      ['INBOX', 'INBOX', undefined, 'inbox'],
      ['INBOX.Sent', 'Sent', undefined, 'sent'],
      ['INBOX.Work', 'Work', undefined, 'other'],
      ['INBOX.Work.2024', '2024', 'imap:path:INBOX.Work', 'other'],
      ['', 'Outbox', undefined, 'outbox'],
    ]);
  });

  it('lists parents before children', () => {
    const folders = buildFolders([
      box('a/b/c', [], 'c'),
      box('a/b', [], 'b'),
      box('a', [], 'a'),
      box('INBOX', [], 'i'),
    ]);
    expect(folders.map((f) => [f.path, f.parentKey])).toEqual([
      ['INBOX', undefined],
      ['a', undefined],
      ['a/b', 'imap:id:a'],
      ['a/b/c', 'imap:id:b'],
      ['', undefined],
    ]);
  });

  it('leaves out \\Noselect and \\NonExistent mailboxes and hangs their children from the nearest listed ancestor', () => {
    const folders = buildFolders([
      box('INBOX'),
      box('top', [], 't'),
      box('top/hole', ['\\NOSELECT', '\\HasChildren']),
      box('top/hole/leaf', [], 'l'),
      box('gone', ['\\NonExistent']),
      box('gone/kid', [], 'k'),
    ]);
    expect(folders.map((f) => f.path)).not.toContain('top/hole');
    expect(folders.map((f) => f.path)).not.toContain('gone');
    expect(folders.find((f) => f.path === 'top/hole/leaf')).toMatchObject({
      name: 'leaf',
      parentKey: 'imap:id:t',
    });
    expect(folders.find((f) => f.path === 'gone/kid')).toMatchObject({ name: 'kid', parentKey: undefined });
  });

  it('treats a NIL delimiter as a flat namespace', () => {
    const folders = buildFolders([box('INBOX', [], undefined, ''), box('a/b', [], undefined, '')]);
    expect(folders.find((f) => f.path === 'a/b')).toMatchObject({ name: 'a/b', parentKey: undefined });
  });
});

describe('assignRoles', () => {
  it('maps RFC 6154 special-use flags, case-insensitively, one folder per role', () => {
    const roles = assignRoles([
      box('INBOX'),
      box('Entwürfe', ['\\drafts']),
      box('Gesendet', ['\\Sent']),
      box('Old/Sent', ['\\Sent']),
      box('Papierkorb', ['\\Trash']),
      box('Spam', ['\\Junk']),
      box('Archiv', ['\\Archive']),
      box('Alle', ['\\All']),
    ]);
    expect(Object.fromEntries(roles)).toEqual({
      INBOX: 'inbox',
      Entwürfe: 'drafts',
      Gesendet: 'sent',
      Papierkorb: 'trash',
      Spam: 'junk',
      Archiv: 'archive',
    });
  });

  it('falls back to well-known names for roles no flag claims', () => {
    const roles = assignRoles([
      box('inbox'),
      box('DRAFTS'),
      box('Sent Items'),
      box('Sent'),
      box('Deleted Messages'),
      box('spam'),
      box('Archive'),
      box('Projects/Trash'),
    ]);
    expect(Object.fromEntries(roles)).toEqual({
      inbox: 'inbox',
      DRAFTS: 'drafts',
      Sent: 'sent',
      'Deleted Messages': 'trash',
      spam: 'junk',
    });
  });

  it('finds well-known names under an "INBOX." namespace', () => {
    const roles = assignRoles([
      box('INBOX', [], undefined, '.'),
      box('INBOX.Trash', [], undefined, '.'),
      box('INBOX.Sent Messages', [], undefined, '.'),
    ]);
    expect(roles.get('INBOX.Trash')).toBe('trash');
    expect(roles.get('INBOX.Sent Messages')).toBe('sent');
  });

  it('keeps the flagged folder when another one only has the name', () => {
    const roles = assignRoles([box('INBOX'), box('Trash'), box('Bin', ['\\Trash'])]);
    expect(roles.get('Bin')).toBe('trash');
    expect(roles.get('Trash')).toBeUndefined();
  });
});
