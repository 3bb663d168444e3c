import { BackendError } from '../../backends/types.js';
import { parseItemServerId } from '../../model/server-id.js';
import { renderEmailItems } from '../../sync/mail-items.js';
import { child, childText, el, isElement, type WbxmlElement } from '../../wbxml/index.js';
import { optionalId, type IdKind } from '../ids.js';
import { itemOfLongId } from '../search-mailbox.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection } from '../mail-collection.js';
import { ProtocolError } from '../status.js';
import { renderOptionsFor } from '../sync-mail.js';
import { loadAttachment } from '../attachments.js';
import { parseItemOptions } from '../sync-options.js';

// MS-ASCMD 2.2.1.10 ItemOperations: Fetch of a whole item (by CollectionId and ServerId) or of an
// attachment (by FileReference, optionally a byte Range), and EmptyFolderContents.

// MS-ASCMD 2.2.3.177.8 Status in ItemOperations.
const OpStatus = {
  Success: 1,
  ProtocolError: 2,
  ServerError: 3,
  ObjectNotFound: 6,
  ByteRangeInvalid: 8,
  StoreUnknown: 9,
  ConversionFailure: 14,
  InvalidAttachment: 15,
} as const;

type Operation =
  | { kind: 'fetch-item'; collectionId: string; serverId: string; options: WbxmlElement[] }
  | { kind: 'fetch-attachment'; fileReference: string; range: [number, number] | undefined }
  | { kind: 'unsupported-fetch'; echo: WbxmlElement[] }
  | { kind: 'empty-folder'; collectionId: string; deleteSubFolders: boolean };

const itemOperations: Command<Operation[], WbxmlElement[]> = {
  parse(input) {
    if (input?.tag !== 'ItemOperations:ItemOperations') throw new ProtocolError('ItemOperations expected');
    return input.children.filter(isElement).map(parseOperation);
  },

  async handle(ops, ctx) {
    const out: WbxmlElement[] = [];
    for (const op of ops) out.push(await runOperation(op, ctx));
    return out;
  },

  render(responses) {
    return el(
      'ItemOperations:ItemOperations',
      el('ItemOperations:Status', OpStatus.Success),
      el('ItemOperations:Response', responses),
    );
  },
};

// MS-ASCMD 2.2.3.177.8 Status 2: an id that breaks its grammar is a protocol violation.
const id = (kind: IdKind, value: string | undefined): string | undefined =>
  optionalId(kind, value, OpStatus.ProtocolError);

function parseOperation(e: WbxmlElement): Operation {
  if (e.tag === 'ItemOperations:EmptyFolderContents') {
    const options = child(e, 'ItemOperations:Options');
    return {
      kind: 'empty-folder',
      collectionId: id('CollectionId', childText(e, 'AirSync:CollectionId') ?? '')!,
      deleteSubFolders:
        options !== undefined && child(options, 'ItemOperations:DeleteSubFolders') !== undefined,
    };
  }
  if (e.tag !== 'ItemOperations:Fetch') throw new ProtocolError(`ItemOperations ${e.tag} is not supported`);
  const fileReference = id('FileReference', childText(e, 'AirSyncBase:FileReference'));
  const options = child(e, 'ItemOperations:Options');
  if (fileReference !== undefined) {
    const range = options && childText(options, 'ItemOperations:Range');
    return {
      kind: 'fetch-attachment',
      fileReference,
      range: range === undefined ? undefined : parseRange(range),
    };
  }
  // MS-ASCMD 2.2.3.98.2: a Search result is fetched by its LongId alone.
  const longId = id('LongId', childText(e, 'Search:LongId'));
  const found = longId === undefined ? undefined : itemOfLongId(longId);
  if (found !== undefined) return { kind: 'fetch-item', ...found, options: options ? [options] : [] };
  const collectionId = id('CollectionId', childText(e, 'AirSync:CollectionId'));
  const serverId = id('ServerId', childText(e, 'AirSync:ServerId'));
  if (collectionId === undefined || serverId === undefined) {
    // Document library links are not offered by this server.
    return {
      kind: 'unsupported-fetch',
      echo: e.children
        .filter(isElement)
        .filter((c) => c.tag !== 'ItemOperations:Options' && c.tag !== 'ItemOperations:Store'),
    };
  }
  return { kind: 'fetch-item', collectionId, serverId, options: options ? [options] : [] };
}

function parseRange(text: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new ProtocolError(`Range "${text}" is not start-end`);
  return [Number(m[1]), Number(m[2])];
}

async function runOperation(op: Operation, ctx: CommandContext): Promise<WbxmlElement> {
  try {
    if (op.kind === 'fetch-item') return await fetchItem(op, ctx);
    if (op.kind === 'fetch-attachment') return await fetchAttachment(op, ctx);
    if (op.kind === 'empty-folder') return await emptyFolder(op, ctx);
    return el('ItemOperations:Fetch', el('ItemOperations:Status', OpStatus.StoreUnknown), op.echo);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.log.warn({ op: op.kind, err: err.message, kind: err.kind }, 'ItemOperations failed');
    const status = err.kind === 'not-found' ? OpStatus.ObjectNotFound : OpStatus.ServerError;
    const tag = op.kind === 'empty-folder' ? 'ItemOperations:EmptyFolderContents' : 'ItemOperations:Fetch';
    return el(tag, el('ItemOperations:Status', status));
  }
}

async function fetchItem(
  op: Extract<Operation, { kind: 'fetch-item' }>,
  ctx: CommandContext,
): Promise<WbxmlElement> {
  const ids = [el('AirSync:CollectionId', op.collectionId), el('AirSync:ServerId', op.serverId)];
  const failed = (status: number) => el('ItemOperations:Fetch', el('ItemOperations:Status', status), ids);
  const item = parseItemServerId(op.serverId);
  const folder = await resolveCollection(ctx, op.collectionId);
  if (item === undefined || item.collectionId !== op.collectionId || folder?.store !== 'mail')
    return failed(OpStatus.ObjectNotFound);
  // MS-ASCMD 2.2.3.125.3: the Options of a Fetch carry BodyPreference and MIMESupport like Sync's.
  const options = op.options[0] ? parseItemOptions([op.options[0]]) : parseItemOptions([]);
  const rendered = await renderEmailItems(
    ctx.backends.mail,
    folder.key,
    [item.uid],
    renderOptionsFor(options, op.collectionId, ctx),
    ctx.signal,
  );
  const fields = rendered.get(item.uid)?.fields;
  if (fields === undefined) return failed(OpStatus.ObjectNotFound);
  return el(
    'ItemOperations:Fetch',
    el('ItemOperations:Status', OpStatus.Success),
    ids,
    el('AirSync:Class', 'Email'),
    el('ItemOperations:Properties', fields),
  );
}

async function fetchAttachment(
  op: Extract<Operation, { kind: 'fetch-attachment' }>,
  ctx: CommandContext,
): Promise<WbxmlElement> {
  const failed = (status: number) =>
    el(
      'ItemOperations:Fetch',
      el('ItemOperations:Status', status),
      el('AirSyncBase:FileReference', op.fileReference),
    );
  const found = await loadAttachment(ctx, op.fileReference);
  if (found === 'invalid-reference') return failed(OpStatus.InvalidAttachment);
  if (found === 'not-found') return failed(OpStatus.ObjectNotFound);
  const content = found.content;
  let slice = content;
  let range: string | undefined;
  if (op.range !== undefined) {
    const [start, end] = op.range;
    if (start >= content.length) return failed(OpStatus.ByteRangeInvalid);
    slice = content.subarray(start, Math.min(end + 1, content.length));
    range = `${start}-${start + slice.length - 1}`;
  }
  return el(
    'ItemOperations:Fetch',
    el('ItemOperations:Status', OpStatus.Success),
    el('AirSyncBase:FileReference', op.fileReference),
    el(
      'ItemOperations:Properties',
      el('AirSyncBase:ContentType', found.contentType),
      range !== undefined && el('ItemOperations:Range', range),
      range !== undefined && el('ItemOperations:Total', content.length),
      el('ItemOperations:Data', Buffer.from(slice).toString('base64')),
    ),
  );
}

async function emptyFolder(
  op: Extract<Operation, { kind: 'empty-folder' }>,
  ctx: CommandContext,
): Promise<WbxmlElement> {
  const done = (status: number) =>
    el(
      'ItemOperations:EmptyFolderContents',
      el('ItemOperations:Status', status),
      el('AirSync:CollectionId', op.collectionId),
    );
  const folder = await resolveCollection(ctx, op.collectionId);
  if (folder?.store !== 'mail') return done(OpStatus.ObjectNotFound);
  const store = ctx.backends.mail;
  // UID SEARCH ALL, then one STORE and one UID EXPUNGE over ranges: a command line of a few bytes
  // whatever the folder size (servers cap lines at about 64 KB).
  const { uids } = await store.searchUids(folder.key, undefined, ctx.signal);
  await store.expungeMessages(folder.key, uids, ctx.signal);
  if (op.deleteSubFolders) {
    const children = (await store.listFolders(ctx.signal)).filter((f) => f.parentKey === folder.key);
    for (const c of children) await store.deleteFolder(c.key, ctx.signal);
  }
  return done(OpStatus.Success);
}

export const itemOperationsCommand = defineCommand({
  name: 'ItemOperations',
  command: itemOperations,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'ItemOperations:ItemOperations',
  statusTag: 'ItemOperations:Status',
});
