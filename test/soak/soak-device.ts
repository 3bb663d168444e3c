import { childText, el, type WbxmlElement } from '../../src/wbxml/index.js';
import { eas, type EasAnswer, type EasTarget } from '../support/eas-client.js';
import { folderSync } from '../support/eas-requests.js';
import { collectionsOf, syncRequest } from '../support/mail-sync.js';
import { child, elements } from '../../src/wbxml/index.js';

// A phone as the soak drives it: it keeps its own view of two mail folders, applies only answers it
// received, and sends a request again, unchanged (same SyncKey, same commands, same ClientId), when
// the answer is lost, as phones do.

export interface ItemView {
  read: boolean;
  flagged: boolean;
}

export interface FolderView {
  readonly name: string;
  id: string;
  syncKey: string;
  readonly items: Map<string, ItemView>;
}

/** What went wrong, counted by the soak. */
export interface DeviceCounters {
  requests: number;
  failedAttempts: number;
  gaveUp: number;
  status5xx: number;
  status5xxOutsideFaults: number;
  status401: number;
  duplicatedAdds: number;
  changesOfUnknown: number;
}

export interface Clock {
  /** Whether a 5xx now can be blamed on an injected fault (or a grace period after one). */
  faultExcuses(): boolean;
  /** Which gateway to ask next (round robin over the instances). */
  nextTarget(): EasTarget;
}

export interface SentMail {
  readonly subject: string;
  /** True once a SendMail for it was answered 200: it must arrive exactly once. */
  confirmed: boolean;
}

const MAX_TRIES = 40;

export class SoakDevice {
  readonly folders: FolderView[];
  readonly sent: SentMail[] = [];
  readonly counters: DeviceCounters = {
    requests: 0,
    failedAttempts: 0,
    gaveUp: 0,
    status5xx: 0,
    status5xxOutsideFaults: 0,
    status401: 0,
    duplicatedAdds: 0,
    changesOfUnknown: 0,
  };
  #sendSeq = 0;
  /** How the last `call` went, attempt by attempt (HTTP status, or 'cut'), for divergence reports. */
  private lastTries: string[] = [];
  /** What happened to each item on this device, for a divergence report. */
  readonly history = new Map<string, string[]>();
  readonly duplicates: string[] = [];

  private noteItem(serverId: string, event: string): void {
    const h = this.history.get(serverId) ?? [];
    h.push(event);
    this.history.set(serverId, h.slice(-12));
  }

  constructor(
    readonly user: string,
    readonly deviceId: string,
    folderNames: readonly string[],
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly tag: string,
  ) {
    this.folders = folderNames.map((name) => ({ name, id: '', syncKey: '0', items: new Map() }));
  }

  /** One request, sent again unchanged until an answer comes; undefined when it never did. */
  async call(cmd: string, body: WbxmlElement | undefined, accept: (a: EasAnswer) => boolean = () => true) {
    this.lastTries = [];
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      this.counters.requests++;
      let answer: EasAnswer | undefined;
      try {
        answer = await eas(this.clock.nextTarget(), {
          cmd,
          body,
          user: this.user,
          deviceId: this.deviceId,
          deviceType: 'SoakPhone',
          version: '14.1',
        });
      } catch {
        answer = undefined;
      }
      const taken = answer?.status === 200 && accept(answer);
      // '200?': an answer the device sends again (Sync Status 16 or 5, a failed SendMail).
      this.lastTries.push(
        answer === undefined ? 'cut' : taken ? '200' : answer.status === 200 ? '200?' : String(answer.status),
      );
      if (taken) return answer;
      this.counters.failedAttempts++;
      if (answer !== undefined && answer.status >= 500) {
        this.counters.status5xx++;
        if (!this.clock.faultExcuses()) this.counters.status5xxOutsideFaults++;
      }
      if (answer?.status === 401) this.counters.status401++;
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)) * (0.5 + this.random()));
    }
    this.counters.gaveUp++;
    return undefined;
  }

  async folderSync(): Promise<boolean> {
    const answer = await this.call('FolderSync', folderSync('0'), (a) => {
      const status = a.body && childText(a.body, 'FolderHierarchy:Status');
      return status === '1';
    });
    if (answer === undefined) return false;
    const changes = child(answer.body!, 'FolderHierarchy:Changes');
    const ids = new Map<string, string>();
    for (const add of changes ? elements(changes, 'FolderHierarchy:Add') : [])
      ids.set(childText(add, 'FolderHierarchy:DisplayName')!, childText(add, 'FolderHierarchy:ServerId')!);
    for (const f of this.folders) {
      const id = ids.get(f.name);
      if (id === undefined) throw new Error(`FolderSync without ${f.name}`);
      if (id !== f.id) {
        f.id = id;
        f.syncKey = '0';
        f.items.clear();
      }
    }
    return true;
  }

  /** One Sync of a folder, with the device's own changes to some of its items. */
  async sync(f: FolderView, ownChanges: number): Promise<{ more: boolean } | undefined> {
    const commands: WbxmlElement[] = [];
    const changed = new Map<string, ItemView>();
    const deleted: string[] = [];
    if (f.syncKey !== '0') {
      for (const serverId of this.pick([...f.items.keys()], ownChanges)) {
        const now = f.items.get(serverId)!;
        const roll = this.random();
        if (roll < 0.15) {
          deleted.push(serverId);
          commands.push(el('AirSync:Delete', el('AirSync:ServerId', serverId)));
        } else {
          const next = roll < 0.6 ? { ...now, read: !now.read } : { ...now, flagged: !now.flagged };
          changed.set(serverId, next);
          commands.push(
            el(
              'AirSync:Change',
              el('AirSync:ServerId', serverId),
              el(
                'AirSync:ApplicationData',
                roll < 0.6
                  ? el('Email:Read', next.read ? 1 : 0)
                  : // MS-ASEMAIL 2.2.2.34: an empty Flag clears it.
                    next.flagged
                    ? el('Email:Flag', el('Email:Status', 2), el('Email:FlagType', 'Flag for follow up'))
                    : el('Email:Flag'),
              ),
            ),
          );
        }
      }
    }
    const spec = {
      syncKey: f.syncKey,
      collectionId: f.id,
      windowSize: 50,
      deletesAsMoves: this.random() < 0.5,
      ...(commands.length > 0 ? { commands } : {}),
    };
    let status: string | undefined;
    const answer = await this.call('Sync', syncRequest([spec]), (a) => {
      if (a.body === undefined) return true;
      status = collectionsOf(a.body).get(f.id)?.status;
      // 16 (retry) and 5 (server error) leave the device's state where it was: send it again.
      return status !== '16' && status !== '5';
    });
    if (answer === undefined) return undefined;
    if (answer.body === undefined) {
      this.applyOwn(f, changed, deleted, new Map());
      return { more: false };
    }
    const c = collectionsOf(answer.body).get(f.id);
    if (c === undefined) return { more: false };
    if (c.status === '3') {
      f.syncKey = '0';
      f.items.clear();
      return { more: true };
    }
    if (c.status === '12') {
      await this.folderSync();
      return { more: true };
    }
    if (c.status !== '1') return { more: false };
    // Which request this answer is, for the item histories: the key sent, the key received, and
    // the attempts it took (a replayed key shows as more than one).
    const exchange = `key ${f.syncKey} → ${c.syncKey ?? '-'} tries ${this.lastTries.join(',')}`;
    const refused = new Map<string, string>();
    for (const r of c.responses) {
      const id = childText(r, 'AirSync:ServerId');
      const st = childText(r, 'AirSync:Status');
      if (id !== undefined && st !== undefined) refused.set(id, st);
    }
    this.applyOwn(f, changed, deleted, refused, exchange);
    for (const a of c.adds) {
      if (f.items.has(a.serverId)) {
        this.counters.duplicatedAdds++;
        this.duplicates.push(`${a.serverId}: ${this.history.get(a.serverId)?.join(' | ')}`);
      }
      f.items.set(a.serverId, viewOf(a.data));
      this.noteItem(a.serverId, `add ${JSON.stringify(viewOf(a.data))} ${exchange}`);
    }
    for (const ch of c.changes) {
      const now = f.items.get(ch.serverId);
      this.noteItem(ch.serverId, `change ${JSON.stringify(partialViewOf(ch.data))} ${exchange}`);
      if (now === undefined) {
        this.counters.changesOfUnknown++;
        continue;
      }
      f.items.set(ch.serverId, { ...now, ...partialViewOf(ch.data) });
    }
    for (const id of [...c.deletes, ...c.softDeletes]) {
      f.items.delete(id);
      this.noteItem(id, `delete ${exchange}`);
    }
    f.syncKey = c.syncKey ?? f.syncKey;
    return { more: c.moreAvailable };
  }

  /** The device's own changes, as it keeps them once the server took them (or said the item is gone). */
  private applyOwn(
    f: FolderView,
    changed: ReadonlyMap<string, ItemView>,
    deleted: readonly string[],
    refused: ReadonlyMap<string, string>,
    exchange = `key ${f.syncKey}`,
  ): void {
    for (const id of deleted) {
      f.items.delete(id);
      this.noteItem(id, `own delete status ${refused.get(id) ?? 'ok'} ${exchange}`);
    }
    for (const [id, view] of changed) {
      const status = refused.get(id);
      this.noteItem(id, `own change ${JSON.stringify(view)} status ${status ?? 'ok'} ${exchange}`);
      if (status === undefined) f.items.set(id, view);
      else if (status === '8') f.items.delete(id);
      // 7: the server's version wins and comes in this answer's Changes.
    }
  }

  /** Syncs every folder until nothing more comes. */
  async catchUp(): Promise<boolean> {
    for (const f of this.folders) {
      for (let round = 0; round < 200; round++) {
        const r = await this.sync(f, 0);
        if (r === undefined) return false;
        if (!r.more) break;
      }
    }
    return true;
  }

  async moveOne(): Promise<void> {
    const from = this.folders[Math.floor(this.random() * this.folders.length)]!;
    const to = this.folders.find((f) => f !== from)!;
    if (from.syncKey === '0' || to.syncKey === '0') return;
    const [serverId] = this.pick([...from.items.keys()], 1);
    if (serverId === undefined) return;
    const body = el(
      'Move:MoveItems',
      el(
        'Move:Move',
        el('Move:SrcMsgId', serverId),
        el('Move:SrcFldId', from.id),
        el('Move:DstFldId', to.id),
      ),
    );
    const answer = await this.call('MoveItems', body);
    const response = answer?.body && child(answer.body, 'Move:Response');
    if (!response) return;
    const status = childText(response, 'Move:Status');
    const view = from.items.get(serverId);
    this.noteItem(serverId, `moved out status ${status} tries ${this.lastTries.join(',')}`);
    if (status === '3') {
      from.items.delete(serverId);
      const dst = childText(response, 'Move:DstMsgId');
      if (dst !== undefined && view !== undefined) to.items.set(dst, view);
      if (dst !== undefined) this.noteItem(dst, `moved in from ${serverId} ${JSON.stringify(view)}`);
    } else if (status === '1') {
      from.items.delete(serverId);
    }
  }

  async sendOne(to: string): Promise<void> {
    const n = ++this.#sendSeq;
    // IMAP SEARCH SUBJECT matches substrings: the number is closed on both sides.
    const subject = `${this.tag} ${this.deviceId} #${n}#`;
    const mail: SentMail = { subject, confirmed: false };
    this.sent.push(mail);
    const mime = Buffer.from(
      `From: ${this.user}@example.test\r\nTo: ${to}@example.test\r\nSubject: ${subject}\r\n` +
        `Content-Type: text/plain\r\n\r\nSoak message ${n}.\r\n`,
    );
    const body = el(
      'ComposeMail:SendMail',
      el('ComposeMail:ClientId', `${this.deviceId}-${n}`),
      el('ComposeMail:SaveInSentItems'),
      el('ComposeMail:Mime', mime),
    );
    // MS-ASCMD 2.2.1.17: success is an empty answer; a Status in the body is a failure.
    const answer = await this.call('SendMail', body, (a) => a.body === undefined);
    mail.confirmed = answer !== undefined;
  }

  private pick<T>(from: readonly T[], count: number): T[] {
    const out: T[] = [];
    const pool = [...from];
    while (out.length < count && pool.length > 0)
      out.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]!);
    return out;
  }
}

function viewOf(data: WbxmlElement): ItemView {
  return { read: false, flagged: false, ...partialViewOf(data) };
}

function partialViewOf(data: WbxmlElement): Partial<ItemView> {
  const out: Partial<ItemView> = {};
  const read = childText(data, 'Email:Read');
  if (read !== undefined) out.read = read === '1';
  const flag = child(data, 'Email:Flag');
  if (flag !== undefined) out.flagged = childText(flag, 'Email:Status') === '2';
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
