import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import type { DavCollection } from '../../src/backends/types.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import type { StateStore } from '../../src/state/types.js';
import { childText, el } from '../../src/wbxml/index.js';
import { openStateStore } from '../../src/wire.js';
import { imapAs, MailDevice, waitForSubject } from '../support/mail-sync.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { itWith, testBackends } from '../support/backend-matrix.js';

// A device's Add and SendMail retried after the gateway stopped between the side effect on the
// backend and recording the ClientId (issue 22, defect 3). The stop is simulated by a state store
// that fails that one write, so the request ends without an answer, as after a SIGKILL.

const bobDav = new DavCollectionStore(
  { baseUrl: testBackends().davUrl, kinds: ['contacts'] },
  { user: 'bob', password: 'password' },
);
const tag = randomBytes(4).toString('hex');

let inner: StateStore;
let gateway: RealGateway;
let book: DavCollection;
let bob: ImapFlow;
/** The next recordClientId for which this says yes fails. */
let failNext: ((scope: string, value: string) => boolean) | undefined;

beforeAll(async () => {
  inner = await openStateStore({
    ...DEFAULT_CONFIG,
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-once-')), 'state.sqlite') },
  });
  const state = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'recordClientId')
        return async (...args: Parameters<StateStore['recordClientId']>) => {
          if (failNext?.(args[1], args[3])) {
            failNext = undefined;
            throw new Error('simulated stop');
          }
          return target.recordClientId(...args);
        };
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  gateway = await realGateway({ state });
  book = await bobDav.createCollection('contacts', `Once ${tag}`);
  bob = await imapAs('bob');
});

afterAll(async () => {
  await bobDav.deleteCollection(book.key).catch(() => undefined);
  await bob?.logout();
  await gateway?.close();
  await inner?.close();
});

describe('exactly once across a stop between the backend write and the ClientId', () => {
  it('a contact Add retried after the stop is stored once', async () => {
    const device = new MailDevice(gateway.app, 'bob');
    await device.onboard();
    const id = device.folders.get(book.name)!;
    const { syncKey } = await device.initialSync(id);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', `once-${tag}`),
      el('AirSync:ApplicationData', el('Contacts:FirstName', 'Olga'), el('Contacts:LastName', `Once${tag}`)),
    );
    failNext = () => true;
    const lost = await device.call('Sync', syncRequestFor(syncKey, id, add));
    expect(lost.status).toBeGreaterThanOrEqual(500);
    const retry = await device.sync([{ syncKey, collectionId: id, commands: [add] }]);
    const answer = retry.collections.get(id)!;
    expect(childText(answer.responses[0]!, 'AirSync:Status')).toBe('1');
    const delta = await bobDav.changesSince(book.key, undefined);
    const items = await bobDav.getItems(
      book.key,
      delta.changed.map((c) => c.name),
    );
    expect(items.filter((i) => i.text.includes(`Once${tag}`))).toHaveLength(1);
    // The device's next Sync does not send its own card back.
    const next = await device.sync([{ syncKey: answer.syncKey!, collectionId: id }]);
    expect(next.collections.get(id)?.adds ?? []).toEqual([]);
  });

  itWith(
    ['smtpDelivery'],
    'a SendMail retried after the stop goes out under the same Message-ID, and no more after that',
    async () => {
      const device = new MailDevice(gateway.app, 'bob', '14.1');
      await device.onboard();
      const subject = `Once ${tag}`;
      const mime = Buffer.from(
        `From: bob@example.test\r\nTo: bob@example.test\r\nSubject: ${subject}\r\n\r\nOnly once, please.\r\n`,
      );
      const send = el(
        'ComposeMail:SendMail',
        el('ComposeMail:ClientId', `send-${tag}`),
        el('ComposeMail:Mime', mime),
      );
      // Stopped after the submission, before the outcome was recorded.
      failNext = (scope, value) => scope === 'sent-messages' && !value.startsWith('pending ');
      expect((await device.call('SendMail', send)).status).toBeGreaterThanOrEqual(500);
      expect((await device.call('SendMail', send)).status).toBe(200);
      expect((await device.call('SendMail', send)).status).toBe(200);
      const found = await waitForSubject(bob, 'INBOX', subject, 2);
      expect(found).toHaveLength(2);
      const ids = new Set<string>();
      await bob.mailboxOpen('INBOX');
      for await (const m of bob.fetch(found.join(','), { envelope: true }, { uid: true }))
        ids.add(m.envelope!.messageId!);
      expect(ids.size).toBe(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(await waitForSubject(bob, 'INBOX', subject, 3, 0)).toHaveLength(2);
      await bob.messageDelete(found.join(','), { uid: true });
    },
  );
});

function syncRequestFor(syncKey: string, collectionId: string, command: ReturnType<typeof el>) {
  return el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      el(
        'AirSync:Collection',
        el('AirSync:SyncKey', syncKey),
        el('AirSync:CollectionId', collectionId),
        el('AirSync:Commands', command),
      ),
    ),
  );
}
