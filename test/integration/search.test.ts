import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardDavDirectory } from '../../src/backends/dav/directory.js';
import type { Directory, MailSearch, MessageStore } from '../../src/backends/types.js';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, itemOperationsFetch, MailDevice, message } from '../support/mail-sync.js';
import { testEnv } from '../support/test-env.js';
import { testBackends } from '../support/backend-matrix.js';

// Search, Find and ResolveRecipients against Dovecot and Radicale: the seeded GAL (/directory/gal/,
// 12 people) through CardDavDirectory, alice's seeded mail and calendars (only read), and per-run
// folders of bob's and per-run address books for what needs writing.

const env = testEnv();
const dav = `http://${env.host}:${env.davPort}`;
const run = randomBytes(3).toString('hex');
const folder = `Search-${run}`;
const token = `tok${run}`;
const galBook = `/directory/gal-test-${run}/`;
/** Where bob's address books live on the selected DAV server (backend matrix). */
const bobBook = `${testBackends().home('bob', 'addressbooks')}rr-test-${run}/`;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
/** A self-signed X.509 certificate (DER, base64). */
const CERT =
  'MIIB0DCCAXWgAwIBAgIUTSIKlLRU8erC1au0lwLT8v25BecwCgYIKoZIzj0EAwIwPTESMBAGA1UEAwwJVGVzdCBDZXJ0MScwJQYJKoZIhvcNAQkBFhhjZXJ0LmhvbGRlckBleGFtcGxlLnRlc3QwHhcNMjYxMTIzMDkyNTA4WhcNMzYxMTIwMDkyNTA4WjA9MRIwEAYDVQQDDAlUZXN0IENlcnQxJzAlBgkqhkiG9w0BCQEWGGNlcnQuaG9sZGVyQGV4YW1wbGUudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABERrHQj7FPJYzf0NywIJNY+5YT5P1nuMfbkGbLS+BozObts0tJGHEFipVVvxk9b0W3ojmhcPYI5m6qvqdFbZVj2jUzBRMB0GA1UdDgQWBBRUe28wjmVL0dN94AWmrl0/ZJhmAjAfBgNVHSMEGDAWgBRUe28wjmVL0dN94AWmrl0/ZJhmAjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDDP98650J07IUsaljy0HyxkI880tFlF2Wm8ZU17mgRPAIhAP+m57C4y6zv7iZADHsn9tS1cMSneR6OkcuR6dBNC1dX';

const fold = (line: string): string => line.replace(/(.{75})(?=.)/g, '$1\r\n ');
const vcard = (lines: string[]): string =>
  ['BEGIN:VCARD', 'VERSION:3.0', ...lines, 'END:VCARD', ''].join('\r\n');

async function davRequest(
  user: string,
  method: string,
  path: string,
  body?: string,
  type?: string,
): Promise<number> {
  const res = await fetch(/^https?:/.test(path) ? path : `${dav}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${user}:password`).toString('base64')}`,
      ...(type ? { 'content-type': type } : {}),
    },
    body,
  });
  await res.text();
  return res.status;
}

async function makeAddressBook(user: string, path: string, cards: Record<string, string>): Promise<void> {
  const mkcol =
    '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">' +
    '<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>' +
    '<D:displayname>Search test</D:displayname></D:prop></D:set></D:mkcol>';
  expect(await davRequest(user, 'MKCOL', path, mkcol, 'application/xml')).toBe(201);
  for (const [name, text] of Object.entries(cards))
    expect(await davRequest(user, 'PUT', `${path}${name}`, text, 'text/vcard; charset=utf-8')).toBe(201);
}

const seededGal = new CardDavDirectory({
  url: `${dav}/directory/gal/`,
  user: 'directory',
  password: 'password',
});
const testGal = new CardDavDirectory({ url: `${dav}${galBook}`, user: 'directory', password: 'password' });
let directory: Directory = seededGal;

let gateway: RealGateway;
let imap: ImapFlow;
let alice: MailDevice;
let bob: MailDevice;

const asMailSearch = (mail: MessageStore): MailSearch | undefined =>
  'searchMail' in mail ? (mail as MessageStore & MailSearch) : undefined;

beforeAll(async () => {
  gateway = await realGateway({
    userBackends: (base) => ({ ...base, mailSearch: asMailSearch(base.mail), directory }),
  });
  imap = await imapAs('bob');
  await imap.mailboxCreate(folder);
  await imap.mailboxCreate(testBackends().folder(`${folder}/Sub`));
  const dated = (subject: string, date: string, body: string) =>
    message(subject, { date: new Date(date), body });
  await imap.append(
    folder,
    dated(`January ${token}`, '2024-01-10T10:00:00Z', 'first'),
    [],
    new Date('2024-01-10T10:00:00Z'),
  );
  await imap.append(
    folder,
    dated(`February ${token}`, '2024-02-10T10:00:00Z', 'second'),
    [],
    new Date('2024-02-10T10:00:00Z'),
  );
  await imap.append(
    folder,
    dated('March', '2024-03-10T10:00:00Z', `third ${token} Straße`),
    [],
    new Date('2024-03-10T10:00:00Z'),
  );
  await imap.append(
    testBackends().folder(`${folder}/Sub`),
    dated(`April ${token}`, '2024-04-01T10:00:00Z', 'fourth'),
    [],
    new Date('2024-04-01T10:00:00Z'),
  );
  await makeAddressBook('directory', galBook, {
    'cert.vcf': vcard([
      `UID:search-test-cert-${run}`,
      'N:Holder;Cert;;;',
      'FN:Cert Holder',
      'EMAIL;TYPE=INTERNET:cert.holder@example.test',
      fold(`PHOTO;ENCODING=b;TYPE=PNG:${PNG.toString('base64')}`),
      fold(`KEY;ENCODING=b;TYPE=X509:${CERT}`),
    ]),
  });
  await makeAddressBook('bob', bobBook, {
    'partner.vcf': vcard([
      `UID:search-test-partner-${run}`,
      'N:Partner;Pat;;;',
      'FN:Pat Partner',
      'EMAIL;TYPE=INTERNET:pat@partner.test',
      fold(`KEY;ENCODING=b;TYPE=X509:${CERT}`),
    ]),
  });
  alice = new MailDevice(gateway.app, 'alice', '14.1');
  await alice.onboard();
  bob = new MailDevice(gateway.app, 'bob', '14.1');
  await bob.onboard();
});

afterAll(async () => {
  await imap?.mailboxDelete(testBackends().folder(`${folder}/Sub`)).catch(() => undefined);
  await imap?.mailboxDelete(folder).catch(() => undefined);
  await imap?.logout();
  await davRequest('directory', 'DELETE', galBook).catch(() => undefined);
  await davRequest('bob', 'DELETE', bobBook).catch(() => undefined);
  await gateway?.close();
});

const galSearch = (query: string, options: WbxmlElement[] = []): WbxmlElement =>
  el(
    'Search:Search',
    el('Search:Store', el('Search:Name', 'GAL'), el('Search:Query', query), el('Search:Options', options)),
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

describe('Search GAL over CardDAV', () => {
  it('finds the two Schmidts and non-ASCII names', async () => {
    const s = storeOf((await alice.call('Search', galSearch('schmidt'))).body);
    expect(s.total).toBe('2');
    expect(s.props.map((p) => childText(p, 'GAL:DisplayName'))).toEqual(['Julia Schmidt', 'Laura Schmidt']);
    expect(childText(s.props[0]!, 'GAL:Phone')).toBe('+49 30 9000 110');
    const muller = storeOf((await alice.call('Search', galSearch('müller'))).body);
    expect(muller.props.map((p) => childText(p, 'GAL:EmailAddress'))).toEqual(['david.mueller@example.test']);
    const helene = storeOf((await alice.call('Search', galSearch('Hélène'))).body);
    expect(helene.props.map((p) => childText(p, 'GAL:FirstName'))).toEqual(['Hélène']);
  });

  it('bounds a query matching everyone by the Range and reports the Total', async () => {
    const s = storeOf(
      (await alice.call('Search', galSearch('example.test', [el('Search:Range', '0-4')]))).body,
    );
    expect(s.total).toBe('12');
    expect(s.range).toBe('0-4');
    expect(s.props.map((p) => childText(p, 'GAL:DisplayName'))).toEqual([
      'Alice Example',
      'Bob Example',
      'Carol Jensen',
      'David Müller',
      'Eve Okafor',
    ]);
    const next = storeOf(
      (await alice.call('Search', galSearch('example.test', [el('Search:Range', '10-19')]))).body,
    );
    expect(next.range).toBe('10-11');
    expect(next.props.map((p) => childText(p, 'GAL:LastName'))).toEqual(['Sato', 'Schmidt']);
  });

  it('returns a photo (14.1 Picture)', async () => {
    directory = testGal;
    try {
      const picture = el('Search:Picture', el('Search:MaxSize', 4096), el('Search:MaxPictures', 5));
      const s = storeOf((await alice.call('Search', galSearch('holder', [picture]))).body);
      expect(s.total).toBe('1');
      const p = child(s.props[0]!, 'GAL:Picture')!;
      expect(childText(p, 'GAL:Status')).toBe('1');
      expect(Buffer.from(childText(p, 'GAL:Data')!, 'base64')).toEqual(PNG);
    } finally {
      directory = seededGal;
    }
  });
});

describe('Search Mailbox over IMAP', () => {
  it('finds FreeText in every folder, newest first, with Total, and the LongId fetches the item', async () => {
    await bob.folderSync();
    const res = await bob.call(
      'Search',
      mailboxSearch(
        [el('Search:FreeText', token)],
        [el('Search:Range', '0-2'), el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))],
      ),
    );
    const s = storeOf(res.body);
    expect(s.total).toBe('4');
    expect(s.range).toBe('0-2');
    expect(s.props.map((p) => childText(p, 'Email:Subject'))).toEqual([
      `April ${token}`,
      'March',
      `February ${token}`,
    ]);
    expect(childText(s.results[0]!, 'AirSync:CollectionId')).toBe(bob.idOf('Sub'));
    const march = s.results[1]!;
    expect(childText(child(s.props[1]!, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toContain('Straße');
    const fetched = await bob.call(
      'ItemOperations',
      itemOperationsFetch(
        el('AirSync:CollectionId', childText(march, 'AirSync:CollectionId')!),
        el('AirSync:ServerId', childText(march, 'Search:LongId')!),
      ),
    );
    const fetch = child(child(fetched.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
    expect(childText(fetch, 'ItemOperations:Status')).toBe('1');
    expect(childText(child(fetch, 'ItemOperations:Properties')!, 'Email:Subject')).toBe('March');
  });

  it('searches one folder, with DeepTraversal its subfolders, and a date range', async () => {
    await bob.folderSync();
    const inFolder = (deep: boolean, extra: WbxmlElement[] = []) =>
      bob.call(
        'Search',
        mailboxSearch(
          [el('AirSync:CollectionId', bob.idOf(folder)), el('Search:FreeText', token), ...extra],
          deep ? [el('Search:DeepTraversal')] : [],
        ),
      );
    expect(storeOf((await inFolder(false)).body).total).toBe('3');
    expect(storeOf((await inFolder(true)).body).total).toBe('4');
    const feb = storeOf(
      (
        await inFolder(true, [
          el('Search:GreaterThan', el('Email:DateReceived'), el('Search:Value', '2024-02-01T00:00:00.000Z')),
          el('Search:LessThan', el('Email:DateReceived'), el('Search:Value', '2024-03-10T09:00:00.000Z')),
        ])
      ).body,
    );
    expect(feb.props.map((p) => childText(p, 'Email:Subject'))).toEqual([`February ${token}`]);
  });

  it('searches alice’s seeded folders as Dovecot does, non-ASCII included', async () => {
    for (const word of ['Invoice', 'München']) {
      let expected = 0;
      const direct = await imapAs('alice');
      try {
        for (const box of await direct.list()) {
          if (box.flags.has('\\Noselect')) continue;
          const lock = await direct.getMailboxLock(box.path);
          try {
            expected += ((await direct.search({ text: word }, { uid: true })) || []).length;
          } finally {
            lock.release();
          }
        }
      } finally {
        await direct.logout();
      }
      const started = Date.now();
      const s = storeOf((await alice.call('Search', mailboxSearch([el('Search:FreeText', word)]))).body);
      console.log(`Search "${word}" over alice's mailbox: Total ${s.total} in ${Date.now() - started} ms`);
      expect(expected).toBeGreaterThan(0);
      expect(s.total).toBe(String(expected));
      expect(s.results.length).toBe(Math.min(expected, 100));
    }
  });

  it('answers FolderSync required (11) when the folder is gone from the IMAP server', async () => {
    const gone = `${folder}-gone`;
    await imap.mailboxCreate(gone);
    await bob.folderSync();
    const id = bob.idOf(gone);
    await imap.mailboxDelete(gone);
    const res = await bob.call(
      'Search',
      mailboxSearch([el('AirSync:CollectionId', id), el('Search:FreeText', 'x')]),
    );
    expect(storeOf(res.body).status).toBe('11');
  });

  it('searches for words with control characters in them instead of failing', async () => {
    const res = await bob.call('Search', mailboxSearch([el('Search:FreeText', `${token}\r\nFebruary`)]));
    const s = storeOf(res.body);
    expect(s.status).toBe('1');
    expect(s.props.map((p) => childText(p, 'Email:Subject'))).toEqual([`February ${token}`]);
  });
});

describe('Find over IMAP and CardDAV (16.1)', () => {
  it('finds mail and GAL entries', async () => {
    const d = new MailDevice(gateway.app, 'bob', '16.1');
    await d.onboard();
    const find = (criterion: WbxmlElement): WbxmlElement =>
      el(
        'Find:Find',
        el('Find:SearchId', '8f2b4c1e-5d6a-4b7c-9e0f-1a2b3c4d5e6f'),
        el('Find:ExecuteSearch', criterion),
      );
    const mail = await d.call(
      'Find',
      find(
        el(
          'Find:MailBoxSearchCriterion',
          el('Find:Query', el('AirSync:Class', 'Email'), el('Find:FreeText', token)),
          el('Find:Options', el('Find:Range', '0-1')),
        ),
      ),
    );
    const response = child(mail.body!, 'Find:Response')!;
    expect(childText(mail.body!, 'Find:Status')).toBe('1');
    expect(childText(response, 'Find:Total')).toBe('4');
    const results = elements(response, 'Find:Result');
    expect(results).toHaveLength(2);
    const props = child(results[1]!, 'Find:Properties')!;
    expect(childText(props, 'Email:Subject')).toBe('March');
    expect(childText(props, 'Find:Preview')).toContain(token);

    const gal = await d.call(
      'Find',
      find(el('Find:GalSearchCriterion', el('Find:Query', el('Find:FreeText', 'schmidt')))),
    );
    const g = child(gal.body!, 'Find:Response')!;
    expect(childText(g, 'Find:Total')).toBe('2');
    expect(
      elements(g, 'Find:Result').map((r) => childText(child(r, 'Find:Properties')!, 'GAL:EmailAddress')),
    ).toEqual(['julia.schmidt@example.test', 'laura.schmidt@example.test']);
  });
});

describe('ResolveRecipients over CardDAV and CalDAV', () => {
  const resolve = (to: string[], options: WbxmlElement[] = []): WbxmlElement =>
    el(
      'ResolveRecipients:ResolveRecipients',
      to.map((x) => el('ResolveRecipients:To', x)),
      options.length > 0 && el('ResolveRecipients:Options', options),
    );
  const recipientsOf = (body: WbxmlElement | undefined) => {
    expect(childText(body!, 'ResolveRecipients:Status')).toBe('1');
    return elements(body!, 'ResolveRecipients:Response').map((r) => ({
      status: childText(r, 'ResolveRecipients:Status'),
      recipients: elements(r, 'ResolveRecipients:Recipient'),
    }));
  };

  it('resolves a contact of the user (Type 2) and a colleague in the GAL (Type 1)', async () => {
    const [contact, colleague, ambiguous] = recipientsOf(
      (
        await alice.call(
          'ResolveRecipients',
          resolve(['max.mustermann@partner.test', 'julia.schmidt@example.test', 'Schmidt']),
        )
      ).body,
    );
    expect(contact!.status).toBe('1');
    expect(childText(contact!.recipients[0]!, 'ResolveRecipients:Type')).toBe('2');
    expect(childText(contact!.recipients[0]!, 'ResolveRecipients:EmailAddress')).toBe(
      'max.mustermann@partner.test',
    );
    expect(childText(colleague!.recipients[0]!, 'ResolveRecipients:Type')).toBe('1');
    expect(childText(colleague!.recipients[0]!, 'ResolveRecipients:DisplayName')).toBe('Julia Schmidt');
    expect(ambiguous!.status).toBe('2');
    expect(ambiguous!.recipients).toHaveLength(2);
  });

  it('returns S/MIME certificates from vCard KEY, from the GAL and from the user’s address book', async () => {
    const retrieval = el('ResolveRecipients:CertificateRetrieval', 2);
    const [own] = recipientsOf(
      (await bob.call('ResolveRecipients', resolve(['pat@partner.test'], [retrieval]))).body,
    );
    const certs = child(own!.recipients[0]!, 'ResolveRecipients:Certificates')!;
    expect(childText(own!.recipients[0]!, 'ResolveRecipients:Type')).toBe('2');
    expect(childText(certs, 'ResolveRecipients:Status')).toBe('1');
    expect(childText(certs, 'ResolveRecipients:Certificate')).toBe(CERT);

    directory = testGal;
    try {
      const [gal] = recipientsOf(
        (await bob.call('ResolveRecipients', resolve(['cert.holder@example.test'], [retrieval]))).body,
      );
      const g = child(gal!.recipients[0]!, 'ResolveRecipients:Certificates')!;
      expect(childText(g, 'ResolveRecipients:CertificateCount')).toBe('1');
      expect(childText(g, 'ResolveRecipients:Certificate')).toBe(CERT);
    } finally {
      directory = seededGal;
    }
    const [none] = recipientsOf(
      (await bob.call('ResolveRecipients', resolve(['julia.schmidt@example.test'], [retrieval]))).body,
    );
    expect(
      childText(child(none!.recipients[0]!, 'ResolveRecipients:Certificates')!, 'ResolveRecipients:Status'),
    ).toBe('7');
  });

  it('gives alice’s free/busy from her calendars: the weekly standup, its exception and EXDATE', async () => {
    const freeBusy = async (start: string, end: string): Promise<string | undefined> => {
      const [me] = recipientsOf(
        (
          await alice.call(
            'ResolveRecipients',
            resolve(
              ['alice@example.test'],
              [
                el(
                  'ResolveRecipients:Availability',
                  el('ResolveRecipients:StartTime', start),
                  el('ResolveRecipients:EndTime', end),
                ),
              ],
            ),
          )
        ).body,
      );
      const a = child(me!.recipients[0]!, 'ResolveRecipients:Availability')!;
      expect(childText(a, 'ResolveRecipients:Status')).toBe('1');
      return childText(a, 'ResolveRecipients:MergedFreeBusy');
    };
    // Monday 6 January 2025, 09:30–10:00 Berlin = 08:30–09:00 UTC.
    expect(await freeBusy('2025-01-06T08:00:00.000Z', '2025-01-06T10:00:00.000Z')).toBe('0200');
    // 7 January: sprint planning (the "Work" calendar) 10:00–11:30 Berlin.
    expect(await freeBusy('2025-01-07T08:00:00.000Z', '2025-01-07T11:00:00.000Z')).toBe('002220');
    // 20 January is an EXDATE; 27 January moved to Tuesday 28th 14:00–14:30 Berlin.
    expect(await freeBusy('2025-01-20T08:00:00.000Z', '2025-01-20T10:00:00.000Z')).toBe('0000');
    expect(await freeBusy('2025-01-27T08:00:00.000Z', '2025-01-27T10:00:00.000Z')).toBe('0000');
    expect(await freeBusy('2025-01-28T12:00:00.000Z', '2025-01-28T14:00:00.000Z')).toBe('0020');
    // After the switch to summer time: 09:30 Berlin is 07:30 UTC; the holiday on 14 March is free.
    expect(await freeBusy('2025-03-31T07:00:00.000Z', '2025-03-31T09:00:00.000Z')).toBe('0200');
    expect(await freeBusy('2025-03-14T00:00:00.000Z', '2025-03-15T00:00:00.000Z')).toBe('0'.repeat(48));
  });
});
