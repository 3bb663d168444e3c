import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import { el } from '../../src/wbxml/index.js';
import { contactCodec, SimDevice, type ContactItem } from '../support/sim-device.js';
import { testEnv } from '../support/test-env.js';
import type { Harness } from './model-run.js';

// Model-based test of a DAV collection (issue 22): bob's fresh CardDAV address book on Radicale,
// changed by another client (PUT/DELETE of vCards) and by a phone (Add with a ClientId, Change,
// Delete, retries of the same SyncKey, SyncKey 0). At every quiet point the phone shows exactly
// the address book's contacts, by name: a lost, doubled or stale contact is a divergence.

export type ContactOp =
  | { kind: 'server add' }
  | { kind: 'server change'; pick: number }
  | { kind: 'server delete'; pick: number }
  | { kind: 'device sync' }
  | { kind: 'device add' }
  | { kind: 'device change'; pick: number }
  | { kind: 'device delete'; pick: number }
  | { kind: 'device retry' }
  | { kind: 'device SyncKey 0' }
  | { kind: 'quiet point' };

export function contactOps(exclude: readonly string[] = []): fc.Arbitrary<ContactOp>[] {
  const pick = fc.nat({ max: 99 });
  const all: Record<ContactOp['kind'], fc.Arbitrary<ContactOp>> = {
    'server add': fc.constant({ kind: 'server add' as const }),
    'server change': fc.record({ kind: fc.constant('server change'), pick }),
    'server delete': fc.record({ kind: fc.constant('server delete'), pick }),
    'device sync': fc.constant({ kind: 'device sync' as const }),
    'device add': fc.constant({ kind: 'device add' as const }),
    'device change': fc.record({ kind: fc.constant('device change'), pick }),
    'device delete': fc.record({ kind: fc.constant('device delete'), pick }),
    'device retry': fc.constant({ kind: 'device retry' as const }),
    'device SyncKey 0': fc.constant({ kind: 'device SyncKey 0' as const }),
    'quiet point': fc.constant({ kind: 'quiet point' as const }),
  };
  return Object.entries(all)
    .filter(([kind]) => !exclude.includes(kind))
    .map(([, arb]) => arb);
}

const vcard = (uid: string, first: string, last: string): string =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${first} ${last}\r\nN:${last};${first};;;\r\nEND:VCARD\r\n`;

/** "First Last" from a vCard's N (RFC 6350 6.2.2: family;given;…). */
function nameOf(card: string): string {
  const m = /^N:([^;\r\n]*);([^;\r\n]*)/m.exec(card);
  return m ? `${m[2]} ${m[1]}` : `(no N) ${card}`;
}

export class ContactsHarness implements Harness<ContactOp> {
  private serial = 0;

  private constructor(
    readonly dav: DavCollectionStore,
    readonly bookKey: string,
    readonly bookName: string,
    readonly tag: string,
    readonly device: SimDevice<ContactItem>,
    private id: string,
  ) {}

  /** A fresh address book of bob's with two contacts, and a phone that has synced it. */
  static async start(app: FastifyInstance, deviceId: string): Promise<ContactsHarness> {
    const env = testEnv();
    const dav = new DavCollectionStore(
      { baseUrl: `http://${env.host}:${env.davPort}/`, kinds: ['contacts'] },
      { user: 'bob', password: 'password' },
    );
    const tag = `m${randomBytes(3).toString('hex')}`;
    const book = await dav.createCollection('contacts', `Model ${tag}`);
    try {
      for (const n of [1, 2]) {
        await dav.putItem(book.key, `${tag}-seed${n}.vcf`, vcard(`${tag}-seed${n}`, `Seed${n}`, tag), {
          ifNoneMatch: '*',
        });
      }
      const device = new SimDevice(app, 'bob', deviceId, contactCodec);
      await device.onboard();
      const h = new ContactsHarness(dav, book.key, book.name, tag, device, device.track(book.name));
      await h.quietAndCompare();
      return h;
    } catch (err) {
      await dav.deleteCollection(book.key).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.dav.deleteCollection(this.bookKey).catch(() => undefined);
  }

  private async cards(): Promise<{ name: string; etag: string; text: string }[]> {
    const delta = await this.dav.changesSince(this.bookKey, undefined);
    const items = await this.dav.getItems(
      this.bookKey,
      delta.changed.map((c) => c.name),
    );
    return items.sort((a, b) => a.name.localeCompare(b.name));
  }

  private deviceItem(pick: number): string | undefined {
    const ids = [...(this.device.views.get(this.id)?.items.keys() ?? [])].sort();
    return ids.length === 0 ? undefined : ids[pick % ids.length];
  }

  async apply(op: ContactOp): Promise<void> {
    const d = this.device;
    const fresh = () => `c${++this.serial}`;
    switch (op.kind) {
      case 'server add': {
        const uid = `${this.tag}-${fresh()}`;
        await this.dav.putItem(this.bookKey, `${uid}.vcf`, vcard(uid, fresh(), 'Server'), {
          ifNoneMatch: '*',
        });
        return;
      }
      case 'server change': {
        const cards = await this.cards();
        const card = cards[op.pick % Math.max(cards.length, 1)];
        if (card === undefined) return;
        const uid = /^UID:(.*?)\r?$/m.exec(card.text)?.[1] ?? card.name;
        await this.dav.putItem(this.bookKey, card.name, vcard(uid, fresh(), 'Changed'), {
          ifMatch: card.etag,
        });
        return;
      }
      case 'server delete': {
        const cards = await this.cards();
        const card = cards[op.pick % Math.max(cards.length, 1)];
        if (card !== undefined) await this.dav.deleteItem(this.bookKey, card.name, card.etag);
        return;
      }
      case 'device sync':
        return void (await d.sync(this.id));
      case 'device add': {
        const first = fresh();
        return d.add(this.id, `client-${first}`, { name: `${first} Device` }, [
          el('Contacts:FirstName', first),
          el('Contacts:LastName', 'Device'),
        ]);
      }
      case 'device change': {
        const serverId = this.deviceItem(op.pick);
        if (serverId === undefined) return;
        const first = fresh();
        return d.change(this.id, serverId, { name: `${first} Edited` }, [
          el('Contacts:FirstName', first),
          el('Contacts:LastName', 'Edited'),
        ]);
      }
      case 'device delete': {
        const serverId = this.deviceItem(op.pick);
        return serverId === undefined ? undefined : d.delete(this.id, serverId, false);
      }
      case 'device retry':
        return void (await d.retryLastSync());
      case 'device SyncKey 0':
        return d.resetFolder(this.id);
      case 'quiet point':
        return this.quietAndCompare();
    }
  }

  async quietAndCompare(): Promise<void> {
    await this.device.syncUntilQuiet(this.id);
    const view = this.device.views.get(this.id)!;
    const shown = [...view.items.values(), ...view.pending.values()].map((c) => c.name).sort();
    const truth = (await this.cards()).map((c) => nameOf(c.text)).sort();
    expect(
      shown,
      `address book ${this.bookName}: the device's view differs from the server\n` +
        `device journal:\n  ${this.device.journal.join('\n  ')}`,
    ).toEqual(truth);
  }
}
