import type { ImapAttribute, ImapFlow, ImapResponse, ListResponse } from 'imapflow';
import type { ListedMailbox } from './folder-list.js';
import { isInbox } from './folder-roles.js';

// imapflow 2.10 reads RFC 8474 MAILBOXID only from SELECT and CREATE: its STATUS parser knows the
// RFC 3501/7162/9051 items alone. The ids are read through its `exec()`, marked @internal but
// unchanged through 2.x; imapflow's version is pinned in package.json.
type UntaggedHandler = (untagged: ImapResponse) => Promise<void>;
type Exec = (
  command: string,
  attributes: ImapAttribute[],
  options: { untagged: Record<string, UntaggedHandler> },
) => Promise<{ next(): void }>;

type Listed = Pick<ListResponse, 'path' | 'pathAsListed' | 'delimiter' | 'flags'>;

/** LIST "" "*", each mailbox with a server id that survives RENAME when the server has one. */
export async function listMailboxes(client: ImapFlow): Promise<ListedMailbox[]> {
  const entries = await listWithInbox(client);
  const item = idStatusItem(client);
  const ids = item
    ? await mailboxIds(
        client,
        item,
        entries.map((e) => e.pathAsListed),
      )
    : new Map<string, string>();
  const personalNamespace = client.namespace?.prefix ?? '';
  return entries.map((e) => ({
    path: e.path,
    // NIL delimiter (RFC 3501 section 7.2.2): a flat namespace.
    delimiter: typeof e.delimiter === 'string' ? e.delimiter : '',
    flags: e.flags,
    mailboxId: ids.get(e.pathAsListed),
    personalNamespace,
  }));
}

/**
 * imapflow sends the personal namespace as LIST reference (`LIST "INBOX." "*"` on Courier-IMAP),
 * which matches only the mailboxes below INBOX (RFC 3501 section 6.3.8), and its list-only mode
 * returns before it asks for INBOX itself: that one LIST is added here when INBOX is missing.
 */
async function listWithInbox(client: ImapFlow): Promise<Listed[]> {
  const entries: Listed[] = await client.list({ listOnly: true });
  if (entries.some((e) => isInbox(e.path))) return entries;
  const inbox = await listInbox(client);
  if (inbox === undefined) {
    // Every account has an INBOX (RFC 3501 section 5.1): without one the phone gets no Inbox.
    client.log.warn({ msg: 'the IMAP server lists no INBOX', mailboxes: entries.length });
    return entries;
  }
  return [inbox, ...entries];
}

/** `LIST "" "INBOX"`: RFC 3501 section 7.2.2, `* LIST (flags) delimiter name`. */
async function listInbox(client: ImapFlow): Promise<Listed | undefined> {
  let inbox: Listed | undefined;
  const untagged = {
    LIST: async (response: ImapResponse) => {
      const [flags, delimiter, name] = response.attributes ?? [];
      const listedName = atomValue(name);
      if (listedName === undefined || !isInbox(listedName)) return;
      inbox = {
        path: 'INBOX',
        pathAsListed: listedName,
        delimiter: atomValue(delimiter) ?? '',
        flags: new Set(Array.isArray(flags) ? flags.map(atomValue).filter((f) => f !== undefined) : []),
      };
    },
  };
  const response = await execOf(client)('LIST', [str(''), str('INBOX')], { untagged });
  response.next();
  return inbox;
}

function atomValue(attribute: ImapAttribute | undefined): string | undefined {
  if (attribute == null || Array.isArray(attribute) || attribute.value == null) return undefined;
  return attribute.value.toString();
}

/**
 * RFC 8474 MAILBOXID with OBJECTID. Dovecot 2.3 has no OBJECTID but answers the STATUS item
 * X-GUID with the mailbox GUID, which RENAME keeps too (it does not advertise it).
 */
function idStatusItem(client: ImapFlow): 'MAILBOXID' | 'X-GUID' | undefined {
  if (client.capabilities.has('OBJECTID')) return 'MAILBOXID';
  const server = client.serverInfo?.name;
  return typeof server === 'string' && /^dovecot/i.test(server) ? 'X-GUID' : undefined;
}

/** Wire names to ids: one LIST-STATUS (RFC 5819) round trip, else one STATUS per mailbox. */
async function mailboxIds(
  client: ImapFlow,
  item: string,
  wireNames: readonly string[],
): Promise<Map<string, string>> {
  const exec = execOf(client);
  const ids = new Map<string, string>();
  const untagged = {
    LIST: async () => undefined,
    STATUS: async (response: ImapResponse) => {
      const [name, items] = response.attributes ?? [];
      const id = idIn(items, item);
      if (name && !Array.isArray(name) && name.value != null && id) ids.set(name.value.toString(), id);
    },
  };
  const items: ImapAttribute[] = [{ type: 'ATOM', value: item }];
  if (client.capabilities.has('LIST-STATUS')) {
    const returnOptions: ImapAttribute[] = [{ type: 'ATOM', value: 'STATUS' }, items];
    const args: ImapAttribute[] = [str(''), str('*'), { type: 'ATOM', value: 'RETURN' }, returnOptions];
    const listed = await exec('LIST', args, { untagged }).then(
      (response) => (response.next(), true),
      (err: unknown) => {
        // BAD: the server refuses the item; then STATUS per mailbox. NO or a lost connection: fail.
        if (!isBad(err)) throw err;
        return false;
      },
    );
    if (listed) return ids;
  }
  for (const name of wireNames) {
    // \Noselect mailboxes answer NO, a server without the item BAD: such mailboxes keep path keys.
    const answered = await exec('STATUS', [str(name), items], { untagged }).then(
      (response) => (response.next(), true),
      (err: unknown) => {
        if (!isBad(err) && !isNo(err)) throw err;
        return !isBad(err);
      },
    );
    if (!answered) break;
  }
  return ids;
}

// RFC 8474 section 4: "MAILBOXID" SP "(" objectid ")"; Dovecot: "X-GUID" SP atom.
function idIn(items: ImapAttribute | undefined, item: string): string | undefined {
  if (!Array.isArray(items)) return undefined;
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = items[i];
    if (!key || Array.isArray(key) || String(key.value).toUpperCase() !== item) continue;
    const raw = items[i + 1];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value && !Array.isArray(value) && typeof value.value === 'string' && value.value !== '')
      return value.value;
  }
  return undefined;
}

function str(value: string): ImapAttribute {
  return { type: 'STRING', value };
}

function isBad(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'responseStatus' in err && err.responseStatus === 'BAD';
}

function isNo(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'responseStatus' in err && err.responseStatus === 'NO';
}

function execOf(client: ImapFlow): Exec {
  const exec: unknown = Reflect.get(client, 'exec');
  if (typeof exec !== 'function') throw new Error('this imapflow version has no exec()');
  return (command, attributes, options) =>
    Reflect.apply(exec, client, [command, attributes, options]) as ReturnType<Exec>;
}
