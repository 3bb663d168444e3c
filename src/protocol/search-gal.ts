import { BackendError } from '../backends/types.js';
import { directoryEntryOf, renderGalProperties, type DirectoryEntry } from '../model/contact/index.js';
import { childText, type TagRef, type WbxmlElement } from '../wbxml/index.js';
import type { CommandContext } from './context.js';
import type { RowRange } from './search-range.js';
import { optionalInt } from './sync-options.js';

// The GAL part of Search (MS-ASCMD 2.2.1.16, Store Name "GAL") and Find (2.2.1.2,
// GALSearchCriterion): the Directory answers, entries render as gal:* properties.

/** MS-ASCMD 2.2.3.135 Picture in the request: MaxSize (bytes of one photo) and MaxPictures. */
export interface PictureRequest {
  readonly maxSize?: number;
  readonly maxPictures?: number;
}

export interface GalRows {
  readonly total: number;
  /** The gal:* children of each result's Properties, in Range order. */
  readonly rows: WbxmlElement[][];
}

/** Picture options in the request's Options, from the given namespace's tags. */
export function parsePicture(
  picture: WbxmlElement | undefined,
  maxSize: TagRef,
  maxPictures: TagRef,
): PictureRequest | undefined {
  if (picture === undefined) return undefined;
  const size = optionalInt(picture, maxSize);
  const count = optionalInt(picture, maxPictures);
  return {
    ...(size !== undefined ? { maxSize: size } : {}),
    ...(count !== undefined ? { maxPictures: count } : {}),
  };
}

/** Counts photos handed out, for MaxPictures (MS-ASCMD 2.2.3.104). */
export class PictureBudget {
  #given = 0;
  constructor(readonly request: PictureRequest | undefined) {}

  /** What to say about this entry's photo; counts it when its data goes out. */
  take(entry: DirectoryEntry): { limitReached: boolean } {
    const limitReached = this.request?.maxPictures !== undefined && this.#given >= this.request.maxPictures;
    const photo = entry.picture;
    const fits = photo !== undefined && photo.data.length > 0 && fitsSize(photo.data, this.request);
    if (fits && !limitReached) this.#given++;
    return { limitReached };
  }
}

function fitsSize(data: Uint8Array, req: PictureRequest | undefined): boolean {
  return req?.maxSize === undefined || data.length <= req.maxSize;
}

/** Directory entries matching `text`, the range's rows rendered; no directory means an empty GAL. */
export async function searchGal(
  ctx: CommandContext,
  text: string,
  range: RowRange,
  picture: PictureRequest | undefined,
): Promise<GalRows> {
  const directory = ctx.backends.directory;
  if (directory === undefined || text.trim() === '') return { total: 0, rows: [] };
  const { entries, total } = await directory.search(text, range.end + 1, ctx.signal);
  const budget = new PictureBudget(picture);
  const rows = entries
    .slice(range.start)
    .flatMap((vcard) => safeEntry(vcard, ctx))
    .map((entry) => {
      const include = picture !== undefined;
      const { limitReached } = include ? budget.take(entry) : { limitReached: false };
      return renderGalProperties(entry, {
        include,
        limitReached,
        ...(picture?.maxSize !== undefined ? { maxSize: picture.maxSize } : {}),
      });
    });
  return { total, rows };
}

/** A card the model cannot read is left out of the answer, not fatal to it. */
export function safeEntry(vcard: string, ctx: CommandContext): DirectoryEntry[] {
  try {
    return [directoryEntryOf(vcard)];
  } catch (err) {
    ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'unreadable directory entry');
    return [];
  }
}

/** The text of a GAL query element (Search:Query, or Find:Query's FreeText). */
export function queryText(e: WbxmlElement | undefined, freeText?: TagRef): string {
  if (e === undefined) return '';
  if (freeText !== undefined) return childText(e, freeText) ?? '';
  return e.children.filter((c): c is string => typeof c === 'string').join('');
}

export function isBackendFailure(err: unknown): err is BackendError {
  return err instanceof BackendError && err.kind !== 'auth';
}
