import { BackendError } from '../../backends/types.js';
import { displayTo } from '../../model/email/headers.js';
import { child, childText, el, elements, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import { isValidId } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { parsePicture, searchGal, type PictureRequest } from '../search-gal.js';
import {
  longIdOf,
  renderRows,
  searchMailbox,
  type MailboxCriteria,
  type RenderedRow,
} from '../search-mailbox.js';
import { parseRange, returnedRange, type RowRange } from '../search-range.js';
import { CommonStatus, EasError, ProtocolError } from '../status.js';
import { DEFAULT_ITEM_OPTIONS, type ItemOptions } from '../sync-options.js';

// MS-ASCMD 2.2.1.2 Find (16.1): the mailbox (MailBoxSearchCriterion) or the GAL
// (GALSearchCriterion), answered through the same paths as Search, with the short Find
// properties of each message (no body, a Preview).

// MS-ASCMD 2.2.3.177.2 Status.
const FindStatus = { Success: 1, InvalidRequest: 2, FolderSyncRequired: 3, RangeNotFromZero: 4 } as const;

/** MS-ASCMD 2.2.3.143.1: 0 ≤ m ≤ n ≤ 999; we return at most 100 rows per request, as Search does. */
const DEFAULT_RANGE: RowRange = { start: 0, end: 99 };
const MAX_ROWS = 100;
const MAX_INDEX = 999;

/** Find shows a Preview instead of the body (MS-ASCMD 2.2.3.137: up to 255 characters). */
const PREVIEW_OPTIONS: ItemOptions = {
  ...DEFAULT_ITEM_OPTIONS,
  bodyPreferences: [{ type: 1, truncationSize: 0, preview: 255 }],
};

type FindRequest =
  | { readonly kind: 'mailbox'; readonly criteria: MailboxCriteria; readonly range: RowRange }
  | {
      readonly kind: 'gal';
      readonly text: string;
      readonly range: RowRange;
      readonly picture?: PictureRequest;
    }
  | { readonly kind: 'refused'; readonly status: number; readonly reason: string };

interface FindResult {
  readonly status: number;
  readonly store?: 'Mailbox' | 'GAL';
  readonly results?: readonly WbxmlElement[];
  readonly range?: string;
  readonly total?: number;
}

const find: Command<FindRequest, FindResult> = {
  parse(input) {
    const execute = input?.tag === 'Find:Find' ? child(input, 'Find:ExecuteSearch') : undefined;
    if (execute === undefined) throw new ProtocolError('Find without ExecuteSearch');
    const mailbox = child(execute, 'Find:MailBoxSearchCriterion');
    const gal = child(execute, 'Find:GalSearchCriterion');
    const criterion = mailbox ?? gal;
    if (criterion === undefined) return refused(FindStatus.InvalidRequest, 'no search criterion');
    const options = child(criterion, 'Find:Options');
    const rangeText = options && childText(options, 'Find:Range');
    const range = parseRange(rangeText, DEFAULT_RANGE, MAX_ROWS);
    if (range === undefined || range.end > MAX_INDEX) return refused(FindStatus.InvalidRequest, 'bad Range');
    const query = child(criterion, 'Find:Query');
    const freeText = query && childText(query, 'Find:FreeText')?.trim();
    if (gal !== undefined && mailbox === undefined) {
      const picture =
        options && parsePicture(child(options, 'Find:Picture'), 'Find:MaxSize', 'Find:MaxPictures');
      return { kind: 'gal', text: freeText ?? '', range, ...(picture ? { picture } : {}) };
    }
    const ids = query ? textsOf(query, 'AirSync:CollectionId') : [];
    if (ids.length > 1) return refused(FindStatus.InvalidRequest, 'more than one CollectionId');
    if (!ids.every((id) => isValidId('CollectionId', id)))
      return refused(FindStatus.InvalidRequest, 'a CollectionId breaks its grammar');
    return {
      kind: 'mailbox',
      range,
      criteria: {
        collectionIds: ids,
        // MS-ASCMD 2.2.3.41.1: without a CollectionId every folder is searched anyway.
        deepTraversal: options !== undefined && child(options, 'Find:DeepTraversal') !== undefined,
        classes: query ? textsOf(query, 'AirSync:Class') : [],
        ...(freeText ? { freeText } : {}),
      },
    };
  },

  async handle(req, ctx) {
    if (req.kind === 'refused') {
      ctx.log.info({ reason: req.reason }, 'Find refused');
      return { status: req.status };
    }
    if (req.kind === 'gal') return galFind(req, ctx);
    return mailboxFind(req, ctx);
  },

  render(res) {
    return el(
      'Find:Find',
      el('Find:Status', res.status),
      res.store &&
        el(
          'Find:Response',
          el('ItemOperations:Store', res.store),
          el('Find:Status', res.status),
          res.results,
          res.range !== undefined && el('Find:Range', res.range),
          res.total !== undefined && el('Find:Total', res.total),
        ),
    );
  },
};

function refused(status: number, reason: string): FindRequest {
  return { kind: 'refused', status, reason };
}

function textsOf(e: WbxmlElement, tag: TagRef): string[] {
  return elements(e, tag)
    .map((x) =>
      x.children
        .filter((c): c is string => typeof c === 'string')
        .join('')
        .trim(),
    )
    .filter((t) => t !== '');
}

/** Find has no status for a failing backend: the client is told to retry (MS-ASCMD 2.2.2, 111). */
function retryLater(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  throw new EasError(CommonStatus.ServerErrorRetryLater, `Find: ${message}`, { cause: err });
}

async function galFind(req: Extract<FindRequest, { kind: 'gal' }>, ctx: CommandContext): Promise<FindResult> {
  try {
    const { total, rows } = await searchGal(ctx, req.text, req.range, req.picture);
    return {
      status: FindStatus.Success,
      store: 'GAL',
      results: rows.map((props) => el('Find:Result', el('Find:Properties', props))),
      range: returnedRange(req.range.start, rows.length),
      total,
    };
  } catch (err) {
    if (err instanceof BackendError) retryLater(err);
    throw err;
  }
}

async function mailboxFind(
  req: Extract<FindRequest, { kind: 'mailbox' }>,
  ctx: CommandContext,
): Promise<FindResult> {
  const outcome = await searchMailbox(ctx, req.criteria, req.range);
  if (outcome.kind === 'unknown-collection') return { status: FindStatus.FolderSyncRequired };
  if (outcome.kind === 'timeout' || outcome.kind === 'unavailable')
    retryLater(`mailbox search ${outcome.kind}`);
  if (outcome.kind === 'failed') {
    if (outcome.error.kind === 'not-found') return { status: FindStatus.FolderSyncRequired };
    // A query the IMAP server will not run is the request's fault, as far as Find can say.
    if (outcome.error.kind === 'permanent') return { status: FindStatus.InvalidRequest };
    retryLater(outcome.error);
  }
  let rendered: RenderedRow[];
  try {
    rendered = await renderRows(ctx, outcome.rows, PREVIEW_OPTIONS);
  } catch (err) {
    if (err instanceof BackendError && err.kind !== 'auth') retryLater(err);
    throw err;
  }
  const results = rendered.map((r) =>
    el(
      'Find:Result',
      el('AirSync:Class', 'Email'),
      el('AirSync:ServerId', longIdOf(r.row)),
      el('AirSync:CollectionId', r.row.collectionId),
      el('Find:Properties', findProperties(r)),
    ),
  );
  return {
    status: FindStatus.Success,
    store: 'Mailbox',
    results,
    range: returnedRange(req.range.start, results.length),
    total: outcome.total,
  };
}

/**
 * MS-ASCMD 2.2.3.139.1, in its order: Subject, DateReceived, DisplayTo, DisplayCc, DisplayBcc,
 * Importance, Read, IsDraft, Preview, HasAttachments, From; taken from the rendered Email item.
 */
function findProperties({ message, fields }: RenderedRow): WbxmlElement[] {
  const field = (tag: TagRef): WbxmlElement | undefined => fields.find((f) => f.tag === tag);
  const body = field('AirSyncBase:Body');
  const preview = body && childText(body, 'AirSyncBase:Preview');
  const attachments = field('AirSyncBase:Attachments');
  const cc = displayTo(message.envelope.cc);
  const bcc = displayTo(message.envelope.bcc);
  return [
    field('Email:Subject'),
    field('Email:DateReceived'),
    field('Email:DisplayTo'),
    cc !== undefined ? el('Find:DisplayCc', cc) : undefined,
    bcc !== undefined ? el('Find:DisplayBcc', bcc) : undefined,
    field('Email:Importance'),
    field('Email:Read'),
    field('Email2:IsDraft'),
    preview !== undefined && preview !== '' ? el('Find:Preview', preview) : undefined,
    el('Find:HasAttachments', attachments !== undefined && elements(attachments).length > 0 ? 1 : 0),
    field('Email:From'),
  ].filter((e): e is WbxmlElement => e !== undefined);
}

export const findCommand = defineCommand({
  name: 'Find',
  command: find,
  body: 'wbxml',
  minVersion: '16.1',
  needsProvisioning: true,
  root: 'Find:Find',
  statusTag: 'Find:Status',
});
