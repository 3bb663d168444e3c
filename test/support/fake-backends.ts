import {
  BackendError,
  type Backends,
  type CollectionStore,
  type Credentials,
  type DavCollection,
  type MailFolder,
  type MailStore,
  type OofStore,
  type UserBackends,
} from '../../src/backends/types.js';
import type { DavCollectionKind } from '../../src/model/folder-type.js';
import type { OofSettings } from '../../src/model/oof.js';

/** In-memory backends for protocol tests; the real ones are tested against Dovecot and Radicale. */
export class FakeMail implements MailStore {
  folders: MailFolder[] = [
    { key: 'm:inbox', path: 'INBOX', name: 'Inbox', parentKey: undefined, role: 'inbox' },
    { key: 'm:drafts', path: 'Drafts', name: 'Drafts', parentKey: undefined, role: 'drafts' },
    { key: 'm:sent', path: 'Sent', name: 'Sent', parentKey: undefined, role: 'sent' },
    { key: 'm:trash', path: 'Trash', name: 'Trash', parentKey: undefined, role: 'trash' },
    { key: 'virtual:outbox', path: '', name: 'Outbox', parentKey: undefined, role: 'outbox' },
  ];
  private next = 1;

  async listFolders(): Promise<MailFolder[]> {
    return [...this.folders];
  }
  async createFolder(parentKey: string | undefined, name: string): Promise<MailFolder> {
    if (this.folders.some((f) => f.parentKey === parentKey && f.name === name))
      throw new BackendError('exists', name);
    const f: MailFolder = { key: `m:new${this.next++}`, path: name, name, parentKey, role: 'other' };
    this.folders.push(f);
    return f;
  }
  async renameFolder(key: string, parentKey: string | undefined, name: string): Promise<MailFolder> {
    const i = this.folders.findIndex((f) => f.key === key);
    if (i === -1) throw new BackendError('not-found', key);
    if (this.folders[i]!.role !== 'other') throw new BackendError('permanent', 'special folder');
    const f = { ...this.folders[i]!, parentKey, name };
    this.folders[i] = f;
    return f;
  }
  async deleteFolder(key: string): Promise<void> {
    const f = this.folders.find((x) => x.key === key);
    if (f === undefined) throw new BackendError('not-found', key);
    if (f.role !== 'other') throw new BackendError('permanent', 'special folder');
    this.folders = this.folders.filter((x) => x.key !== key);
  }
}

export class FakeCollections implements CollectionStore {
  constructor(
    readonly kinds: readonly DavCollectionKind[],
    public collections: DavCollection[],
  ) {}
  async listCollections(): Promise<DavCollection[]> {
    return [...this.collections];
  }
  async createCollection(kind: DavCollectionKind, name: string): Promise<DavCollection> {
    const c = { key: `dav:/alice/${name}/`, href: `/alice/${name}/`, name, kind };
    this.collections.push(c);
    return c;
  }
  async renameCollection(key: string, name: string): Promise<DavCollection> {
    const c = this.collections.find((x) => x.key === key);
    if (c === undefined) throw new BackendError('not-found', key);
    const renamed = { ...c, name };
    this.collections = this.collections.map((x) => (x.key === key ? renamed : x));
    return renamed;
  }
  async deleteCollection(key: string): Promise<void> {
    this.collections = this.collections.filter((x) => x.key !== key);
  }
}

export class FakeOof implements OofStore {
  settings: OofSettings = { state: 'disabled' };
  async getOof(): Promise<OofSettings> {
    return this.settings;
  }
  async setOof(s: OofSettings): Promise<void> {
    this.settings = s;
  }
}

export interface FakeWorld extends Backends {
  mail: FakeMail;
  calendars: FakeCollections;
  contacts: FakeCollections;
  oof: FakeOof;
  down: boolean;
}

/** Users alice and bob with password `password`; `down` makes every login fail as unreachable. */
export function fakeBackends(): FakeWorld {
  const world: FakeWorld = {
    mail: new FakeMail(),
    calendars: new FakeCollections(
      ['calendar', 'tasks'],
      [
        { key: 'dav:/alice/calendar/', href: '/alice/calendar/', name: 'Calendar', kind: 'calendar' },
        { key: 'dav:/alice/tasks/', href: '/alice/tasks/', name: 'Tasks', kind: 'tasks' },
      ],
    ),
    contacts: new FakeCollections(
      ['contacts'],
      [{ key: 'dav:/alice/contacts/', href: '/alice/contacts/', name: 'Contacts', kind: 'contacts' }],
    ),
    oof: new FakeOof(),
    down: false,
    async verifyLogin(c: Credentials) {
      if (world.down) throw new BackendError('temporary', 'connection refused');
      if (!['alice', 'bob'].includes(c.user) || c.password !== 'password')
        throw new BackendError('auth', 'LOGIN failed');
    },
    forUser(): UserBackends {
      return {
        mail: world.mail,
        calendars: world.calendars,
        contacts: world.contacts,
        oof: world.oof,
        close: async () => undefined,
      };
    },
    async close() {},
  };
  return world;
}
