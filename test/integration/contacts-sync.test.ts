import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import type { DavCollection } from '../../src/backends/types.js';
import { child, childText, el, elements, toXml, type WbxmlElement } from '../../src/wbxml/index.js';
import { MailDevice } from '../support/mail-sync.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { testBackends } from '../support/backend-matrix.js';

// Contacts Sync against Radicale: alice's seeded address book read as it is, and bob's own test
// address book written through the device (adds, retried adds, changes, deletes, conflicts).

const davUrl = testBackends().davUrl;
const bobDav = new DavCollectionStore(
  { baseUrl: davUrl, kinds: ['contacts'] },
  { user: 'bob', password: 'password' },
);

let gw: RealGateway;
let book: DavCollection;

beforeAll(async () => {
  gw = await realGateway({ davPollSeconds: 1 });
  book = await bobDav.createCollection('contacts', `Test book ${randomBytes(3).toString('hex')}`);
});

afterAll(async () => {
  await bobDav.deleteCollection(book.key).catch(() => undefined);
  await gw?.close();
});

const CONTACTS = 9;
const USER_CONTACTS = 14;

function contactData(fields: Record<string, string>): WbxmlElement {
  return el(
    'AirSync:ApplicationData',
    Object.entries(fields).map(([tag, value]) => el(tag as 'Contacts:FirstName', value)),
  );
}

async function bobDevice(): Promise<{ device: MailDevice; id: string }> {
  const device = new MailDevice(gw.app, 'bob');
  await device.onboard();
  const id = device.folders.get(book.name);
  if (id === undefined) throw new Error(`no folder ${book.name}`);
  expect([CONTACTS, USER_CONTACTS]).toContain(device.types.get(id));
  return { device, id };
}

describe('Contacts Sync over CardDAV', () => {
  it("sends alice's seeded cards with their fields, then nothing more", async () => {
    const device = new MailDevice(gw.app, 'alice');
    await device.onboard();
    // The seeded "Contacts" (Cyrus and Xandikos add a default address book of their own).
    const id = device.idNamed('Contacts', [CONTACTS, USER_CONTACTS]);
    const { adds, syncKey } = await device.initialSync(id, { windowSize: 3 });
    expect(adds).toHaveLength(7);
    const xml = adds.map((a) => toXml(a.data)).join('\n');
    expect(xml).toContain('<contacts:MobilePhoneNumber>');
    expect(xml).toContain('<contacts:Birthday>');
    expect(xml).toContain('<contacts:Picture>');
    const again = await device.sync([{ syncKey, collectionId: id }]);
    expect(again.collections.get(id)).toBeUndefined(); // empty answer: nothing new
  });

  it('stores a device Add once, even when the device retries it', async () => {
    const { device, id } = await bobDevice();
    const { syncKey } = await device.initialSync(id);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', 'client-1'),
      contactData({
        'Contacts:FirstName': 'Dana',
        'Contacts:LastName': 'Retry',
        'Contacts:Email1Address': 'dana@example.test',
        'Contacts:MobilePhoneNumber': '+49 170 1111111',
      }),
    );
    const first = await device.sync([{ syncKey, collectionId: id, commands: [add] }]);
    const answer = first.collections.get(id)!;
    const serverId = childText(answer.responses[0]!, 'AirSync:ServerId');
    expect(childText(answer.responses[0]!, 'AirSync:Status')).toBe('1');
    // The device lost the answer and sends the same request again.
    const retry = await device.sync([{ syncKey, collectionId: id, commands: [add] }]);
    const again = retry.collections.get(id)!;
    expect(childText(again.responses[0]!, 'AirSync:ServerId')).toBe(serverId);
    expect(again.adds).toHaveLength(0);
    const delta = await bobDav.changesSince(book.key, undefined);
    const items = await bobDav.getItems(
      book.key,
      delta.changed.map((c) => c.name),
    );
    expect(items.filter((i) => i.text.includes('Retry'))).toHaveLength(1);
    expect(items.find((i) => i.text.includes('Retry'))!.text).toMatch(/TEL[^:\n]*:\+49 170 1111111/);
  });

  it('sends server-side adds, changes and deletes, and applies device changes and deletes', async () => {
    const { device, id } = await bobDevice();
    let { syncKey } = await device.initialSync(id);
    const uid = `srv-${randomBytes(4).toString('hex')}`;
    const card = (note: string) =>
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:Erik Server\r\nN:Server;Erik;;;\r\nNOTE:${note}\r\nX-KEEP-ME:yes\r\nEND:VCARD\r\n`;
    const v1 = await bobDav.putItem(book.key, `${uid}.vcf`, card('one'), { ifNoneMatch: '*' });

    let r = await device.sync([{ syncKey, collectionId: id }]);
    let c = r.collections.get(id)!;
    expect(c.adds).toHaveLength(1);
    const serverId = c.adds[0]!.serverId;
    expect(childText(c.adds[0]!.data, 'Contacts:FirstName')).toBe('Erik');
    syncKey = c.syncKey!;

    await bobDav.putItem(book.key, `${uid}.vcf`, card('two'), { ifMatch: v1.etag });
    r = await device.sync([{ syncKey, collectionId: id }]);
    c = r.collections.get(id)!;
    expect(c.changes.map((x) => x.serverId)).toEqual([serverId]);
    syncKey = c.syncKey!;

    // The device renames the contact: the unknown property stays on the server.
    const change = el(
      'AirSync:Change',
      el('AirSync:ServerId', serverId),
      contactData({ 'Contacts:FirstName': 'Erika', 'Contacts:LastName': 'Server' }),
    );
    r = await device.sync([{ syncKey, collectionId: id, commands: [change] }]);
    c = r.collections.get(id)!;
    expect(c.responses).toHaveLength(0);
    expect(c.changes).toHaveLength(0); // our own write is not echoed back
    syncKey = c.syncKey!;
    const [stored] = await bobDav.getItems(book.key, [`${uid}.vcf`]);
    expect(stored!.text).toContain('Erika');
    expect(stored!.text).toContain('X-KEEP-ME:yes');

    const del = el('AirSync:Delete', el('AirSync:ServerId', serverId));
    r = await device.sync([{ syncKey, collectionId: id, commands: [del] }]);
    syncKey = r.collections.get(id)?.syncKey ?? syncKey;
    expect(await bobDav.getItems(book.key, [`${uid}.vcf`])).toHaveLength(0);

    const other = `srv-${randomBytes(4).toString('hex')}`;
    await bobDav.putItem(book.key, `${other}.vcf`, card('x').replace(uid, other), { ifNoneMatch: '*' });
    r = await device.sync([{ syncKey, collectionId: id }]);
    c = r.collections.get(id)!;
    const otherId = c.adds[0]!.serverId;
    syncKey = c.syncKey!;
    await bobDav.deleteItem(book.key, `${other}.vcf`, undefined);
    r = await device.sync([{ syncKey, collectionId: id }]);
    expect(r.collections.get(id)!.deletes).toEqual([otherId]);
  });

  it('keeps what the device left out of Supported when its Change omits it (ghosting)', async () => {
    const { device, id } = await bobDevice();
    // MS-ASCMD 2.2.3.168: names, email and notes are the device's; phones are not, so they stay.
    const first = await device.sync([
      {
        syncKey: '0',
        collectionId: id,
        supported: ['Contacts:FirstName', 'Contacts:LastName', 'Contacts:Email1Address', 'AirSyncBase:Body'],
      },
    ]);
    let syncKey = first.collections.get(id)!.syncKey!;
    const uid = `ghost-${randomBytes(4).toString('hex')}`;
    await bobDav.putItem(
      book.key,
      `${uid}.vcf`,
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:Gina Ghost\r\nN:Ghost;Gina;;;\r\nEMAIL:gina@example.test\r\nTEL;TYPE=CELL:+49 170 5555555\r\nEND:VCARD\r\n`,
      { ifNoneMatch: '*' },
    );
    const r = await device.sync([{ syncKey, collectionId: id }]);
    const c = r.collections.get(id)!;
    syncKey = c.syncKey!;
    const change = el(
      'AirSync:Change',
      // The book holds the other tests' cards too.
      el(
        'AirSync:ServerId',
        c.adds.find((a) => childText(a.data, 'Contacts:LastName') === 'Ghost')!.serverId,
      ),
      contactData({ 'Contacts:FirstName': 'Gina', 'Contacts:LastName': 'Renamed' }),
    );
    await device.sync([{ syncKey, collectionId: id, commands: [change] }]);
    const [stored] = await bobDav.getItems(book.key, [`${uid}.vcf`]);
    expect(stored!.text).toContain('Renamed');
    expect(stored!.text).toContain('+49 170 5555555'); // ghosted: kept
    expect(stored!.text).not.toContain('gina@example.test'); // supported and left out: removed
  });

  it('answers a Change to a card changed on the server meanwhile with a conflict (server wins)', async () => {
    const { device, id } = await bobDevice();
    let { syncKey } = await device.initialSync(id);
    const uid = `cf-${randomBytes(4).toString('hex')}`;
    const card = (fn: string) =>
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEND:VCARD\r\n`;
    const v1 = await bobDav.putItem(book.key, `${uid}.vcf`, card('Before'), { ifNoneMatch: '*' });
    let r = await device.sync([{ syncKey, collectionId: id }]);
    const serverId = r.collections.get(id)!.adds[0]!.serverId;
    syncKey = r.collections.get(id)!.syncKey!;
    await bobDav.putItem(book.key, `${uid}.vcf`, card('Server'), { ifMatch: v1.etag });
    const change = el(
      'AirSync:Change',
      el('AirSync:ServerId', serverId),
      contactData({ 'Contacts:LastName': 'Device' }),
    );
    r = await device.sync([{ syncKey, collectionId: id, commands: [change] }]);
    const c = r.collections.get(id)!;
    expect(childText(c.responses[0]!, 'AirSync:Status')).toBe('7');
    expect(c.changes.map((x) => childText(x.data, 'Contacts:LastName'))).toEqual(['Server']);
  });

  it('reports the number of waiting changes in GetItemEstimate', async () => {
    const { device, id } = await bobDevice();
    const { syncKey } = await device.initialSync(id);
    const uid = `est-${randomBytes(4).toString('hex')}`;
    await bobDav.putItem(
      book.key,
      `${uid}.vcf`,
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:Est\r\nN:Est;;;;\r\nEND:VCARD\r\n`,
      { ifNoneMatch: '*' },
    );
    const res = await device.call(
      'GetItemEstimate',
      el(
        'GetItemEstimate:GetItemEstimate',
        el(
          'GetItemEstimate:Collections',
          el(
            'GetItemEstimate:Collection',
            el('AirSync:SyncKey', syncKey),
            el('GetItemEstimate:CollectionId', id),
          ),
        ),
      ),
    );
    const response = elements(res.body!, 'GetItemEstimate:Response')[0]!;
    expect(childText(child(response, 'GetItemEstimate:Collection')!, 'GetItemEstimate:Estimate')).toBe('1');
  });

  it('wakes a Ping on the address book when a card changes on the server', async () => {
    const { device, id } = await bobDevice();
    await device.initialSync(id);
    const ping = el(
      'Ping:Ping',
      el('Ping:HeartbeatInterval', 120),
      el('Ping:Folders', el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Contacts'))),
    );
    const pending = device.call('Ping', ping);
    await new Promise((r) => setTimeout(r, 300));
    const uid = `ping-${randomBytes(4).toString('hex')}`;
    const written = Date.now();
    await bobDav.putItem(
      book.key,
      `${uid}.vcf`,
      `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:Ping\r\nN:Ping;;;;\r\nEND:VCARD\r\n`,
      { ifNoneMatch: '*' },
    );
    const res = await pending;
    expect(childText(res.body!, 'Ping:Status')).toBe('2');
    expect(Date.now() - written).toBeLessThan(5000); // polled every second here
  });
});
