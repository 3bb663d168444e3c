import { randomUUID } from 'node:crypto';
import type { DavCollectionKind } from '../../model/folder-type.js';
import {
  BackendError,
  type CalendarScheduling,
  type CollectionStore,
  type Credentials,
  type DavCollection,
  type DavCollectionDelta,
  type DavItem,
  type DavItemStore,
  type DavItemVersion,
  type DavWriteCondition,
} from '../types.js';
import * as items from './dav-items.js';
import { DavClient } from './client.js';
import { kindsOf, shapeOf } from './collection-kind.js';
import type { DavConfig, MixedCollectionPolicy } from './config.js';
import { asCollectionUrl, type HomeSets } from './discovery.js';
import { DavPresence, DEFAULT_DAV_RECHECK_MS } from './presence.js';
import { DAV_NS, foundProp, type DavResponse } from './multistatus.js';
import {
  mkcalendarBody,
  mkcolAddressBookBody,
  PROPFIND_COLLECTIONS,
  proppatchDisplayNameBody,
} from './requests.js';
import { textOf } from './xml.js';

const KEY_PREFIX = 'dav:';

/** One user's CalDAV calendars and task lists, or CardDAV address books, on one server. */
export class DavCollectionStore implements CollectionStore, DavItemStore, CalendarScheduling {
  readonly kinds: readonly DavCollectionKind[];
  private readonly baseUrl: URL;
  private readonly client: DavClient;
  private readonly mixed: MixedCollectionPolicy;
  private readonly presence: DavPresence;
  private scheduling: Promise<boolean> | undefined;

  /** `presence` is shared by one user's CalDAV and CardDAV stores on the same server. */
  constructor(config: DavConfig, credentials: Credentials, presence?: DavPresence) {
    this.kinds = [...config.kinds];
    this.baseUrl = asCollectionUrl(new URL(config.baseUrl));
    this.mixed = config.mixedCollections ?? 'when-no-task-list';
    this.client = new DavClient(credentials, { timeoutMs: config.timeoutMs, fetch: config.fetch });
    this.presence = presence ?? davPresence(config, credentials, this.client);
  }

  listCollections(signal?: AbortSignal): Promise<DavCollection[]> {
    return this.guarded(() => this.collections(signal));
  }

  private async collections(signal: AbortSignal | undefined): Promise<DavCollection[]> {
    const homes = await this.homeSets(signal);
    const urls = new Map<string, URL>();
    for (const kind of this.kinds) for (const home of homesFor(homes, kind)) urls.set(home.href, home);
    const responses: { response: DavResponse; base: URL }[] = [];
    for (const home of urls.values()) {
      const found = await this.client.propfind(home, '1', PROPFIND_COLLECTIONS, signal);
      responses.push(...found.map((response) => ({ response, base: home })));
    }
    const seen = new Set<string>();
    const unique = responses.filter(({ response, base }) => {
      const href = new URL(response.href, base).href;
      if (seen.has(href)) return false;
      seen.add(href);
      return true;
    });
    const kinds = kindsOf(
      unique.map(({ response }) => shapeOf(response)),
      this.mixed,
    );
    return unique.flatMap(({ response, base }, i) =>
      (kinds[i] ?? [])
        .filter((kind) => this.kinds.includes(kind))
        .map((kind) => toCollection(response, base, kind)),
    );
  }

  createCollection(kind: DavCollectionKind, name: string, signal?: AbortSignal): Promise<DavCollection> {
    return this.guarded(() => this.create(kind, name, signal));
  }

  private async create(
    kind: DavCollectionKind,
    name: string,
    signal: AbortSignal | undefined,
  ): Promise<DavCollection> {
    if (!this.kinds.includes(kind)) {
      throw new BackendError('permanent', `this store does not hold ${kind} collections`);
    }
    const home = homesFor(await this.homeSets(signal), kind)[0];
    if (home === undefined) throw new BackendError('permanent', `no home set for ${kind}`);
    const url = new URL(`${randomUUID()}/`, home);
    if (kind === 'contacts') {
      await this.client.mkcol(url, mkcolAddressBookBody(name), signal);
    } else {
      const component = kind === 'calendar' ? 'VEVENT' : 'VTODO';
      await this.client.mkcalendar(url, mkcalendarBody(name, component), signal);
    }
    return { key: keyOf(url), href: url.href, name, kind };
  }

  renameCollection(key: string, name: string, signal?: AbortSignal): Promise<DavCollection> {
    return this.guarded(() => this.rename(key, name, signal));
  }

  private async rename(key: string, name: string, signal: AbortSignal | undefined): Promise<DavCollection> {
    const url = await this.urlOfKey(key, signal);
    await this.client.proppatch(url, proppatchDisplayNameBody(name), signal);
    const [response] = await this.client.propfind(url, '0', PROPFIND_COLLECTIONS, signal);
    const shape = response && shapeOf(response);
    if (!response || !shape) throw new BackendError('not-found', `${url.pathname} is not a collection`);
    // A mixed collection is offered as a calendar and maybe as a task list; renaming renames both.
    const kind = shape === 'mixed' ? (this.kinds.includes('calendar') ? 'calendar' : 'tasks') : shape;
    return toCollection(response, url, kind);
  }

  deleteCollection(key: string, signal?: AbortSignal): Promise<void> {
    return this.guarded(async () => this.client.delete(await this.urlOfKey(key, signal), signal));
  }

  changesSince(key: string, token: string | undefined, signal?: AbortSignal): Promise<DavCollectionDelta> {
    return this.guarded(async () =>
      items.changesSince(this.client, await this.urlOfKey(key, signal), token, signal),
    );
  }

  getItems(key: string, names: readonly string[], signal?: AbortSignal): Promise<DavItem[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.guarded(async () =>
      items.getItems(this.client, await this.urlOfKey(key, signal), this.dataKind, names, signal),
    );
  }

  putItem(
    key: string,
    name: string,
    text: string,
    condition: DavWriteCondition,
    signal?: AbortSignal,
  ): Promise<DavItemVersion> {
    return this.guarded(() => this.put(key, name, text, condition, signal));
  }

  private async put(
    key: string,
    name: string,
    text: string,
    condition: DavWriteCondition,
    signal: AbortSignal | undefined,
  ): Promise<DavItemVersion> {
    const url = items.itemUrl(await this.urlOfKey(key, signal), name);
    const contentType =
      this.dataKind === 'contacts' ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8';
    const etag = await this.client.put(url, text, contentType, condition, signal);
    if (etag !== undefined && !etag.startsWith('W/')) return { name, etag };
    // RFC 4791 5.3.4: a server that changed what it stored sends no (strong) ETag; ask for it.
    const [item] = await this.getItems(key, [name], signal);
    if (item === undefined) throw new BackendError('not-found', `${url.pathname} vanished after PUT`);
    return { name, etag: item.etag };
  }

  deleteItem(key: string, name: string, etag: string | undefined, signal?: AbortSignal): Promise<void> {
    return this.guarded(async () =>
      this.client.delete(items.itemUrl(await this.urlOfKey(key, signal), name), signal, etag),
    );
  }

  /**
   * RFC 6638 2: a server that schedules names "calendar-auto-schedule" in the DAV header of
   * OPTIONS on its calendar resources. Asked once per user (the answer does not change).
   */
  schedulesMeetings(signal?: AbortSignal): Promise<boolean> {
    if (!this.scheduling) {
      const probe = this.guarded(async () => {
        const [home] = (await this.presence.homeSets()).calendar;
        if (home === undefined) return false;
        return (await this.client.options(home)).includes('calendar-auto-schedule');
      });
      probe.catch(() => {
        if (this.scheduling === probe) this.scheduling = undefined;
      });
      this.scheduling = probe;
    }
    return untilAborted(this.scheduling, signal);
  }

  private get dataKind(): 'calendar' | 'contacts' {
    return this.kinds.includes('contacts') ? 'contacts' : 'calendar';
  }

  private homeSets(signal: AbortSignal | undefined): Promise<HomeSets> {
    // Shared by concurrent callers, so it runs without any one caller's signal (the client's
    // timeout bounds it).
    return untilAborted(this.presence.homeSets(), signal);
  }

  /**
   * An outage makes the user's next requests fail at once for a while (DavPresence.assertUp).
   * The mail server accepted this login, so a DAV server refusing it means the account is gone
   * (or has another password): never an HTTP 401 for the phone, which would ask for the password
   * it has right. The account is looked for again; until then the request may be retried.
   */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    this.presence.assertUp();
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof BackendError)) throw err;
      if (err.kind === 'temporary') this.presence.noteOutage();
      if (err.kind !== 'auth') throw err;
      this.presence.invalidate();
      throw new BackendError('temporary', `${err.message}: the DAV account is checked again`, {
        cause: err,
      });
    }
  }

  /** Keys name collections directly inside one of the user's home sets; anything else is refused. */
  private async urlOfKey(key: string, signal: AbortSignal | undefined): Promise<URL> {
    const path = key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : '';
    if (!path.startsWith('/')) throw new BackendError('not-found', `not a DAV collection key: ${key}`);
    const url = asCollectionUrl(new URL(path, this.baseUrl));
    const homes = await this.homeSets(signal);
    const parent = new URL('..', url).href;
    const inHome = [...homes.calendar, ...homes.contacts].some(
      (h) => h.href === parent && h.origin === url.origin,
    );
    if (!inHome) throw new BackendError('not-found', `${url.pathname} is not in a home set`);
    return url;
  }
}

/** The presence check of one user on the server of `config`, to share between that user's stores. */
export function davPresence(config: DavConfig, credentials: Credentials, client?: DavClient): DavPresence {
  const base = asCollectionUrl(new URL(config.baseUrl));
  return new DavPresence(
    client ?? new DavClient(credentials, { timeoutMs: config.timeoutMs, fetch: config.fetch }),
    base,
    credentials.user,
    { recheckMs: config.recheckMs ?? DEFAULT_DAV_RECHECK_MS, now: config.now, logger: config.logger },
  );
}

function homesFor(homes: HomeSets, kind: DavCollectionKind): readonly URL[] {
  return kind === 'contacts' ? homes.contacts : homes.calendar;
}

function keyOf(url: URL): string {
  return `${KEY_PREFIX}${url.pathname}`;
}

function toCollection(response: DavResponse, base: URL, kind: DavCollectionKind): DavCollection {
  const url = asCollectionUrl(new URL(response.href, base));
  const displayName = textOf(foundProp(response, DAV_NS, 'displayname'));
  return { key: keyOf(url), href: url.href, name: displayName || lastSegment(url), kind };
}

function lastSegment(url: URL): string {
  const segment =
    url.pathname
      .split('/')
      .filter((s) => s !== '')
      .pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
