import { describe, expect, it } from 'vitest';
import type { ListedMailbox } from '../../../../src/backends/imap/folder-list.js';
import { FolderTree } from '../../../../src/backends/imap/folder-tree.js';
import { BackendError, type BackendErrorKind } from '../../../../src/backends/types.js';

const box = (path: string, flags: string[] = []): ListedMailbox => ({
  path,
  delimiter: '/',
  flags: new Set(flags),
  mailboxId: path,
});

const tree = new FolderTree([
  box('INBOX'),
  box('Sent', ['\\Sent']),
  box('Work'),
  box('Work/2024'),
  box('Work/2024/Q1'),
  box('Shell', ['\\Noselect']),
  box('Shell/Inner'),
  box('Holder'),
  box('Holder/Drafts', ['\\Drafts']),
]);

function kindOf(fn: () => unknown): BackendErrorKind | 'returned' {
  try {
    fn();
    return 'returned';
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    return err.kind;
  }
}

describe('FolderTree', () => {
  it('finds folders by key and says not-found otherwise', () => {
    expect(tree.byKey('imap:id:Work').path).toBe('Work');
    expect(kindOf(() => tree.byKey('imap:id:nope'))).toBe('not-found');
  });

  it('builds child and sibling paths with the delimiter', () => {
    expect(tree.childPath(undefined, 'New')).toBe('New');
    expect(tree.childPath(tree.byKey('imap:id:Work'), 'New')).toBe('Work/New');
    expect(tree.siblingPath(tree.byKey('imap:id:Work/2024'), '2025')).toBe('Work/2025');
    // The \Noselect prefix stays when a child of it is renamed in place.
    expect(tree.siblingPath(tree.byKey('imap:id:Shell/Inner'), 'Other')).toBe('Shell/Other');
  });

  it('creates top-level folders in the personal namespace ("INBOX." on Courier)', () => {
    const courier = new FolderTree(
      ['INBOX', 'INBOX.Work'].map((path) => ({ ...box(path), delimiter: '.', personalNamespace: 'INBOX.' })),
    );
    expect(courier.childPath(undefined, 'New')).toBe('INBOX.New');
    expect(courier.childPath(courier.byKey('imap:id:INBOX.Work'), 'Sub')).toBe('INBOX.Work.Sub');
    expect(courier.siblingPath(courier.byKey('imap:id:INBOX.Work'), 'Play')).toBe('INBOX.Play');
  });

  it("answers 'exists' for the path of a listed folder, not for a \\Noselect level", () => {
    expect(kindOf(() => tree.childPath(undefined, 'Work'))).toBe('exists');
    expect(kindOf(() => tree.childPath(tree.byKey('imap:id:Work'), '2024'))).toBe('exists');
    expect(kindOf(() => tree.siblingPath(tree.byKey('imap:id:Work/2024'), 'Q1'))).toBe('returned');
    expect(kindOf(() => tree.siblingPath(tree.byKey('imap:id:Holder'), 'Work'))).toBe('exists');
    expect(tree.childPath(undefined, 'Shell')).toBe('Shell');
  });

  it('refuses names with the delimiter, control characters or nothing, and folders under the Outbox', () => {
    expect(kindOf(() => tree.childPath(undefined, 'a/b'))).toBe('permanent');
    expect(kindOf(() => tree.childPath(undefined, 'a\r\nb'))).toBe('permanent');
    expect(kindOf(() => tree.childPath(undefined, ''))).toBe('permanent');
    expect(kindOf(() => tree.childPath(tree.byKey('virtual:outbox'), 'x'))).toBe('permanent');
  });

  it('protects special folders and the folders holding one', () => {
    expect(kindOf(() => tree.assertMutable(tree.byKey('imap:id:INBOX'), 'delete'))).toBe('permanent');
    expect(kindOf(() => tree.assertMutable(tree.byKey('imap:id:Sent'), 'rename'))).toBe('permanent');
    expect(kindOf(() => tree.assertMutable(tree.byKey('virtual:outbox'), 'delete'))).toBe('permanent');
    expect(kindOf(() => tree.assertMutable(tree.byKey('imap:id:Holder'), 'delete'))).toBe('permanent');
    expect(kindOf(() => tree.assertMutable(tree.byKey('imap:id:Work'), 'delete'))).toBe('returned');
  });

  it('lists descendants deepest first', () => {
    expect(tree.descendantsOf(tree.byKey('imap:id:Work'))).toEqual(['Work/2024/Q1', 'Work/2024']);
    expect(tree.descendantsOf(tree.byKey('imap:id:Work/2024/Q1'))).toEqual([]);
  });
});
