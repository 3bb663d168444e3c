import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, type Backends, type UserBackends } from '../../../src/backends/types.js';
import { child, childText, el, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { FakeDirectory, fakeBackends, type FakeWorld } from '../../support/fake-backends.js';
import { itemOperationsFetch, MailDevice } from '../../support/mail-sync.js';
import { testApp, type TestApp } from '../../support/test-app.js';

// Find (MS-ASCMD 2.2.1.2, 16.1) over the fake mailbox and directory.

const card = (first: string, last: string, email: string): string =>
  [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `N:${last};${first};;;`,
    `FN:${first} ${last}`,
    `EMAIL:${email}`,
    'END:VCARD',
    '',
  ].join('\r\n');
const GAL_CARDS = [
  card('Julia', 'Schmidt', 'julia.schmidt@example.test'),
  card('Laura', 'Schmidt', 'laura.schmidt@example.test'),
  card('Carol', 'Jensen', 'carol.jensen@example.test'),
];

function withExtras(world: FakeWorld, extra: Partial<UserBackends>): Backends {
  return { ...world, forUser: (c) => ({ ...world.forUser(c), ...extra }) };
}

let world: FakeWorld;
let t: TestApp;
let d: MailDevice;

beforeEach(async () => {
  world = fakeBackends();
  world.mail.deliver('m:inbox', 'Quarterly report', {
    date: new Date('2026-01-10T10:00:00Z'),
    body: 'The numbers are in.',
  });
  world.mail.deliver('m:inbox', 'Lunch', { date: new Date('2026-02-10T10:00:00Z'), body: 'pizza' });
  world.mail.deliver('m:sent', 'Re: Quarterly report', { date: new Date('2026-03-10T10:00:00Z') });
  const directory = new FakeDirectory([...GAL_CARDS]);
  t = await testApp(withExtras(world, { mailSearch: world.mail, directory }));
  d = new MailDevice(t.app, 'alice', '16.1', 'UNITFIND1');
  await d.onboard();
});
afterEach(async () => t.close());

const SEARCH_ID = '8f2b4c1e-5d6a-4b7c-9e0f-1a2b3c4d5e6f';

const findMailbox = (query: WbxmlElement[], options: WbxmlElement[] = []): WbxmlElement =>
  el(
    'Find:Find',
    el('Find:SearchId', SEARCH_ID),
    el(
      'Find:ExecuteSearch',
      el(
        'Find:MailBoxSearchCriterion',
        el('Find:Query', el('AirSync:Class', 'Email'), query),
        el('Find:Options', options),
      ),
    ),
  );

const findGal = (text: string, options: WbxmlElement[] = []): WbxmlElement =>
  el(
    'Find:Find',
    el('Find:SearchId', SEARCH_ID),
    el(
      'Find:ExecuteSearch',
      el('Find:GalSearchCriterion', el('Find:Query', el('Find:FreeText', text)), el('Find:Options', options)),
    ),
  );

function responseOf(body: WbxmlElement | undefined) {
  const response = child(body!, 'Find:Response');
  return {
    status: childText(body!, 'Find:Status'),
    store: response && childText(response, 'ItemOperations:Store'),
    range: response && childText(response, 'Find:Range'),
    total: response && childText(response, 'Find:Total'),
    results: response ? elements(response, 'Find:Result') : [],
  };
}

describe('Find', () => {
  it('finds mail with the Find properties and a Preview, fetchable by ServerId', async () => {
    const res = await d.call(
      'Find',
      findMailbox([el('Find:FreeText', 'quarterly')], [el('Find:Range', '0-9')]),
    );
    expect(res.status).toBe(200);
    const r = responseOf(res.body);
    expect(r.status).toBe('1');
    expect(r.store).toBe('Mailbox');
    expect(r.total).toBe('2');
    expect(r.range).toBe('0-1');
    const [first, second] = r.results;
    expect(childText(first!, 'AirSync:CollectionId')).toBe(d.idOf('Sent'));
    const props = child(second!, 'Find:Properties')!;
    expect(childText(props, 'Email:Subject')).toBe('Quarterly report');
    expect(childText(props, 'Find:Preview')).toBe('The numbers are in.');
    expect(childText(props, 'Find:HasAttachments')).toBe('0');
    expect(childText(props, 'Email:Read')).toBe('0');
    expect(childText(props, 'Email2:IsDraft')).toBe('0');
    expect(child(props, 'AirSyncBase:Body')).toBeUndefined();

    const fetched = await d.call(
      'ItemOperations',
      itemOperationsFetch(
        el('AirSync:CollectionId', childText(second!, 'AirSync:CollectionId')!),
        el('AirSync:ServerId', childText(second!, 'AirSync:ServerId')!),
      ),
    );
    const fetch = child(child(fetched.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
    expect(childText(fetch, 'ItemOperations:Status')).toBe('1');
  });

  it('searches one folder when given its CollectionId', async () => {
    const r = responseOf(
      (
        await d.call(
          'Find',
          findMailbox([el('AirSync:CollectionId', d.idOf('Inbox')), el('Find:FreeText', 'quarterly')]),
        )
      ).body,
    );
    expect(r.total).toBe('1');
  });

  it('finds GAL entries', async () => {
    const r = responseOf((await d.call('Find', findGal('schmidt', [el('Find:Range', '0-0')]))).body);
    expect(r.status).toBe('1');
    expect(r.store).toBe('GAL');
    expect(r.total).toBe('2');
    expect(r.range).toBe('0-0');
    const props = child(r.results[0]!, 'Find:Properties')!;
    expect(childText(props, 'GAL:DisplayName')).toBe('Julia Schmidt');
    expect(childText(props, 'GAL:EmailAddress')).toBe('julia.schmidt@example.test');
  });

  it('answers FolderSync required (3) for an unknown folder, Invalid request (2) otherwise', async () => {
    const unknown = await d.call('Find', findMailbox([el('AirSync:CollectionId', '4711')]));
    expect(responseOf(unknown.body).status).toBe('3');
    const noCriterion = await d.call(
      'Find',
      el('Find:Find', el('Find:SearchId', SEARCH_ID), el('Find:ExecuteSearch')),
    );
    expect(responseOf(noCriterion.body).status).toBe('2');
    world.mail.searchMail = async () => {
      throw new BackendError('permanent', 'refused');
    };
    expect(responseOf((await d.call('Find', findMailbox([el('Find:FreeText', 'x')]))).body).status).toBe('2');
  });

  it('tells the client to retry later (111) when the mail server is down', async () => {
    world.mail.searchMail = async () => {
      throw new BackendError('temporary', 'down');
    };
    const res = await d.call('Find', findMailbox([el('Find:FreeText', 'x')]));
    expect(res.status).toBe(200);
    expect(childText(res.body!, 'Find:Status')).toBe('111');
  });
});
