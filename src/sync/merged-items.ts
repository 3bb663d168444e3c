import type {
  DavCollectionDelta,
  DavItem,
  DavItemStore,
  DavItemVersion,
  DavWriteCondition,
} from '../backends/types.js';
import type { DavCollectionKind } from '../model/folder-type.js';

// Several calendars (or address books) shown as one folder, for clients that show only one
// (Android stock, some Samsung versions: shared/DESIGN.md). Items are named "<key>␟<name>"; the
// token is every collection's token; new items go to the first (default) collection.

const SEP = '\u001f';
const PREFIX = 'merged:';

export function mergedKey(kind: DavCollectionKind): string {
  return `${PREFIX}${kind}`;
}

export function isMergedKey(key: string): boolean {
  return key.startsWith(PREFIX);
}

export class MergedItemStore implements DavItemStore {
  constructor(
    private readonly inner: DavItemStore,
    /** The collections' keys, the default one first. */
    private readonly keys: readonly string[],
  ) {}

  async changesSince(
    _key: string,
    token: string | undefined,
    signal?: AbortSignal,
  ): Promise<DavCollectionDelta> {
    const tokens = parseTokens(token);
    // A collection added or removed since: everything is listed, so what left is deleted.
    const sameSet =
      tokens !== undefined &&
      Object.keys(tokens).length === this.keys.length &&
      this.keys.every((k) => k in tokens);
    let deltas = await Promise.all(
      this.keys.map((k) => this.inner.changesSince(k, sameSet ? tokens[k] : undefined, signal)),
    );
    if (deltas.some((d) => d.complete) && !deltas.every((d) => d.complete))
      deltas = await Promise.all(
        this.keys.map((k, i) =>
          deltas[i]!.complete ? deltas[i]! : this.inner.changesSince(k, undefined, signal),
        ),
      );
    const next: Record<string, string | null> = {};
    this.keys.forEach((k, i) => (next[k] = deltas[i]!.token ?? null));
    return {
      token: JSON.stringify(next),
      complete: deltas.some((d) => d.complete),
      changed: deltas.flatMap((d, i) => d.changed.map((c) => ({ ...c, name: join(this.keys[i]!, c.name) }))),
      removed: deltas.flatMap((d, i) => d.removed.map((n) => join(this.keys[i]!, n))),
    };
  }

  async getItems(_key: string, names: readonly string[], signal?: AbortSignal): Promise<DavItem[]> {
    const byKey = new Map<string, string[]>();
    for (const n of names) {
      const [key, name] = split(n, this.keys[0]!);
      byKey.set(key, [...(byKey.get(key) ?? []), name]);
    }
    const out: DavItem[] = [];
    for (const [key, list] of byKey)
      for (const item of await this.inner.getItems(key, list, signal))
        out.push({ ...item, name: join(key, item.name) });
    return out;
  }

  async putItem(
    _key: string,
    name: string,
    text: string,
    condition: DavWriteCondition,
    signal?: AbortSignal,
  ): Promise<DavItemVersion> {
    const [key, own] = split(name, this.keys[0]!);
    const version = await this.inner.putItem(key, own, text, condition, signal);
    return { ...version, name: join(key, version.name) };
  }

  async deleteItem(
    _key: string,
    name: string,
    etag: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const [key, own] = split(name, this.keys[0]!);
    await this.inner.deleteItem(key, own, etag, signal);
  }
}

function join(key: string, name: string): string {
  return `${key}${SEP}${name}`;
}

/** A name without a collection (a new item of the device) belongs to the default collection. */
function split(name: string, fallback: string): [string, string] {
  const at = name.indexOf(SEP);
  return at < 0 ? [fallback, name] : [name.slice(0, at), name.slice(at + 1)];
}

function parseTokens(token: string | undefined): Record<string, string | undefined> | undefined {
  if (token === undefined) return undefined;
  try {
    const v = JSON.parse(token) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, t]) => [
        k,
        typeof t === 'string' ? t : undefined,
      ]),
    );
  } catch {
    return undefined;
  }
}
