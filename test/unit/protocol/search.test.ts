import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  type Backends,
  type MailSearchHit,
  type MailSearchQuery,
  type UserBackends,
} from '../../../src/backends/types.js';
import type { ImapFlow } from 'imapflow';
import { newestFirst, searchFolder, searchWords } from '../../../src/backends/imap/mail-search.js';
import type { CommandContext } from '../../../src/protocol/context.js';
import { searchMailbox } from '../../../src/protocol/search-mailbox.js';
import { child, childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { FakeDirectory, fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { itemOperationsFetch, MailDevice } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// Search (MS-ASCMD 2.2.1.16) over the fake mailbox and directory; the same against Dovecot and
// Radicale in test/integration/search.test.ts.

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const card = (first: string, last: string, email: string, extra: string[] = []): string =>
  [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `N:${last};${first};;;`,
    `FN:${first} ${last}`,
    `EMAIL;TYPE=INTERNET:${email}`,
    'TEL;TYPE=WORK:+49 30 1',
    ...extra,
    'END:VCARD',
    '',
  ].join('\r\n');

const GAL_CARDS = [
  card('Julia', 'Schmidt', 'julia.schmidt@example.test', [
    `PHOTO;ENCODING=b;TYPE=PNG:${PNG.toString('base64')}`,
  ]),
  card('Laura', 'Schmidt', 'laura.schmidt@example.test'),
  card('Carol', 'Jensen', 'carol.jensen@example.test'),
  card('David', 'Müller', 'david.mueller@example.test'),
  card('Eve', 'Okafor', 'eve.okafor@example.test'),
];

function withExtras(world: FakeWorld, extra: (base: UserBackends) => Partial<UserBackends>): Backends {
  return { ...world, forUser: (c) => ({ ...world.forUser(c), ...extra(world.forUser(c)) }) };
}

let world: FakeWorld;
let directory: FakeDirectory;
let t: TestApp;
let d: MailDevice;

beforeEach(async () => {
  world = fakeBackends();
  directory = new FakeDirectory([...GAL_CARDS]);
  world.mail.deliver('m:inbox', 'Quarterly report', {
    date: new Date('2026-01-10T10:00:00Z'),
    body: 'numbers',
  });
  world.mail.deliver('m:inbox', 'Lunch plans', {
    date: new Date('2026-02-10T10:00:00Z'),
    body: 'pizza report',
  });
  world.mail.deliver('m:sent', 'Re: Quarterly report', { date: new Date('2026-03-10T10:00:00Z') });
  world.mail.deliver('m:inbox', 'Old report', { date: new Date('2025-01-10T10:00:00Z') });
  t = await testApp(withExtras(world, () => ({ mailSearch: world.mail, directory })));
  d = new MailDevice(t.app, 'alice', '14.1', 'UNITSEARCH1');
  await d.onboard();
});
afterEach(async () => t.close());

const galSearch = (query: string, range?: string, picture?: WbxmlElement): WbxmlElement =>
  el(
    'Search:Search',
    el(
      'Search:Store',
      el('Search:Name', 'GAL'),
      el('Search:Query', query),
      el('Search:Options', range !== undefined && el('Search:Range', range), picture),
    ),
  );

const mailboxSearch = (query: WbxmlElement[], options: WbxmlElement[] = []): WbxmlElement =>
  el(
    'Search:Search',
    el(
      'Search:Store',
      el('Search:Name', 'Mailbox'),
      el('Search:Query', el('Search:And', el('AirSync:Class', 'Email'), query)),
      el('Search:Options', options),
    ),
  );

function storeOf(body: WbxmlElement | undefined) {
  expect(childText(body!, 'Search:Status')).toBe('1');
  const store = child(child(body!, 'Search:Response')!, 'Search:Store')!;
  const results = elements(store, 'Search:Result').filter((r) => r.children.length > 0);
  return {
    status: childText(store, 'Search:Status'),
    range: childText(store, 'Search:Range'),
    total: childText(store, 'Search:Total'),
    results,
    props: results.map((r) => child(r, 'Search:Properties')!),
  };
}

describe('Search GAL', () => {
  it('returns the Range of the matches sorted by name, with Total', async () => {
    const res = await d.call('Search', galSearch('example.test', '1-2'));
    const s = storeOf(res.body);
    expect(s.status).toBe('1');
    expect(s.total).toBe('5');
    expect(s.range).toBe('1-2');
    expect(s.props.map((p) => childText(p, 'GAL:DisplayName'))).toEqual(['David Müller', 'Eve Okafor']);
    expect(childText(s.props[0]!, 'GAL:EmailAddress')).toBe('david.mueller@example.test');
    expect(childText(s.props[0]!, 'GAL:LastName')).toBe('Müller');
  });

  it('gives photos (14.1 Picture) within MaxSize and MaxPictures, statuses otherwise', async () => {
    const picture = (maxSize?: number, maxPictures?: number) =>
      el(
        'Search:Picture',
        maxSize !== undefined && el('Search:MaxSize', maxSize),
        maxPictures !== undefined && el('Search:MaxPictures', maxPictures),
      );
    const ok = storeOf((await d.call('Search', galSearch('schmidt', undefined, picture(10_000)))).body);
    expect(ok.total).toBe('2');
    const julia = child(ok.props[0]!, 'GAL:Picture')!;
    expect(childText(julia, 'GAL:Status')).toBe('1');
    expect(Buffer.from(childText(julia, 'GAL:Data')!, 'base64')).toEqual(PNG);
    expect(childText(child(ok.props[1]!, 'GAL:Picture')!, 'GAL:Status')).toBe('173');

    const small = storeOf((await d.call('Search', galSearch('julia', undefined, picture(10)))).body);
    expect(childText(child(small.props[0]!, 'GAL:Picture')!, 'GAL:Status')).toBe('174');
    const none = storeOf((await d.call('Search', galSearch('julia', undefined, picture(undefined, 0)))).body);
    expect(childText(child(none.props[0]!, 'GAL:Picture')!, 'GAL:Status')).toBe('175');

    const plain = storeOf((await d.call('Search', galSearch('julia'))).body);
    expect(child(plain.props[0]!, 'GAL:Picture')).toBeUndefined();
  });

  it('answers no match with an empty Result and Total 0', async () => {
    const s = storeOf((await d.call('Search', galSearch('nobody-here'))).body);
    expect(s.status).toBe('1');
    expect(s.total).toBe('0');
    expect(s.range).toBeUndefined();
  });

  it('cuts a Range beyond 100 rows, and refuses a malformed one with Status 2', async () => {
    directory.cards = Array.from({ length: 150 }, (_, i) =>
      card(`P${String(i).padStart(3, '0')}`, 'X', `p${i}@x.test`),
    );
    const s = storeOf((await d.call('Search', galSearch('x.test', '0-149'))).body);
    expect(s.total).toBe('150');
    expect(s.range).toBe('0-99');
    expect(s.props).toHaveLength(100);
    expect(storeOf((await d.call('Search', galSearch('x', '9-1'))).body).status).toBe('2');
  });

  it('says Server error (3) in the Store when the directory fails', async () => {
    directory.search = async () => {
      throw new BackendError('temporary', 'GAL down');
    };
    expect(storeOf((await d.call('Search', galSearch('x'))).body).status).toBe('3');
  });
});

describe('Search Mailbox', () => {
  it('finds every word of FreeText in all folders, newest first, as fetchable Email items', async () => {
    const res = await d.call(
      'Search',
      mailboxSearch(
        [el('Search:FreeText', 'report')],
        [el('Search:Range', '0-1'), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))],
      ),
    );
    const s = storeOf(res.body);
    expect(s.total).toBe('4');
    expect(s.range).toBe('0-1');
    expect(s.props.map((p) => childText(p, 'Email:Subject'))).toEqual([
      'Re: Quarterly report',
      'Lunch plans',
    ]);
    const second = s.results[1]!;
    expect(childText(second, 'AirSync:Class')).toBe('Email');
    expect(childText(second, 'AirSync:CollectionId')).toBe(d.idOf('Inbox'));
    const longId = childText(second, 'Search:LongId')!;
    expect(childText(child(s.props[1]!, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe('pizza report');

    // MS-ASCMD 2.2.3.98.3: the LongId fetches the item (here as its ServerId, with its folder).
    const fetched = await d.call(
      'ItemOperations',
      itemOperationsFetch(el('AirSync:CollectionId', d.idOf('Inbox')), el('AirSync:ServerId', longId)),
    );
    const fetch = child(child(fetched.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
    expect(childText(fetch, 'ItemOperations:Status')).toBe('1');
    expect(childText(child(fetch, 'ItemOperations:Properties')!, 'Email:Subject')).toBe('Lunch plans');
  });

  it('limits to one folder, or to a date range', async () => {
    const inboxOnly = storeOf(
      (
        await d.call(
          'Search',
          mailboxSearch([
            el('AirSync:CollectionId', d.idOf('Inbox')),
            el('Search:FreeText', 'quarterly report'),
          ]),
        )
      ).body,
    );
    expect(inboxOnly.props.map((p) => childText(p, 'Email:Subject'))).toEqual(['Quarterly report']);

    const between = storeOf(
      (
        await d.call(
          'Search',
          mailboxSearch([
            el(
              'Search:GreaterThan',
              el('Email:DateReceived'),
              el('Search:Value', '2026-01-01T00:00:00.000Z'),
            ),
            el('Search:LessThan', el('Email:DateReceived'), el('Search:Value', '2026-03-01T00:00:00.000Z')),
          ]),
        )
      ).body,
    );
    expect(between.props.map((p) => childText(p, 'Email:Subject'))).toEqual([
      'Lunch plans',
      'Quarterly report',
    ]);
  });

  it('searches subfolders with DeepTraversal, and only the folder without it', async () => {
    const sub = await world.mail.createFolder('m:inbox', 'Projects');
    world.mail.deliver(sub.key, 'Project report', { date: new Date('2026-04-01T00:00:00Z') });
    await d.folderSync();
    const ask = (deep: boolean) =>
      d.call(
        'Search',
        mailboxSearch(
          [el('AirSync:CollectionId', d.idOf('Inbox')), el('Search:FreeText', 'report')],
          deep ? [el('Search:DeepTraversal')] : [],
        ),
      );
    expect(storeOf((await ask(false)).body).total).toBe('3');
    const deep = storeOf((await ask(true)).body);
    expect(deep.total).toBe('4');
    expect(childText(deep.results[0]!, 'AirSync:CollectionId')).toBe(d.idOf('Projects'));
  });

  it('maps failures to the Store status: unknown folder 11, refused query 8, server down 3', async () => {
    const unknown = await d.call('Search', mailboxSearch([el('AirSync:CollectionId', '4711')]));
    expect(storeOf(unknown.body).status).toBe('11');

    world.mail.searchMail = async () => {
      throw new BackendError('permanent', 'the IMAP server refused the SEARCH');
    };
    expect(storeOf((await d.call('Search', mailboxSearch([el('Search:FreeText', 'x')]))).body).status).toBe(
      '8',
    );
    world.mail.searchMail = async () => {
      throw new BackendError('temporary', 'connection lost');
    };
    expect(storeOf((await d.call('Search', mailboxSearch([el('Search:FreeText', 'x')]))).body).status).toBe(
      '3',
    );
    world.mail.searchMail = async () => {
      throw new BackendError('not-found', 'NONEXISTENT');
    };
    expect(storeOf((await d.call('Search', mailboxSearch([el('Search:FreeText', 'x')]))).body).status).toBe(
      '11',
    );
  });

  it('refuses what it cannot search with Status 8 (ConversationId), and a bad date with 2', async () => {
    const conv = await d.call('Search', mailboxSearch([el('Search:ConversationId', Buffer.alloc(16))]));
    expect(storeOf(conv.body).status).toBe('8');
    const bad = await d.call(
      'Search',
      mailboxSearch([el('Search:GreaterThan', el('Email:DateReceived'), el('Search:Value', 'yesterday'))]),
    );
    expect(storeOf(bad.body).status).toBe('2');
  });

  it('gives up after its time budget with Timed out (10)', async () => {
    world.mail.searchMail = (_q: MailSearchQuery, signal?: AbortSignal) =>
      new Promise<MailSearchHit[]>((_, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason as Error)),
      );
    const ctx = {
      backends: { ...world.forUser({ user: 'alice', password: 'password' }), mailSearch: world.mail },
      signal: new AbortController().signal,
      principal: { id: 'alice' },
      state: t.state,
    } as unknown as CommandContext;
    const out = await searchMailbox(
      ctx,
      { collectionIds: [], deepTraversal: false, classes: [] },
      { start: 0, end: 9 },
      30,
    );
    expect(out.kind).toBe('timeout');
  });
});

describe('IMAP mailbox search (backends/imap/mail-search.ts)', () => {
  /** Enough of imapflow for searchFolder: SEARCH answers from `answers`, FETCH gives dates. */
  function fakeClient(answers: (number[] | false)[]) {
    const searches: unknown[] = [];
    const client = {
      noop: async () => undefined,
      search: async (q: unknown) => {
        searches.push(q);
        return answers.shift() ?? [];
      },
      fetchAll: async (range: string) =>
        range
          .split(',')
          .map((u) => ({ uid: Number(u), internalDate: new Date(Date.UTC(2026, 0, Number(u))) })),
    };
    return { client: client as unknown as ImapFlow, searches };
  }

  it('searches word by word within the previous hits, and trims to the exact instants', async () => {
    const { client, searches } = fakeClient([
      [3, 5, 9],
      [5, 9],
    ]);
    const hits = await searchFolder(client, {
      folderKeys: ['k'],
      freeText: 'quarterly "annual report"',
      receivedBefore: new Date(Date.UTC(2026, 0, 9)),
    });
    expect(hits.map((h) => h.uid)).toEqual([5]);
    expect(searches).toEqual([
      { before: new Date(Date.UTC(2026, 0, 9)), text: 'quarterly' },
      { uid: '3,5,9', text: 'annual report' },
    ]);
  });

  it('turns a refused SEARCH (imapflow answers false for NO/BAD) into a permanent BackendError', async () => {
    const { client } = fakeClient([false]);
    const err = await searchFolder(client, { folderKeys: ['k'], freeText: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).kind).toBe('permanent');
  });

  it('splits free text into words, phrases kept, control characters dropped', () => {
    expect(searchWords('a  "b c"\r\nd\u0000e')).toEqual(['a', 'b c', 'd', 'e']);
    expect(searchWords(undefined)).toEqual([]);
  });

  it('orders hits of all folders newest first', () => {
    const at = (d: number) => new Date(Date.UTC(2026, 0, d));
    const sorted = newestFirst([
      { folderKey: 'a', uid: 1, received: at(1) },
      { folderKey: 'b', uid: 7, received: at(3) },
      { folderKey: 'a', uid: 2, received: at(3) },
    ]);
    expect(sorted.map((h) => `${h.folderKey}${h.uid}`)).toEqual(['b7', 'a2', 'a1']);
  });
});
