import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, childText, el } from '../../src/wbxml/index.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { imapAs, MailDevice, message } from '../support/mail-sync.js';

// A message the device moved itself (MoveItems) and that then changes on the server before the
// device's next Sync of the target folder (issue 22, defects 1 and 2): the device must end up with
// exactly what the folder holds. Also messages marked \Deleted by another client. Bob's mailbox, two
// folders of this run's own.

let gateway: RealGateway;
let imap: ImapFlow;
const run = randomBytes(3).toString('hex');
const source = `Moves-${run}-from`;
const target = `Moves-${run}-to`;

beforeAll(async () => {
  gateway = await realGateway();
  imap = await imapAs('bob');
  await imap.mailboxCreate(source);
  await imap.mailboxCreate(target);
});

afterAll(async () => {
  await imap?.mailboxDelete(source).catch(() => undefined);
  await imap?.mailboxDelete(target).catch(() => undefined);
  await imap?.logout();
  await gateway?.close();
});

interface Synced {
  device: MailDevice;
  from: string;
  to: string;
  keys: Map<string, string>;
}

/** A device that holds both folders, the source with one new message `subject`. */
async function deviceWith(subject: string): Promise<Synced & { serverId: string }> {
  await imap.append(source, message(subject));
  const device = new MailDevice(gateway.app, 'bob', '14.1');
  await device.onboard();
  const from = device.idOf(source);
  const to = device.idOf(target);
  const a = await device.initialSync(from);
  const b = await device.initialSync(to);
  const item = a.adds.find((x) => childText(x.data, 'Email:Subject') === subject)!;
  return {
    device,
    from,
    to,
    keys: new Map([
      [from, a.syncKey],
      [to, b.syncKey],
    ]),
    serverId: item.serverId,
  };
}

async function moveItem(d: Synced, serverId: string): Promise<string> {
  const res = await d.device.call(
    'MoveItems',
    el(
      'Move:MoveItems',
      el('Move:Move', el('Move:SrcMsgId', serverId), el('Move:SrcFldId', d.from), el('Move:DstFldId', d.to)),
    ),
  );
  const response = child(res.body!, 'Move:Response')!;
  expect(childText(response, 'Move:Status')).toBe('3');
  return childText(response, 'Move:DstMsgId')!;
}

async function syncOnce(d: Synced, collectionId: string, commands: ReturnType<typeof el>[] = []) {
  const answer = (
    await d.device.sync([{ syncKey: d.keys.get(collectionId)!, collectionId, commands }])
  ).collections.get(collectionId);
  if (answer?.syncKey) d.keys.set(collectionId, answer.syncKey);
  return answer;
}

const uidOf = (serverId: string): string => serverId.split(':')[1]!;

describe('MoveItems and what happens to the message afterwards', () => {
  it('a moved message expunged on the server before the next Sync is deleted from the device', async () => {
    const d = await deviceWith(`gone ${run}`);
    const moved = await moveItem(d, d.serverId);
    await imap.mailboxOpen(target);
    await imap.messageDelete(uidOf(moved), { uid: true });
    const answer = await syncOnce(d, d.to);
    expect(answer?.deletes).toEqual([moved]);
    expect(answer?.adds ?? []).toEqual([]);
    // Later Syncs do not bring it back.
    expect((await syncOnce(d, d.to))?.adds ?? []).toEqual([]);
    expect((await syncOnce(d, d.from))?.deletes ?? []).toEqual([]);
  });

  it('a moved message flagged on the server before the next Sync reaches the device as a Change', async () => {
    const d = await deviceWith(`flagged ${run}`);
    const moved = await moveItem(d, d.serverId);
    await imap.mailboxOpen(target);
    await imap.messageFlagsAdd(uidOf(moved), ['\\Flagged'], { uid: true });
    const answer = await syncOnce(d, d.to);
    expect(answer?.adds ?? []).toEqual([]);
    expect(answer?.changes.map((c) => c.serverId)).toEqual([moved]);
    const flag = child(answer!.changes[0]!.data, 'Email:Flag');
    expect(childText(flag!, 'Email:Status')).toBe('2');
  });

  it('a moved message that comes back under a new UID is shown once', async () => {
    const d = await deviceWith(`back ${run}`);
    const moved = await moveItem(d, d.serverId);
    // Another client moves it out and in again: a new UID in the target folder.
    await imap.mailboxOpen(target);
    const out = await imap.messageMove(uidOf(moved), source, { uid: true });
    await imap.mailboxOpen(source);
    const back = await imap.messageMove(String(out && out.uidMap?.values().next().value), target, {
      uid: true,
    });
    const newUid = back && back.uidMap?.values().next().value;
    const answer = await syncOnce(d, d.to);
    expect(answer?.deletes).toEqual([moved]);
    expect(answer?.adds.map((a) => uidOf(a.serverId))).toEqual([String(newUid)]);
  });

  it('a moved message left alone is neither added nor changed, and the device may change it', async () => {
    const d = await deviceWith(`alone ${run}`);
    const moved = await moveItem(d, d.serverId);
    // iOS marks a message it moved unread in the same Sync that first sees the target folder.
    const unread = el(
      'AirSync:Change',
      el('AirSync:ServerId', moved),
      el('AirSync:ApplicationData', el('Email:Read', 0)),
    );
    const answer = await syncOnce(d, d.to, [unread]);
    expect(answer?.responses ?? []).toEqual([]);
    expect(answer?.adds ?? []).toEqual([]);
    expect(answer?.changes ?? []).toEqual([]);
    expect((await syncOnce(d, d.from))?.deletes ?? []).toEqual([]);
  });

  it('a from-scratch Sync of the target folder (SyncKey 0) lists the moved message', async () => {
    const d = await deviceWith(`reset ${run}`);
    const moved = await moveItem(d, d.serverId);
    const again = await d.device.initialSync(d.to);
    expect(again.adds.map((a) => a.serverId)).toContain(moved);
    // And a reset of the whole hierarchy (FolderSync 0) as well.
    await d.device.folderSync();
    const fresh = await d.device.initialSync(d.device.idOf(target));
    expect(fresh.adds.map((a) => uidOf(a.serverId))).toContain(uidOf(moved));
  });
});

describe('messages another client marks \\Deleted without expunging', () => {
  it('leave the device when marked and come back when unmarked', async () => {
    const d = await deviceWith(`marked ${run}`);
    const uid = uidOf(d.serverId);
    await imap.mailboxOpen(source);
    await imap.messageFlagsAdd(uid, ['\\Deleted'], { uid: true });
    expect((await syncOnce(d, d.from))?.deletes).toEqual([d.serverId]);
    await imap.messageFlagsRemove(uid, ['\\Deleted'], { uid: true });
    expect((await syncOnce(d, d.from))?.adds.map((a) => a.serverId)).toEqual([d.serverId]);
  });

  it('are left out of a first Sync', async () => {
    await imap.mailboxOpen(source);
    await imap.append(source, message(`hidden ${run}`), ['\\Deleted']);
    const device = new MailDevice(gateway.app, 'bob', '14.1');
    await device.onboard();
    const { adds } = await device.initialSync(device.idOf(source));
    expect(adds.map((a) => childText(a.data, 'Email:Subject'))).not.toContain(`hidden ${run}`);
  });
});
