import {
  BackendError,
  type Backends,
  type CollectionStore,
  type Credentials,
  type DavCollection,
  type MailboxDelta,
  type MailChangeFeed,
  type MailboxState,
  type MailFolder,
  type MailStore,
  type MessageFlags,
  type MessageStore,
  type SmtpEnvelope,
  type OofStore,
  type UserBackends,
} from '../../src/backends/types.js';
import type { DavCollectionKind } from '../../src/model/folder-type.js';
import type { OofSettings } from '../../src/model/oof.js';
import { bodyFetchKey, type BodyFetch, type MailMessage } from '../../src/model/mail-message.js';
import type { Directory, MailSearchHit, MailSearchQuery } from '../../src/backends/types.js';

/** A stored message of the fake: enough to answer every MessageStore call. */
export interface FakeMessage {
  uid: number;
  flags: string[];
  modseq: bigint;
  internalDate: Date;
  subject: string;
  body: string;
  /** From and To of an appended message (deliver() leaves them to the defaults). */
  from?: { name: string; address: string };
  to?: { name: string; address: string };
}

interface FakeFolder {
  uidValidity: number;
  uidNext: number;
  messages: FakeMessage[];
  vanished: Map<number, bigint>;
}

/** In-memory backends for protocol tests; the real ones are tested against Dovecot and Radicale. */
export class FakeMail implements MailStore, MessageStore, MailChangeFeed {
  /** Set false to act like a server without CONDSTORE/QRESYNC. */
  modseqs = true;
  private modseq = 1n;
  private boxes = new Map<string, FakeFolder>();
  private watchers = new Set<{ keys: Set<string>; onChange: (key: string) => void }>();

  get watching(): boolean {
    return this.watchers.size > 0;
  }
  watch(folderKeys: readonly string[], onChange: (folderKey: string) => void): () => void {
    const w = { keys: new Set(folderKeys), onChange };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
  /** Tells watchers the folder may have changed (also what a backend does for its own noise). */
  changed(key: string): void {
    for (const w of [...this.watchers]) if (w.keys.has(key)) queueMicrotask(() => w.onChange(key));
  }

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
    const f = { ...this.folders[i]!, parentKey, name, path: name };
    this.folders[i] = f;
    return f;
  }
  async deleteFolder(key: string): Promise<void> {
    const f = this.folders.find((x) => x.key === key);
    if (f === undefined) throw new BackendError('not-found', key);
    if (f.role !== 'other') throw new BackendError('permanent', 'special folder');
    // Its subfolders go with it (MS-ASCMD FolderDelete), as on IMAP.
    const gone = new Set([key]);
    for (let grew = true; grew; ) {
      const before = gone.size;
      for (const x of this.folders) if (x.parentKey !== undefined && gone.has(x.parentKey)) gone.add(x.key);
      grew = gone.size > before;
    }
    this.folders = this.folders.filter((x) => !gone.has(x.key));
  }

  // --- messages -------------------------------------------------------------------------------

  box(key: string): FakeFolder {
    let b = this.boxes.get(key);
    if (b === undefined) {
      if (!this.folders.some((f) => f.key === key)) throw new BackendError('not-found', key);
      b = { uidValidity: 1, uidNext: 1, messages: [], vanished: new Map() };
      this.boxes.set(key, b);
    }
    return b;
  }
  deliver(
    key: string,
    subject: string,
    opts: Partial<Pick<FakeMessage, 'from' | 'to'>> & { flags?: string[]; date?: Date; body?: string } = {},
  ): number {
    const b = this.box(key);
    const uid = b.uidNext++;
    b.messages.push({
      uid,
      flags: opts.flags ?? [],
      modseq: ++this.modseq,
      internalDate: opts.date ?? new Date('2026-11-20T10:00:00Z'),
      subject,
      body: opts.body ?? `Body of ${subject}`,
      ...(opts.from && { from: opts.from }),
      ...(opts.to && { to: opts.to }),
    });
    this.changed(key);
    return uid;
  }
  setFlags(key: string, uid: number, flags: string[]): void {
    const m = this.box(key).messages.find((x) => x.uid === uid);
    if (m === undefined) throw new Error(`no uid ${uid}`);
    m.flags = flags;
    m.modseq = ++this.modseq;
    this.changed(key);
  }
  expunge(key: string, uid: number): void {
    const b = this.box(key);
    b.messages = b.messages.filter((x) => x.uid !== uid);
    b.vanished.set(uid, ++this.modseq);
    this.changed(key);
  }
  async mailboxState(folderKey: string): Promise<MailboxState> {
    const b = this.box(folderKey);
    return {
      uidValidity: b.uidValidity,
      uidNext: b.uidNext,
      messages: b.messages.length,
      highestModseq: this.modseqs ? this.modseq : undefined,
    };
  }
  async searchUids(folderKey: string, since: Date | undefined) {
    const state = await this.mailboxState(folderKey);
    const uids = this.box(folderKey)
      .messages.filter((m) => since === undefined || m.internalDate >= since)
      .map((m) => m.uid);
    return { state, uids };
  }
  async changesSince(folderKey: string, modseq: bigint): Promise<MailboxDelta> {
    const b = this.box(folderKey);
    return {
      state: await this.mailboxState(folderKey),
      changed: b.messages.filter((m) => m.modseq > modseq).map(flagsOf),
      vanished: [...b.vanished].filter(([, at]) => at > modseq).map(([uid]) => uid),
    };
  }
  async listFlags(folderKey: string, uids: string | undefined) {
    const wanted = uids === undefined ? undefined : new Set(expandSet(uids));
    const messages = this.box(folderKey)
      .messages.filter((m) => wanted === undefined || wanted.has(m.uid))
      .map(flagsOf);
    return { state: await this.mailboxState(folderKey), messages };
  }
  async fetchMessages(folderKey: string, uids: readonly number[]): Promise<MailMessage[]> {
    const wanted = new Set(uids);
    return this.box(folderKey)
      .messages.filter((m) => wanted.has(m.uid))
      .map((m) => ({
        uid: m.uid,
        flags: [...m.flags],
        internalDate: m.internalDate,
        size: m.body.length + 100,
        envelope: {
          subject: m.subject,
          from: [m.from ?? { name: 'Bob', address: 'bob@example.test' }],
          sender: [],
          replyTo: [],
          to: [m.to ?? { name: 'Alice', address: 'alice@example.test' }],
          cc: [],
          bcc: [],
          messageId: `<${m.uid}@example.test>`,
        },
        headers: {},
        structure: {
          section: '1',
          type: 'text/plain',
          params: { charset: 'utf-8' },
          encoding: '7bit',
          size: m.body.length,
          dispositionParams: {},
          children: [],
        },
      }));
  }
  async fetchBodies(folderKey: string, requests: ReadonlyMap<number, readonly BodyFetch[]>) {
    const out = new Map<number, Map<string, Uint8Array>>();
    for (const [uid, fetches] of requests) {
      const m = this.box(folderKey).messages.find((x) => x.uid === uid);
      if (m === undefined) continue;
      const perUid = new Map<string, Uint8Array>();
      for (const f of fetches) {
        const text = f.section === undefined ? `Subject: ${m.subject}\r\n\r\n${m.body}` : m.body;
        const bytes = Buffer.from(text);
        perUid.set(bodyFetchKey(f), f.maxBytes === undefined ? bytes : bytes.subarray(0, f.maxBytes));
      }
      out.set(uid, perUid);
    }
    return out;
  }
  async storeFlags(
    folderKey: string,
    uids: readonly number[],
    add: readonly string[],
    remove: readonly string[],
  ): Promise<MessageFlags[]> {
    const out: MessageFlags[] = [];
    for (const m of this.box(folderKey).messages) {
      if (!uids.includes(m.uid)) continue;
      const next = [...new Set([...m.flags.filter((f) => !remove.includes(f)), ...add])];
      if (next.join() !== m.flags.join()) {
        m.flags = next;
        m.modseq = ++this.modseq;
        this.changed(folderKey);
      }
      out.push({ uid: m.uid, flags: [...m.flags], modseq: BigInt(m.modseq) });
    }
    return out;
  }
  async moveMessages(folderKey: string, uids: readonly number[], targetKey: string) {
    const from = this.box(folderKey);
    const to = this.box(targetKey);
    const map = new Map<number, number>();
    for (const m of from.messages.filter((x) => uids.includes(x.uid))) {
      this.expunge(folderKey, m.uid);
      const uid = to.uidNext++;
      to.messages.push({ ...m, uid, modseq: ++this.modseq });
      map.set(m.uid, uid);
    }
    return map;
  }
  async expungeMessages(folderKey: string, uids: readonly number[]): Promise<void> {
    for (const uid of uids)
      if (this.box(folderKey).messages.some((m) => m.uid === uid)) this.expunge(folderKey, uid);
  }
  /** Like IMAP APPEND: received now, headers and body as given. */
  async appendMessage(folderKey: string, raw: Uint8Array, flags: readonly string[]): Promise<number> {
    const text = Buffer.from(raw).toString();
    const split = text.indexOf('\r\n\r\n');
    const head = split < 0 ? text : text.slice(0, split);
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim();
    return this.deliver(folderKey, header('Subject') ?? '', {
      flags: [...flags],
      date: new Date(),
      body: split < 0 ? '' : text.slice(split + 4),
      ...(header('From') && { from: mailbox(header('From')!) }),
      ...(header('To') && { to: mailbox(header('To')!) }),
    });
  }
  /** MailSearch as IMAP would answer it: every word in subject or body, dates on internalDate. */
  async searchMail(query: MailSearchQuery): Promise<MailSearchHit[]> {
    const words = (query.freeText ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const hits: MailSearchHit[] = [];
    for (const folderKey of query.folderKeys) {
      if (!this.boxes.has(folderKey) && !this.folders.some((f) => f.key === folderKey)) continue;
      if (folderKey === 'virtual:outbox') continue;
      for (const m of this.box(folderKey).messages) {
        const text = `${m.subject}\n${m.body}`.toLowerCase();
        if (!words.every((w) => text.includes(w))) continue;
        if (query.receivedAfter && m.internalDate < query.receivedAfter) continue;
        if (query.receivedBefore && m.internalDate >= query.receivedBefore) continue;
        hits.push({ folderKey, uid: m.uid, received: m.internalDate });
      }
    }
    return hits.sort((a, b) => b.received.getTime() - a.received.getTime() || b.uid - a.uid);
  }
}

/** `Name <address>` or a bare address (RFC 5322 section 3.4, the simple forms). */
function mailbox(value: string): { name: string; address: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  return m ? { name: m[1]!, address: m[2]! } : { name: '', address: value.trim() };
}

function flagsOf(m: FakeMessage): MessageFlags {
  return { uid: m.uid, flags: [...m.flags], modseq: m.modseq, internalDate: m.internalDate };
}

function expandSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',').filter(Boolean)) {
    const [a, b] = part.split(':').map(Number) as [number, number | undefined];
    for (let u = a; u <= (b ?? a); u++) out.push(u);
  }
  return out;
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
  /** What SendMail handed to SMTP. */
  sent: { message: Uint8Array; envelope: SmtpEnvelope }[];
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
    sent: [],
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
        mailChanges: world.mail,
        submitter: {
          submit: async (message, envelope) => {
            world.sent.push({ message, envelope });
          },
        },
        close: async () => undefined,
      };
    },
    async close() {},
  };
  return world;
}

/** A GAL of vCards, searched like CardDavDirectory: FN, EMAIL or NICKNAME contains the text. */
export class FakeDirectory implements Directory {
  constructor(public cards: string[] = []) {}
  async search(query: string, limit: number): Promise<{ entries: string[]; total: number }> {
    const q = query.trim().toLowerCase();
    const field = (card: string, name: string): string[] =>
      [...card.matchAll(new RegExp(`^${name}[;:][^\\n]*`, 'gim'))].map((m) =>
        m[0].slice(m[0].indexOf(':') + 1),
      );
    const found =
      q === ''
        ? []
        : this.cards.filter((c) =>
            ['FN', 'EMAIL', 'NICKNAME'].some((n) => field(c, n).some((v) => v.toLowerCase().includes(q))),
          );
    const fn = (c: string): string => field(c, 'FN')[0] ?? '';
    found.sort((a, b) => fn(a).localeCompare(fn(b)));
    return { entries: found.slice(0, limit), total: found.length };
  }
}
