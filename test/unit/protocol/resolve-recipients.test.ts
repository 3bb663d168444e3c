import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackendError,
  type Backends,
  type DavCollectionDelta,
  type DavItem,
  type DavItemStore,
  type DavItemVersion,
  type UserBackends,
} from '../../../src/backends/types.js';
import { busyIntervals, mergedFreeBusy } from '../../../src/sync/free-busy.js';
import { child, childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { FakeDirectory, fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { MailDevice } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// ResolveRecipients (MS-ASCMD 2.2.1.15) over a fake GAL, address book and calendar; the same
// against Radicale in test/integration/search.test.ts.

/** A self-signed X.509 certificate (DER, base64) for cert.holder@example.test. */
const CERT =
  'MIIB0DCCAXWgAwIBAgIUTSIKlLRU8erC1au0lwLT8v25BecwCgYIKoZIzj0EAwIwPTESMBAGA1UEAwwJVGVzdCBDZXJ0MScwJQYJKoZIhvcNAQkBFhhjZXJ0LmhvbGRlckBleGFtcGxlLnRlc3QwHhcNMjYxMTIzMDkyNTA4WhcNMzYxMTIwMDkyNTA4WjA9MRIwEAYDVQQDDAlUZXN0IENlcnQxJzAlBgkqhkiG9w0BCQEWGGNlcnQuaG9sZGVyQGV4YW1wbGUudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABERrHQj7FPJYzf0NywIJNY+5YT5P1nuMfbkGbLS+BozObts0tJGHEFipVVvxk9b0W3ojmhcPYI5m6qvqdFbZVj2jUzBRMB0GA1UdDgQWBBRUe28wjmVL0dN94AWmrl0/ZJhmAjAfBgNVHSMEGDAWgBRUe28wjmVL0dN94AWmrl0/ZJhmAjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDDP98650J07IUsaljy0HyxkI880tFlF2Wm8ZU17mgRPAIhAP+m57C4y6zv7iZADHsn9tS1cMSneR6OkcuR6dBNC1dX';

const card = (first: string, last: string, email: string, extra: string[] = []): string =>
  [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `N:${last};${first};;;`,
    `FN:${first} ${last}`,
    `EMAIL;TYPE=INTERNET:${email}`,
    ...extra,
    'END:VCARD',
    '',
  ].join('\r\n');

const STANDUP = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  'BEGIN:VEVENT',
  'UID:standup@test',
  'DTSTAMP:20250101T000000Z',
  'DTSTART:20250106T083000Z',
  'DTEND:20250106T090000Z',
  'RRULE:FREQ=DAILY;COUNT=5',
  'SUMMARY:Standup',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:standup@test',
  'DTSTAMP:20250101T000000Z',
  'RECURRENCE-ID:20250107T083000Z',
  'DTSTART:20250107T100000Z',
  'DTEND:20250107T101500Z',
  'STATUS:TENTATIVE',
  'SUMMARY:Standup (moved)',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** DAV items held in memory, per collection key. */
class FakeDavItems implements DavItemStore {
  constructor(readonly items: Map<string, Map<string, string>>) {}
  async changesSince(key: string): Promise<DavCollectionDelta> {
    const changed: DavItemVersion[] = [...(this.items.get(key) ?? new Map()).keys()].map((name) => ({
      name,
      etag: '"1"',
    }));
    return { token: undefined, complete: true, changed, removed: [] };
  }
  async fingerprint(): Promise<string> {
    return '1';
  }
  async getItems(key: string, names: readonly string[]): Promise<DavItem[]> {
    const c = this.items.get(key) ?? new Map<string, string>();
    return names.flatMap((name) => {
      const text = c.get(name);
      return text === undefined ? [] : [{ name, etag: '"1"', text }];
    });
  }
  async putItem(): Promise<DavItemVersion> {
    throw new BackendError('permanent', 'read-only');
  }
  async deleteItem(): Promise<void> {
    throw new BackendError('permanent', 'read-only');
  }
}

function withExtras(world: FakeWorld, extra: Partial<UserBackends>): Backends {
  return { ...world, forUser: (c) => ({ ...world.forUser(c), ...extra }) };
}

let world: FakeWorld;
let directory: FakeDirectory;
let t: TestApp;
let d: MailDevice;

beforeEach(async () => {
  world = fakeBackends();
  directory = new FakeDirectory([
    card('Alice', 'Example', 'alice@example.test'),
    card('Julia', 'Schmidt', 'julia.schmidt@example.test'),
    card('Laura', 'Schmidt', 'laura.schmidt@example.test'),
    card('Cert', 'Holder', 'cert.holder@example.test', [`KEY;ENCODING=b;TYPE=X509:${CERT}`]),
  ]);
  const contactItems = new FakeDavItems(
    new Map([
      [
        'dav:/alice/contacts/',
        new Map([
          ['max.vcf', card('Max', 'Mustermann', 'max@partner.test', [`KEY;ENCODING=b;TYPE=X509:${CERT}`])],
          ['jean.vcf', card('Jean', 'Dupont', 'jean.dupont@client.test')],
        ]),
      ],
    ]),
  );
  const calendarItems = new FakeDavItems(
    new Map([['dav:/alice/calendar/', new Map([['standup.ics', STANDUP]])]]),
  );
  t = await testApp(withExtras(world, { directory, contactItems, calendarItems }));
  d = new MailDevice(t.app, 'alice', '14.1', 'UNITRESOLVE1');
  await d.onboard();
});
afterEach(async () => t.close());

const resolve = (to: string[], options: WbxmlElement[] = []): WbxmlElement =>
  el(
    'ResolveRecipients:ResolveRecipients',
    to.map((x) => el('ResolveRecipients:To', x)),
    options.length > 0 && el('ResolveRecipients:Options', options),
  );

const availability = (start: string, end?: string): WbxmlElement =>
  el(
    'ResolveRecipients:Availability',
    el('ResolveRecipients:StartTime', start),
    end !== undefined && el('ResolveRecipients:EndTime', end),
  );

function responses(body: WbxmlElement | undefined) {
  expect(childText(body!, 'ResolveRecipients:Status')).toBe('1');
  return elements(body!, 'ResolveRecipients:Response').map((r) => ({
    to: childText(r, 'ResolveRecipients:To'),
    status: childText(r, 'ResolveRecipients:Status'),
    count: childText(r, 'ResolveRecipients:RecipientCount'),
    recipients: elements(r, 'ResolveRecipients:Recipient'),
  }));
}

describe('ResolveRecipients', () => {
  it('resolves an address in the contacts (Type 2) and one in the GAL (Type 1)', async () => {
    const [contact, gal, unknown] = responses(
      (
        await d.call(
          'ResolveRecipients',
          resolve(['max@partner.test', 'Julia Schmidt <julia.schmidt@example.test>', 'x@y.test']),
        )
      ).body,
    );
    expect(contact!.status).toBe('1');
    expect(contact!.count).toBe('1');
    const max = contact!.recipients[0]!;
    expect(childText(max, 'ResolveRecipients:Type')).toBe('2');
    expect(childText(max, 'ResolveRecipients:DisplayName')).toBe('Max Mustermann');
    expect(childText(max, 'ResolveRecipients:EmailAddress')).toBe('max@partner.test');
    expect(childText(gal!.recipients[0]!, 'ResolveRecipients:Type')).toBe('1');
    expect(childText(gal!.recipients[0]!, 'ResolveRecipients:EmailAddress')).toBe(
      'julia.schmidt@example.test',
    );
    expect(unknown!.status).toBe('4');
    expect(unknown!.count).toBe('0');
  });

  it('answers an ambiguous name with suggestions (2), or a partial list (3) past MaxAmbiguousRecipients', async () => {
    const [all] = responses((await d.call('ResolveRecipients', resolve(['schmidt']))).body);
    expect(all!.status).toBe('2');
    expect(all!.recipients.map((r) => childText(r, 'ResolveRecipients:EmailAddress'))).toEqual([
      'julia.schmidt@example.test',
      'laura.schmidt@example.test',
    ]);
    const [partial] = responses(
      (
        await d.call(
          'ResolveRecipients',
          resolve(['schmidt'], [el('ResolveRecipients:MaxAmbiguousRecipients', 1)]),
        )
      ).body,
    );
    expect(partial!.status).toBe('3');
    expect(partial!.count).toBe('1');
  });

  it('returns certificates from vCard KEY (Status 1), 7 when there is none, 8 past MaxCertificates', async () => {
    const retrieval = el('ResolveRecipients:CertificateRetrieval', 2);
    const [gal, contact, without] = responses(
      (
        await d.call(
          'ResolveRecipients',
          resolve(['cert.holder@example.test', 'max@partner.test', 'jean.dupont@client.test'], [retrieval]),
        )
      ).body,
    );
    for (const r of [gal!, contact!]) {
      const certs = child(r.recipients[0]!, 'ResolveRecipients:Certificates')!;
      expect(childText(certs, 'ResolveRecipients:Status')).toBe('1');
      expect(childText(certs, 'ResolveRecipients:CertificateCount')).toBe('1');
      expect(childText(certs, 'ResolveRecipients:Certificate')).toBe(CERT);
    }
    const none = child(without!.recipients[0]!, 'ResolveRecipients:Certificates')!;
    expect(childText(none, 'ResolveRecipients:Status')).toBe('7');

    const [, limited] = responses(
      (
        await d.call(
          'ResolveRecipients',
          resolve(
            ['cert.holder@example.test', 'max@partner.test'],
            [retrieval, el('ResolveRecipients:MaxCertificates', 1)],
          ),
        )
      ).body,
    );
    const over = child(limited!.recipients[0]!, 'ResolveRecipients:Certificates')!;
    expect(childText(over, 'ResolveRecipients:Status')).toBe('8');
    expect(childText(over, 'ResolveRecipients:Certificate')).toBeUndefined();
  });

  it('gives the user’s own free/busy from the calendar, one digit per 30 minutes', async () => {
    const [own, other] = responses(
      (
        await d.call(
          'ResolveRecipients',
          resolve(
            ['alice@example.test', 'julia.schmidt@example.test'],
            [availability('2025-01-07T08:00:00.000Z', '2025-01-07T11:00:00.000Z')],
          ),
        )
      ).body,
    );
    const a = child(own!.recipients[0]!, 'ResolveRecipients:Availability')!;
    expect(childText(a, 'ResolveRecipients:Status')).toBe('1');
    // 08:00–11:00 on the 7th: the daily 08:30 standup moved to 10:00–10:15 and made tentative.
    expect(childText(a, 'ResolveRecipients:MergedFreeBusy')).toBe('000010');
    const o = child(other!.recipients[0]!, 'ResolveRecipients:Availability')!;
    expect(childText(o, 'ResolveRecipients:Status')).toBe('163');
    expect(childText(o, 'ResolveRecipients:MergedFreeBusy')).toBeUndefined();
  });

  it('refuses an Availability window under 30 minutes or over 42 days with Status 5', async () => {
    for (const window of [
      availability('2025-01-07T08:00:00.000Z', '2025-01-07T08:10:00.000Z'),
      availability('2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z'),
      availability('not a date'),
    ]) {
      const res = await d.call('ResolveRecipients', resolve(['alice@example.test'], [window]));
      expect(childText(res.body!, 'ResolveRecipients:Status')).toBe('5');
      expect(elements(res.body!, 'ResolveRecipients:Response')).toHaveLength(0);
    }
  });

  it('answers Server error (6) when the directory fails', async () => {
    directory.search = async () => {
      throw new BackendError('temporary', 'down');
    };
    const res = await d.call('ResolveRecipients', resolve(['someone']));
    expect(childText(res.body!, 'ResolveRecipients:Status')).toBe('6');
  });
});

describe('MergedFreeBusy (MS-ASCMD 2.2.3.107)', () => {
  const window = { start: Date.parse('2025-01-06T08:00:00Z'), end: Date.parse('2025-01-06T11:00:00Z') };

  it('marks each 30-minute slot with the highest status touching it', () => {
    const merged = mergedFreeBusy(
      [
        { start: Date.parse('2025-01-06T08:30:00Z'), end: Date.parse('2025-01-06T09:00:00Z'), status: 2 },
        { start: Date.parse('2025-01-06T09:10:00Z'), end: Date.parse('2025-01-06T09:20:00Z'), status: 1 },
        { start: Date.parse('2025-01-06T09:15:00Z'), end: Date.parse('2025-01-06T10:05:00Z'), status: 3 },
      ],
      window,
    );
    expect(merged).toBe('023330');
  });

  it('expands recurrences with their exceptions, leaves free and cancelled events out', () => {
    const week = { start: Date.parse('2025-01-06T00:00:00Z'), end: Date.parse('2025-01-13T00:00:00Z') };
    const iv = busyIntervals(STANDUP, week);
    expect(iv.map((i) => [new Date(i.start).toISOString(), i.status])).toEqual([
      ['2025-01-06T08:30:00.000Z', 2],
      ['2025-01-07T10:00:00.000Z', 1],
      ['2025-01-08T08:30:00.000Z', 2],
      ['2025-01-09T08:30:00.000Z', 2],
      ['2025-01-10T08:30:00.000Z', 2],
    ]);
    const free = STANDUP.replace('SUMMARY:Standup\r\n', 'SUMMARY:Standup\r\nTRANSP:TRANSPARENT\r\n');
    expect(busyIntervals(free, week).map((i) => i.status)).toEqual([1]);
  });

  it('reads a TZID without VTIMEZONE as an IANA zone', () => {
    const ny = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:ny@test',
      'DTSTART;TZID=America/New_York:20250106T093000',
      'DTEND;TZID=America/New_York:20250106T100000',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const [iv] = busyIntervals(ny, {
      start: Date.parse('2025-01-06T00:00:00Z'),
      end: Date.parse('2025-01-07T00:00:00Z'),
    });
    expect(new Date(iv!.start).toISOString()).toBe('2025-01-06T14:30:00.000Z');
  });
});
