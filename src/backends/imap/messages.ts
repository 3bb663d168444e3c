import type { FetchMessageObject, ImapFlow, MessageStructureObject } from 'imapflow';
import {
  bodyFetchKey,
  type BodyFetch,
  type MailAddress,
  type MailMessage,
  type MimePart,
} from '../../model/mail-message.js';
import { UidSet } from '../../model/uid-set.js';
import { BackendError, type MailboxDelta, type MailboxState, type MessageFlags } from '../types.js';

// Message-level IMAP operations on a mailbox the caller has selected (under imapflow's mailbox
// lock). Everything is one command per call, whatever the number of messages: the Sync engine asks
// for whole windows at once.

/** STATUS, which needs no SELECT; HIGHESTMODSEQ only counts when QRESYNC gives us VANISHED too. */
export async function mailboxStateOf(client: ImapFlow, path: string): Promise<MailboxState> {
  // Dovecot answers STATUS on the mailbox this connection has selected from the session's view,
  // which lags until the next command that reports changes.
  if (client.mailbox && client.mailbox.path === path) await refreshView(client);
  const status = await client.status(path, {
    uidValidity: true,
    uidNext: true,
    messages: true,
    highestModseq: true,
  });
  if (status === false) throw new BackendError('temporary', `STATUS ${path}: not authenticated`);
  const qresync = client.enabled.has('QRESYNC');
  return {
    uidValidity: Number(status.uidValidity ?? 0),
    uidNext: status.uidNext ?? 1,
    messages: status.messages ?? 0,
    highestModseq: qresync && status.highestModseq !== undefined ? BigInt(status.highestModseq) : undefined,
  };
}

/**
 * A mailbox selected earlier on this connection shows what the server has told it so far; NOOP
 * brings in new messages and expunges (RFC 3501 6.1.2) before a listing relies on the view.
 */
export async function refreshView(client: ImapFlow): Promise<void> {
  await client.noop();
}

/**
 * Whether messages marked \Deleted but not yet expunged (the mark-then-expunge model of RFC 3501
 * 6.4.3, still used by some clients) are gone for the device: then they are left out of every
 * listing and a mark reads as an expunge.
 */
export interface ListingOptions {
  readonly hideDeleted: boolean;
}

export async function searchUidsSince(
  client: ImapFlow,
  since: Date | undefined,
  options: ListingOptions,
): Promise<number[]> {
  await refreshView(client);
  // SEARCH SINCE compares dates only (RFC 3501 6.4.4): the window may start up to a day early.
  const found = await client.search(
    {
      ...(since === undefined ? { all: true } : { since }),
      ...(options.hideDeleted ? { deleted: false } : {}),
    },
    { uid: true },
  );
  return (found || []).sort((a, b) => a - b);
}

/**
 * RFC 7162 3.2.6: one UID FETCH with CHANGEDSINCE and VANISHED gives every change at once. Expunges
 * the server reports on its own in between (`* VANISHED` in answer to the NOOP of `mailboxStateOf`,
 * as Cyrus does, which then leaves them out of the FETCH's VANISHED (EARLIER)) count too, so the
 * listener is on for the whole exchange. The UID range is explicit: `1:*` ends at the highest UID
 * that still exists, which would leave out an expunged newest message.
 */
export async function changesSince(
  client: ImapFlow,
  path: string,
  modseq: bigint,
  options: ListingOptions,
): Promise<MailboxDelta> {
  const vanished: number[] = [];
  const onExpunge = (event: { path: string; uid?: number; vanished?: boolean; earlier?: boolean }): void => {
    if (event.path === path && event.vanished && event.uid !== undefined) vanished.push(event.uid);
  };
  client.on('expunge', onExpunge);
  try {
    const state = await mailboxStateOf(client, path);
    const rows = await client.fetchAll(
      ALL_UIDS,
      { uid: true, flags: true, internalDate: true },
      { uid: true, changedSince: modseq },
    );
    const changed = rows.map(flagsRow);
    if (!options.hideDeleted) return { state, changed, vanished };
    const marked = changed.filter(isMarkedDeleted).map((m) => m.uid);
    return { state, changed: changed.filter((m) => !isMarkedDeleted(m)), vanished: [...vanished, ...marked] };
  } finally {
    client.off('expunge', onExpunge);
  }
}

/** Every UID there can be (RFC 3501 uniqueid is a 32-bit number). */
const ALL_UIDS = '1:4294967295';

/** UIDs as an IMAP sequence set of ranges: a whole folder fits in a few bytes of command line. */
export function uidSetOf(uids: readonly number[]): string {
  return UidSet.of(uids).toString();
}

/**
 * A connection that selected the mailbox earlier knows only the messages the server has told it
 * of; a write naming a UID it has not seen yet does nothing and still answers OK (Dovecot: "No
 * messages found"). NOOP brings such a view up to date before writing (RFC 3501 6.1.2).
 */
async function seeUids(client: ImapFlow, uids: readonly number[]): Promise<void> {
  const uidNext = client.mailbox ? client.mailbox.uidNext : undefined;
  if (uidNext === undefined || uids.some((uid) => uid >= uidNext)) await refreshView(client);
}

export async function listFlags(
  client: ImapFlow,
  uids: string | undefined,
  options: ListingOptions,
): Promise<MessageFlags[]> {
  if (uids === '') return [];
  await refreshView(client);
  const rows = await client.fetchAll(
    uids ?? '1:*',
    { uid: true, flags: true, internalDate: true },
    { uid: true },
  );
  const listed = rows.map(flagsRow);
  return options.hideDeleted ? listed.filter((m) => !isMarkedDeleted(m)) : listed;
}

function isMarkedDeleted(m: MessageFlags): boolean {
  return m.flags.includes('\\Deleted');
}

export async function fetchMessages(
  client: ImapFlow,
  uids: readonly number[],
  headerFields: readonly string[],
): Promise<MailMessage[]> {
  if (uids.length === 0) return [];
  const rows = await client.fetchAll(
    uidSetOf(uids),
    {
      uid: true,
      flags: true,
      internalDate: true,
      size: true,
      envelope: true,
      bodyStructure: true,
      ...(headerFields.length > 0 ? { headers: [...headerFields] } : {}),
    },
    { uid: true },
  );
  return rows.map(toMailMessage).sort((a, b) => a.uid - b.uid);
}

/** Groups identical requests so a window of 100 plain-text messages costs one FETCH, not 100. */
export async function fetchBodies(
  client: ImapFlow,
  requests: ReadonlyMap<number, readonly BodyFetch[]>,
): Promise<Map<number, Map<string, Uint8Array>>> {
  const groups = new Map<string, { fetch: BodyFetch; uids: number[] }>();
  for (const [uid, fetches] of requests) {
    for (const fetch of fetches) {
      const id = `${fetch.section ?? ''}\0${fetch.maxBytes ?? ''}`;
      const group = groups.get(id) ?? { fetch, uids: [] };
      group.uids.push(uid);
      groups.set(id, group);
    }
  }
  const out = new Map<number, Map<string, Uint8Array>>();
  for (const { fetch, uids } of groups.values()) {
    const partial = fetch.maxBytes === undefined ? {} : { start: 0, maxLength: fetch.maxBytes };
    const query =
      fetch.section === undefined
        ? { uid: true, source: fetch.maxBytes === undefined ? true : partial }
        : { uid: true, bodyParts: [{ key: fetch.section, ...partial }] };
    const rows = await client.fetchAll(uidSetOf(uids), query, { uid: true });
    for (const row of rows) {
      const bytes = fetch.section === undefined ? row.source : firstBodyPart(row);
      if (bytes === undefined) continue;
      const perUid = out.get(row.uid) ?? new Map<string, Uint8Array>();
      perUid.set(bodyFetchKey(fetch), bytes);
      out.set(row.uid, perUid);
    }
  }
  return out;
}

export async function storeFlags(
  client: ImapFlow,
  uids: readonly number[],
  add: readonly string[],
  remove: readonly string[],
): Promise<MessageFlags[]> {
  if (uids.length === 0) return [];
  await seeUids(client, uids);
  const set = uidSetOf(uids);
  if (add.length > 0) await client.messageFlagsAdd(set, [...add], { uid: true });
  if (remove.length > 0) await client.messageFlagsRemove(set, [...remove], { uid: true });
  const rows = await client.fetchAll(set, { uid: true, flags: true }, { uid: true });
  return rows.map(flagsRow);
}

/** Source UID → UID in the target (COPYUID, RFC 4315); a UID missing from it was not moved. */
export async function moveMessages(
  client: ImapFlow,
  uids: readonly number[],
  targetPath: string,
): Promise<Map<number, number>> {
  if (uids.length === 0) return new Map();
  await seeUids(client, uids);
  const result = await client.messageMove(uidSetOf(uids), targetPath, { uid: true });
  if (result === false) throw new BackendError('permanent', `MOVE to ${targetPath} failed`);
  return new Map(result.uidMap ?? []);
}

export async function expungeMessages(client: ImapFlow, uids: readonly number[]): Promise<void> {
  if (uids.length === 0) return;
  await seeUids(client, uids);
  // UID EXPUNGE (RFC 4315) where offered: only these messages go, not others marked \Deleted.
  await client.messageDelete(uidSetOf(uids), { uid: true });
}

function flagsRow(row: FetchMessageObject): MessageFlags {
  return {
    uid: row.uid,
    flags: [...(row.flags ?? [])],
    modseq: row.modseq === undefined ? undefined : BigInt(row.modseq),
    internalDate: row.internalDate instanceof Date ? row.internalDate : undefined,
  };
}

function firstBodyPart(row: FetchMessageObject): Uint8Array | undefined {
  for (const value of row.bodyParts?.values() ?? []) return value;
  return undefined;
}

function toMailMessage(row: FetchMessageObject): MailMessage {
  const env = row.envelope;
  return {
    uid: row.uid,
    flags: [...(row.flags ?? [])],
    internalDate: row.internalDate instanceof Date ? row.internalDate : new Date(0),
    size: row.size ?? 0,
    envelope: {
      date: env?.date instanceof Date && !Number.isNaN(env.date.getTime()) ? env.date : undefined,
      subject: env?.subject,
      from: addresses(env?.from),
      sender: addresses(env?.sender),
      replyTo: addresses(env?.replyTo),
      to: addresses(env?.to),
      cc: addresses(env?.cc),
      bcc: addresses(env?.bcc),
      messageId: env?.messageId,
      inReplyTo: env?.inReplyTo,
    },
    headers: parseHeaderFields(row.headers),
    structure: row.bodyStructure ? toMimePart(row.bodyStructure, true) : EMPTY_TEXT_PART,
  };
}

const EMPTY_TEXT_PART: MimePart = {
  section: '1',
  type: 'text/plain',
  params: {},
  dispositionParams: {},
  children: [],
};

function addresses(list: readonly { name?: string; address?: string }[] | undefined): MailAddress[] {
  return (list ?? []).map((a) => ({
    ...(a.name ? { name: a.name } : {}),
    ...(a.address ? { address: a.address } : {}),
  }));
}

function toMimePart(node: MessageStructureObject, root: boolean): MimePart {
  const multipart = node.type.startsWith('multipart/');
  // RFC 3501 6.4.5: a single-part message's body is section 1; a multipart root has no section.
  const section = node.part ?? (root && !multipart ? '1' : '');
  // An attached message shares its section with its own body (RFC 3501): keep it a leaf so
  // sections stay unique and its insides are never taken for our body.
  const children = node.type === 'message/rfc822' ? [] : (node.childNodes ?? []);
  return {
    section,
    type: node.type,
    params: lowerKeys(node.parameters),
    ...(node.encoding ? { encoding: node.encoding.toLowerCase() } : {}),
    ...(node.size !== undefined ? { size: node.size } : {}),
    ...(node.id ? { contentId: node.id } : {}),
    ...(node.disposition ? { disposition: node.disposition.toLowerCase() } : {}),
    dispositionParams: lowerKeys(node.dispositionParameters),
    children: children.map((c) => toMimePart(c, false)),
  };
}

function lowerKeys(params: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Unfolds `Name: value` lines (RFC 5322 2.2.3); the first occurrence of a field wins. */
export function parseHeaderFields(raw: Uint8Array | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  const unfolded = Buffer.from(raw)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in out)) out[name] = line.slice(colon + 1).trim();
  }
  return out;
}
