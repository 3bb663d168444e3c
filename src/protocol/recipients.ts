import type { DirectoryEntry } from '../model/contact/index.js';
import type { CommandContext } from './context.js';
import { safeEntry } from './search-gal.js';

// Who a ResolveRecipients To names (MS-ASCMD 2.2.3.183): an SMTP address is looked up exactly, a
// name as a substring of names and addresses, in the GAL and in the user's address books.

/** MS-ASCMD 2.2.3.186.5 Type: 1 a GAL entry, 2 a contact of the user. */
export const RecipientType = { Gal: 1, Contact: 2 } as const;
export type RecipientType = (typeof RecipientType)[keyof typeof RecipientType];

export interface Candidate {
  readonly type: RecipientType;
  readonly entry: DirectoryEntry;
  /** The address the recipient resolves to. */
  readonly address: string;
}

export interface Lookup {
  readonly candidates: readonly Candidate[];
  /** Matches in all, which may exceed the candidates returned. */
  readonly total: number;
}

/** `bob@x`, or the address in `Bob <bob@x>`; undefined for a name. */
export function addressOf(to: string): string | undefined {
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(to);
  if (angle) return angle[1];
  const bare = to.trim();
  return /^[^\s@<>"]+@[^\s@<>"]+$/.test(bare) ? bare : undefined;
}

/** Looks recipients up; the user's cards are read once per request, on the first name to look up. */
export class RecipientLookup {
  #contacts: Promise<DirectoryEntry[]> | undefined;

  constructor(
    private readonly ctx: CommandContext,
    /** Candidates wanted at most (more are counted in `total`). */
    private readonly max: number,
  ) {}

  async find(to: string): Promise<Lookup> {
    const address = addressOf(to);
    const wanted = address?.toLowerCase();
    const query = address ?? to.trim();
    if (query === '') return { candidates: [], total: 0 };
    const matches = (e: DirectoryEntry): boolean =>
      wanted !== undefined
        ? e.emailAddresses.some((a) => a.toLowerCase() === wanted)
        : haystackOf(e).some((h) => h.includes(normalise(query)));
    // The directory matched names itself (FN, N, NICKNAME too); an address must match exactly.
    const galFound = await this.#gal(query);
    const gal = wanted !== undefined ? galFound.filter(matches) : galFound;
    const contacts = (await this.#contactEntries()).filter(matches);
    const out: Candidate[] = [];
    const seen = new Set<string>();
    const add = (type: RecipientType, e: DirectoryEntry): void => {
      const resolved =
        wanted !== undefined ? e.emailAddresses.find((a) => a.toLowerCase() === wanted) : e.emailAddress;
      // A card without an address cannot be written to.
      if (resolved === undefined || seen.has(resolved.toLowerCase())) return;
      seen.add(resolved.toLowerCase());
      out.push({ type, entry: e, address: resolved });
    };
    // The GAL entry of a colleague wins over the user's own card for the same address.
    for (const e of gal) add(RecipientType.Gal, e);
    for (const e of contacts) add(RecipientType.Contact, e);
    return { candidates: out.slice(0, this.max), total: out.length };
  }

  async #gal(query: string): Promise<DirectoryEntry[]> {
    const directory = this.ctx.backends.directory;
    if (directory === undefined) return [];
    const { entries } = await directory.search(query, this.max + 1, this.ctx.signal);
    return entries.flatMap((v) => safeEntry(v, this.ctx));
  }

  #contactEntries(): Promise<DirectoryEntry[]> {
    this.#contacts ??= this.#readContacts();
    return this.#contacts;
  }

  async #readContacts(): Promise<DirectoryEntry[]> {
    const { contacts, contactItems } = this.ctx.backends;
    if (contacts === undefined || contactItems === undefined) return [];
    const books = (await contacts.listCollections(this.ctx.signal)).filter((c) => c.kind === 'contacts');
    const out: DirectoryEntry[] = [];
    for (const book of books) {
      const listing = await contactItems.changesSince(book.key, undefined, this.ctx.signal);
      const names = listing.changed.map((c) => c.name);
      for (const item of await contactItems.getItems(book.key, names, this.ctx.signal))
        out.push(...safeEntry(item.text, this.ctx));
    }
    return out;
  }
}

function haystackOf(e: DirectoryEntry): string[] {
  return [e.displayName, e.firstName, e.lastName, e.alias, ...e.emailAddresses]
    .filter((s): s is string => s !== undefined && s !== '')
    .map(normalise);
}

/** Lower case without accents, as the directory matches. */
function normalise(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
