import { BackendError, type Directory } from '../types.js';
import { DavClient } from './client.js';
import { DEFAULT_DAV_TIMEOUT_MS } from './config.js';
import { changesSince, getItems } from './dav-items.js';
import { asCollectionUrl } from './discovery.js';
import { CARDDAV_NS, foundProp } from './multistatus.js';
import { escapeXml, textOf } from './xml.js';

// The global address list as one shared CardDAV address book read with its own account.
//
// A search is an RFC 6352 8.6 addressbook-query: FN, EMAIL and NICKNAME "contains" the text,
// case-insensitively. Radicale 3.1.8 answers that filter itself (checked: it lower-cases both
// sides, so "müll" finds "Müller"), and a query then costs the server one pass over its cards and
// us only the matches. N is not in the server filter: Radicale 3.1.8 fails with 500 on a text-match
// against N (its value is structured); FN carries the same names. A server that refuses the query
// (400/403/405) is read whole instead, once per sync token, and filtered here.
// Either way the matches are filtered again here (FN, N, EMAIL, NICKNAME; accents ignored), so a
// server that ignores the filter returns the same answer, and sorted by FN for stable Ranges.

export interface CardDavDirectoryConfig {
  /** The address book, e.g. http://127.0.0.1:5232/directory/gal/. */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs?: number;
  /** The global fetch unless TLS options of its own are needed (tls-fetch.ts), or a test's. */
  readonly fetch?: typeof fetch;
}

interface Card {
  readonly text: string;
  /** Normalised FN, N, EMAIL and NICKNAME values. */
  readonly haystack: readonly string[];
  readonly sortKey: string;
}

export class CardDavDirectory implements Directory {
  readonly #client: DavClient;
  readonly #url: URL;
  /** Set once the server has refused addressbook-query: from then on the whole book is cached. */
  #queryRefused = false;
  #cache: { token: string | undefined; cards: Map<string, Card> } | undefined;
  #refresh: Promise<Map<string, Card>> | undefined;

  constructor(config: CardDavDirectoryConfig) {
    this.#url = asCollectionUrl(new URL(config.url));
    this.#client = new DavClient(
      { user: config.user, password: config.password },
      { timeoutMs: config.timeoutMs ?? DEFAULT_DAV_TIMEOUT_MS, fetch: config.fetch },
    );
  }

  async search(
    query: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ entries: string[]; total: number }> {
    const needle = normalise(query.trim());
    if (needle === '') return { entries: [], total: 0 };
    const candidates = await this.#candidates(query.trim(), signal).catch((err: unknown) => {
      // The gateway's own GAL login, not the phone's: a refusal is a configuration error, and
      // an 'auth' failure would become an HTTP 401 that makes the phone ask for its password.
      if (!(err instanceof BackendError) || err.kind !== 'auth') throw err;
      throw new BackendError('permanent', `the GAL login is refused: ${err.message}`, { cause: err });
    });
    const found = candidates
      .filter((c) => c.haystack.some((h) => h.includes(needle)))
      .sort((a, b) => a.sortKey.localeCompare(b.sortKey));
    return { entries: found.slice(0, Math.max(0, limit)).map((c) => c.text), total: found.length };
  }

  async #candidates(query: string, signal: AbortSignal | undefined): Promise<Card[]> {
    if (!this.#queryRefused) {
      try {
        return await this.#query(query, signal);
      } catch (err) {
        if (!(err instanceof BackendError) || err.kind !== 'permanent') throw err;
        this.#queryRefused = true;
      }
    }
    return [...(await this.#allCards(signal)).values()];
  }

  async #query(query: string, signal: AbortSignal | undefined): Promise<Card[]> {
    const doc = await this.#client.report(this.#url, '1', addressBookQuery(query), signal);
    return doc.responses.flatMap((r) => {
      const data = foundProp(r, CARDDAV_NS, 'address-data');
      return data === undefined ? [] : [cardOf(textOf(data))];
    });
  }

  /** Every card, refreshed through the sync token (one REPORT when nothing changed). */
  #allCards(signal: AbortSignal | undefined): Promise<Map<string, Card>> {
    this.#refresh ??= this.#load(signal).finally(() => {
      this.#refresh = undefined;
    });
    return this.#refresh;
  }

  async #load(signal: AbortSignal | undefined): Promise<Map<string, Card>> {
    const delta = await changesSince(this.#client, this.#url, this.#cache?.token, signal);
    const cards = delta.complete ? new Map<string, Card>() : new Map(this.#cache?.cards);
    for (const name of delta.removed) cards.delete(name);
    const items = await getItems(
      this.#client,
      this.#url,
      'contacts',
      delta.changed.map((c) => c.name),
      signal,
    );
    for (const item of items) cards.set(item.name, cardOf(item.text));
    this.#cache = { token: delta.token, cards };
    return cards;
  }
}

/** RFC 6352 10.3: text-match with i;unicode-casemap, any of the properties. */
function addressBookQuery(query: string): string {
  const match = (prop: string): string =>
    `<CR:prop-filter name="${prop}"><CR:text-match collation="i;unicode-casemap" match-type="contains">` +
    `${escapeXml(query)}</CR:text-match></CR:prop-filter>`;
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">` +
    `<D:prop><D:getetag/><CR:address-data/></D:prop>` +
    `<CR:filter test="anyof">${match('FN')}${match('EMAIL')}${match('NICKNAME')}</CR:filter>` +
    `</CR:addressbook-query>`
  );
}

const SEARCHED = new Set(['FN', 'N', 'EMAIL', 'NICKNAME']);

function cardOf(text: string): Card {
  const haystack: string[] = [];
  let fn = '';
  // RFC 6350 3.2: a line starting with a space or tab continues the previous one.
  for (const line of text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = (line.slice(0, colon).split(';')[0] ?? '').replace(/^[^.]*\./, '').toUpperCase();
    if (!SEARCHED.has(name)) continue;
    const value = unescapeText(line.slice(colon + 1), name === 'N');
    haystack.push(normalise(value));
    if (name === 'FN') fn = value;
  }
  return { text, haystack, sortKey: normalise(fn) };
}

function unescapeText(value: string, structured: boolean): string {
  const spaced = structured ? value.replace(/(?<!\\);/g, ' ') : value;
  return spaced.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? ' ' : c)).trim();
}

/** Lower case without accents, so "helene" finds "Hélène". */
function normalise(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
