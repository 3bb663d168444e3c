import { chownSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ImapFlow } from 'imapflow';
import { child, childText, el, elements, type TagRef, type WbxmlElement } from '../../src/wbxml/index.js';
import { eas, type EasAnswer } from './eas-client.js';
import { folderSync, provision } from './eas-requests.js';
import { testBackends } from './backend-matrix.js';
import { testEnv } from './test-env.js';

// A device that syncs mail, and direct IMAP access to change the mailbox behind its back.

export interface SyncCollectionSpec {
  syncKey: string;
  collectionId: string;
  /** MS-ASCMD 2.2.3.168: the elements the client handles (sent with SyncKey 0). */
  supported?: TagRef[];
  getChanges?: boolean;
  deletesAsMoves?: boolean;
  windowSize?: number;
  filterType?: number;
  bodyPreference?: { type: number; truncationSize?: number; allOrNone?: boolean; preview?: number }[];
  mimeSupport?: number;
  conflict?: number;
  commands?: WbxmlElement[];
}

export function syncRequest(collections: SyncCollectionSpec[], extra: WbxmlElement[] = []): WbxmlElement {
  return el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      collections.map((c) =>
        el(
          'AirSync:Collection',
          el('AirSync:SyncKey', c.syncKey),
          el('AirSync:CollectionId', c.collectionId),
          c.supported &&
            el(
              'AirSync:Supported',
              c.supported.map((tag) => el(tag)),
            ),
          c.deletesAsMoves !== undefined && el('AirSync:DeletesAsMoves', c.deletesAsMoves ? 1 : 0),
          c.getChanges !== undefined && el('AirSync:GetChanges', c.getChanges ? 1 : 0),
          c.windowSize !== undefined && el('AirSync:WindowSize', c.windowSize),
          el(
            'AirSync:Options',
            c.filterType !== undefined && el('AirSync:FilterType', c.filterType),
            c.conflict !== undefined && el('AirSync:Conflict', c.conflict),
            c.mimeSupport !== undefined && el('AirSync:MIMESupport', c.mimeSupport),
            (c.bodyPreference ?? [{ type: 1, truncationSize: 500 }]).map((p) =>
              el(
                'AirSyncBase:BodyPreference',
                el('AirSyncBase:Type', p.type),
                p.truncationSize !== undefined && el('AirSyncBase:TruncationSize', p.truncationSize),
                p.allOrNone && el('AirSyncBase:AllOrNone', 1),
                p.preview !== undefined && el('AirSyncBase:Preview', p.preview),
              ),
            ),
          ),
          c.commands && c.commands.length > 0 && el('AirSync:Commands', c.commands),
        ),
      ),
    ),
    extra,
  );
}

/** An ItemOperations request with one Fetch from the mailbox store. */
export function itemOperationsFetch(...children: WbxmlElement[]): WbxmlElement {
  return el(
    'ItemOperations:ItemOperations',
    el('ItemOperations:Fetch', el('ItemOperations:Store', 'Mailbox'), children),
  );
}

export interface CollectionAnswer {
  syncKey: string | undefined;
  status: string | undefined;
  moreAvailable: boolean;
  adds: { serverId: string; data: WbxmlElement }[];
  changes: { serverId: string; data: WbxmlElement }[];
  deletes: string[];
  softDeletes: string[];
  responses: WbxmlElement[];
}

export function collectionsOf(body: WbxmlElement | undefined): Map<string, CollectionAnswer> {
  const out = new Map<string, CollectionAnswer>();
  const collections = body && child(body, 'AirSync:Collections');
  for (const c of collections ? elements(collections, 'AirSync:Collection') : []) {
    const commands = child(c, 'AirSync:Commands');
    const list = (tag: 'AirSync:Add' | 'AirSync:Change') =>
      (commands ? elements(commands, tag) : []).map((a) => ({
        serverId: childText(a, 'AirSync:ServerId')!,
        data: child(a, 'AirSync:ApplicationData')!,
      }));
    const ids = (tag: 'AirSync:Delete' | 'AirSync:SoftDelete') =>
      (commands ? elements(commands, tag) : []).map((d) => childText(d, 'AirSync:ServerId')!);
    const responses = child(c, 'AirSync:Responses');
    out.set(childText(c, 'AirSync:CollectionId')!, {
      syncKey: childText(c, 'AirSync:SyncKey'),
      status: childText(c, 'AirSync:Status'),
      moreAvailable: child(c, 'AirSync:MoreAvailable') !== undefined,
      adds: list('AirSync:Add'),
      changes: list('AirSync:Change'),
      deletes: ids('AirSync:Delete'),
      softDeletes: ids('AirSync:SoftDelete'),
      responses: responses ? elements(responses) : [],
    });
  }
  return out;
}

export class MailDevice {
  policyKey = '';
  folders = new Map<string, string>();
  /** FolderSync Type by ServerId. */
  types = new Map<string, number>();
  /** DisplayName by ServerId (two folders may share a name, e.g. one DAV collection as calendar and tasks). */
  names = new Map<string, string>();

  constructor(
    readonly app: FastifyInstance,
    readonly user: string,
    readonly version = '14.1',
    readonly deviceId = `MS${randomBytes(5).toString('hex').toUpperCase()}`,
  ) {}

  async onboard(): Promise<void> {
    this.policyKey = await provision(this.app, {
      user: this.user,
      version: this.version,
      deviceId: this.deviceId,
    });
    await this.folderSync();
  }

  async folderSync(): Promise<void> {
    const res = await this.call('FolderSync', folderSync('0'));
    const changes = child(res.body!, 'FolderHierarchy:Changes')!;
    this.folders.clear();
    this.types.clear();
    this.names.clear();
    for (const add of elements(changes, 'FolderHierarchy:Add')) {
      const id = childText(add, 'FolderHierarchy:ServerId')!;
      this.folders.set(childText(add, 'FolderHierarchy:DisplayName')!, id);
      this.types.set(id, Number(childText(add, 'FolderHierarchy:Type')));
      this.names.set(id, childText(add, 'FolderHierarchy:DisplayName')!);
    }
  }

  /** ServerIds of the folders of a FolderSync Type, in the order FolderSync listed them. */
  idsOfType(type: number): string[] {
    return [...this.types].filter(([, t]) => t === type).map(([id]) => id);
  }

  /**
   * The folder of one of the FolderSync Types named `name` (case-insensitive): a seeded collection
   * whichever folder the server's own default collection took (Cyrus's "personal", Xandikos's "calendar").
   */
  idNamed(name: string, types: number[]): string {
    const id = [...this.names].find(
      ([i, n]) => n.toLowerCase() === name.toLowerCase() && types.includes(this.types.get(i)!),
    )?.[0];
    if (id === undefined) throw new Error(`no folder ${name} of types ${types.join('/')}`);
    return id;
  }

  idOf(name: string): string {
    const id = this.folders.get(name);
    if (id === undefined) throw new Error(`no folder ${name}: ${[...this.folders.keys()].join(', ')}`);
    return id;
  }

  call(cmd: string, body?: WbxmlElement): Promise<EasAnswer> {
    return eas(this.app, {
      cmd,
      body,
      user: this.user,
      version: this.version,
      deviceId: this.deviceId,
      policyKey: this.policyKey,
    });
  }

  async sync(collections: SyncCollectionSpec[], extra: WbxmlElement[] = []) {
    const res = await this.call('Sync', syncRequest(collections, extra));
    if (res.status !== 200) throw new Error(`Sync answered HTTP ${res.status} ${res.text}`);
    return { res, collections: collectionsOf(res.body) };
  }

  /** SyncKey 0, then GetChanges until MoreAvailable is gone; returns every Add and the last key. */
  async initialSync(collectionId: string, spec: Partial<SyncCollectionSpec> = {}) {
    const first = await this.sync([{ ...spec, syncKey: '0', collectionId }]);
    let syncKey = first.collections.get(collectionId)!.syncKey!;
    const adds: { serverId: string; data: WbxmlElement }[] = [];
    let rounds = 0;
    for (;;) {
      const { collections } = await this.sync([{ windowSize: 100, ...spec, syncKey, collectionId }]);
      const c = collections.get(collectionId);
      if (c === undefined) break; // empty response: nothing (more) to send
      if (c.status !== '1') throw new Error(`Sync status ${c.status}`);
      adds.push(...c.adds);
      syncKey = c.syncKey!;
      rounds++;
      if (!c.moreAvailable) break;
    }
    return { syncKey, adds, rounds };
  }
}

/** A logged-in imapflow client of the selected IMAP server (backend matrix). */
export async function imapAs(user: string): Promise<ImapFlow> {
  const env = testEnv();
  const client = new ImapFlow({
    host: env.host,
    port: testBackends().imapPort,
    secure: false,
    auth: { user, pass: 'password' },
    logger: false,
    qresync: true,
  });
  await client.connect();
  return client;
}

export function message(
  subject: string,
  opts: { from?: string; body?: string; date?: Date; headers?: string } = {},
): Buffer {
  const date = (opts.date ?? new Date()).toUTCString().replace('GMT', '+0000');
  return Buffer.from(
    [
      `From: ${opts.from ?? 'Carol Example <carol@example.test>'}`,
      'To: Bob <bob@example.test>',
      `Subject: ${subject}`,
      `Date: ${date}`,
      `Message-ID: <${randomBytes(8).toString('hex')}@example.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      ...(opts.headers ? [opts.headers] : []),
      '',
      opts.body ?? `Hello, this is ${subject}.`,
      '',
    ].join('\r\n'),
  );
}

/**
 * Writes messages straight into a folder's Maildir `new/` (Dovecot picks them up on its next look):
 * thousands per second, where IMAP APPEND manages about 700.
 */
export function injectIntoMaildir(user: string, folderPath: string, messages: Buffer[]): void {
  const runDir = process.env.EAS_TEST_RUN_DIR ?? new URL('../env/run/', import.meta.url).pathname;
  const dir = `${runDir.replace(/\/?$/, '/')}mail/${user}/Maildir/.${folderPath.replaceAll('/', '.')}`;
  const owner = statSync(dir);
  mkdirSync(`${dir}/new`, { recursive: true });
  const stamp = Math.floor(Date.now() / 1000);
  messages.forEach((m, i) => {
    const file = `${dir}/new/${stamp}.M${i}P${process.pid}R${randomBytes(4).toString('hex')}.test`;
    writeFileSync(file, m);
    chownSync(file, owner.uid, owner.gid);
  });
}

/** UIDs of the messages with `subject` in `mailbox` once there are `count` of them, or after `ms`. */
export async function waitForSubject(
  client: ImapFlow,
  mailbox: string,
  subject: string,
  count = 1,
  ms = 5000,
): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const lock = await client.getMailboxLock(mailbox);
    try {
      await client.noop();
      const found = (await client.search({ subject }, { uid: true })) || [];
      if (found.length >= count || Date.now() >= until) return found;
    } finally {
      lock.release();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
