import { BackendError, type BackendErrorKind } from '../../backends/types.js';
import { child, childText, el, isElement, type WbxmlElement } from '../../wbxml/index.js';
import { isValidId } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { parseEasDate } from '../eas-datetime.js';
import { isBackendFailure, parsePicture, queryText, searchGal, type PictureRequest } from '../search-gal.js';
import { longIdOf, renderRows, searchMailbox, type MailboxCriteria } from '../search-mailbox.js';
import { parseRange, returnedRange, type RowRange } from '../search-range.js';
import { ProtocolError } from '../status.js';
import { parseItemOptions, type ItemOptions } from '../sync-options.js';
import { atLeast } from '../version.js';

// MS-ASCMD 2.2.1.16 Search: the GAL (directory entries) and the Mailbox (Email items, fetchable
// afterwards by LongId). Document libraries are not offered.

// MS-ASCMD 2.2.3.177.13 Status: of the Search element, and of the Store element.
const SearchStatus = { Success: 1, ServerError: 3 } as const;
const StoreStatus = {
  Success: 1,
  InvalidRequest: 2,
  ServerError: 3,
  BadLink: 4,
  AccessDenied: 5,
  NotFound: 6,
  ConnectionFailed: 7,
  TooComplex: 8,
  TimedOut: 10,
  FolderSyncRequired: 11,
  EndOfRangeExceeded: 12,
  AccessBlocked: 13,
  CredentialsRequired: 14,
} as const;

/**
 * A failed mailbox search as the client should read it: a folder that went away asks for a
 * FolderSync; a query the IMAP server refused (NO/BAD: [BADCHARSET], a limit) is too complex for
 * it; anything transient is a server error the client may retry. 'auth' never gets here (HTTP 401).
 */
const STORE_STATUS_OF_BACKEND_ERROR: Readonly<Record<BackendErrorKind, number>> = {
  'not-found': StoreStatus.FolderSyncRequired,
  permanent: StoreStatus.TooComplex,
  temporary: StoreStatus.ServerError,
  exists: StoreStatus.ServerError,
  conflict: StoreStatus.ServerError,
  precondition: StoreStatus.ServerError,
  quota: StoreStatus.ServerError,
  auth: StoreStatus.ServerError,
};

/** MS-ASCMD 2.2.3.143.3: the default Range of the GAL and the Mailbox, and its largest size. */
const DEFAULT_RANGE: RowRange = { start: 0, end: 99 };
const MAX_ROWS = 100;

type SearchRequest =
  | {
      readonly store: 'GAL';
      readonly text: string;
      readonly range: RowRange;
      readonly picture?: PictureRequest;
    }
  | {
      readonly store: 'Mailbox';
      readonly criteria: MailboxCriteria;
      readonly range: RowRange;
      readonly options: ItemOptions;
    }
  | { readonly store: 'refused'; readonly status: number; readonly reason: string };

interface SearchResult {
  readonly status: number;
  readonly storeStatus: number;
  readonly results?: readonly WbxmlElement[];
  readonly range?: string;
  readonly total?: number;
}

const search: Command<SearchRequest, SearchResult> = {
  parse(input, ctx) {
    const store = input?.tag === 'Search:Search' ? child(input, 'Search:Store') : undefined;
    if (store === undefined) throw new ProtocolError('Search without Store');
    return parseStore(store, ctx);
  },

  async handle(req, ctx) {
    if (req.store === 'refused') {
      ctx.log.info({ reason: req.reason }, 'Search refused');
      return { status: SearchStatus.Success, storeStatus: req.status };
    }
    if (req.store === 'GAL') return galSearch(req, ctx);
    return mailboxSearch(req, ctx);
  },

  render(res) {
    return el(
      'Search:Search',
      el('Search:Status', res.status),
      el(
        'Search:Response',
        el(
          'Search:Store',
          el('Search:Status', res.storeStatus),
          res.results && (res.results.length > 0 ? res.results : el('Search:Result')),
          res.range !== undefined && el('Search:Range', res.range),
          res.total !== undefined && el('Search:Total', res.total),
        ),
      ),
    );
  },
};

function parseStore(store: WbxmlElement, ctx: CommandContext): SearchRequest {
  const name = (childText(store, 'Search:Name') ?? '').trim();
  const options = child(store, 'Search:Options');
  const range = parseRange(options && childText(options, 'Search:Range'), DEFAULT_RANGE, MAX_ROWS);
  if (range === undefined) return refused(StoreStatus.InvalidRequest, 'Range is not "m-n"');
  // Store names are case-insensitive in practice (Exchange accepts "mailbox").
  if (name.toLowerCase() === 'gal') {
    const picture =
      options && atLeast(ctx.request.version, '14.1')
        ? parsePicture(child(options, 'Search:Picture'), 'Search:MaxSize', 'Search:MaxPictures')
        : undefined;
    return {
      store: 'GAL',
      text: queryText(child(store, 'Search:Query')).trim(),
      range,
      ...(picture ? { picture } : {}),
    };
  }
  if (name.toLowerCase() !== 'mailbox')
    return refused(StoreStatus.InvalidRequest, `store "${name}" is not offered`);
  const query = child(store, 'Search:Query');
  if (query === undefined) return refused(StoreStatus.InvalidRequest, 'Mailbox search without Query');
  const criteria = parseMailboxQuery(query);
  if (typeof criteria === 'string') return refused(StoreStatus.TooComplex, criteria);
  if (criteria === undefined) return refused(StoreStatus.InvalidRequest, 'unreadable Mailbox query');
  return {
    store: 'Mailbox',
    criteria: {
      ...criteria,
      deepTraversal: options !== undefined && child(options, 'Search:DeepTraversal') !== undefined,
    },
    range,
    // MS-ASCMD 2.2.3.125.5: BodyPreference and MIMESupport sit directly in Search's Options.
    options: parseItemOptions(options ? [options] : []),
  };
}

function refused(status: number, reason: string): SearchRequest {
  return { store: 'refused', status, reason };
}

interface QueryParts {
  collectionIds: string[];
  classes: string[];
  words: string[];
  receivedAfter?: Date;
  receivedBefore?: Date;
}

/**
 * The mailbox query (MS-ASCMD 2.2.3.142.2): And, Class, CollectionId, FreeText and a DateReceived
 * range. Or is read only as a list of folders. A string names what we cannot search (Status 8),
 * undefined a malformed query (Status 2).
 */
function parseMailboxQuery(query: WbxmlElement): Omit<MailboxCriteria, 'deepTraversal'> | string | undefined {
  const parts: QueryParts = { collectionIds: [], classes: [], words: [] };
  const problem = collect(query, parts);
  if (problem !== undefined) return problem === 'malformed' ? undefined : problem;
  // A folder id that breaks its grammar makes the query malformed (Status 2), not a folder search.
  if (!parts.collectionIds.every((id) => isValidId('CollectionId', id))) return undefined;
  return {
    collectionIds: parts.collectionIds,
    classes: parts.classes,
    ...(parts.words.length > 0 ? { freeText: parts.words.join(' ') } : {}),
    ...(parts.receivedAfter ? { receivedAfter: parts.receivedAfter } : {}),
    ...(parts.receivedBefore ? { receivedBefore: parts.receivedBefore } : {}),
  };
}

function collect(e: WbxmlElement, parts: QueryParts): string | undefined {
  for (const c of e.children.filter(isElement)) {
    const value = queryText(c).trim();
    switch (c.tag) {
      case 'Search:And': {
        const problem = collect(c, parts);
        if (problem !== undefined) return problem;
        break;
      }
      case 'Search:Or': {
        const ids = c.children.filter(isElement);
        if (!ids.every((x) => x.tag === 'AirSync:CollectionId')) return 'Or of anything but folders';
        parts.collectionIds.push(...ids.map((x) => queryText(x).trim()));
        break;
      }
      case 'AirSync:Class':
        parts.classes.push(value);
        break;
      case 'AirSync:CollectionId':
        parts.collectionIds.push(value);
        break;
      case 'Search:FreeText':
        if (value !== '') parts.words.push(value);
        break;
      case 'Search:GreaterThan':
      case 'Search:LessThan': {
        if (child(c, 'Email:DateReceived') === undefined) return `${c.tag} on anything but DateReceived`;
        const ms = parseEasDate(childText(c, 'Search:Value'));
        if (ms === undefined) return 'malformed';
        if (c.tag === 'Search:GreaterThan') parts.receivedAfter = new Date(ms);
        else parts.receivedBefore = new Date(ms);
        break;
      }
      default:
        // ConversationId, EqualTo (document libraries) and anything newer.
        return `${c.tag} in a query`;
    }
  }
  return undefined;
}

async function galSearch(
  req: Extract<SearchRequest, { store: 'GAL' }>,
  ctx: CommandContext,
): Promise<SearchResult> {
  try {
    const { total, rows } = await searchGal(ctx, req.text, req.range, req.picture);
    return {
      status: SearchStatus.Success,
      storeStatus: StoreStatus.Success,
      results: rows.map((props) => el('Search:Result', el('Search:Properties', props))),
      range: returnedRange(req.range.start, rows.length),
      total,
    };
  } catch (err) {
    // The directory logs in with its own account: none of its failures is the user's to fix.
    if (!(err instanceof BackendError)) throw err;
    ctx.log.warn({ err: err.message }, 'GAL search failed');
    return { status: SearchStatus.Success, storeStatus: StoreStatus.ServerError };
  }
}

async function mailboxSearch(
  req: Extract<SearchRequest, { store: 'Mailbox' }>,
  ctx: CommandContext,
): Promise<SearchResult> {
  const outcome = await searchMailbox(ctx, req.criteria, req.range);
  if (outcome.kind === 'unknown-collection')
    return { status: SearchStatus.Success, storeStatus: StoreStatus.FolderSyncRequired };
  if (outcome.kind === 'timeout') return { status: SearchStatus.Success, storeStatus: StoreStatus.TimedOut };
  if (outcome.kind === 'unavailable')
    return { status: SearchStatus.Success, storeStatus: StoreStatus.ServerError };
  if (outcome.kind === 'failed') {
    ctx.log.warn({ err: outcome.error.message, kind: outcome.error.kind }, 'mailbox search failed');
    return { status: SearchStatus.Success, storeStatus: STORE_STATUS_OF_BACKEND_ERROR[outcome.error.kind] };
  }
  let rendered;
  try {
    rendered = await renderRows(ctx, outcome.rows, req.options);
  } catch (err) {
    if (!isBackendFailure(err)) throw err;
    return { status: SearchStatus.Success, storeStatus: STORE_STATUS_OF_BACKEND_ERROR[err.kind] };
  }
  // MS-ASCMD 2.2.3.155.3: Class, LongId, CollectionId and the item's Properties.
  const results = rendered.map(({ row, fields }) =>
    el(
      'Search:Result',
      el('AirSync:Class', 'Email'),
      el('Search:LongId', longIdOf(row)),
      el('AirSync:CollectionId', row.collectionId),
      el('Search:Properties', fields),
    ),
  );
  return {
    status: SearchStatus.Success,
    storeStatus: StoreStatus.Success,
    results,
    range: returnedRange(req.range.start, results.length),
    total: outcome.total,
  };
}

export const searchCommand = defineCommand({
  name: 'Search',
  command: search,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'Search:Search',
  statusTag: 'Search:Status',
});
