import { busyIntervals, mergedFreeBusy, type BusyInterval, type TimeWindow } from '../sync/free-busy.js';
import type { CommandContext } from './context.js';

// Free/busy for ResolveRecipients Availability (MS-ASCMD 2.2.3.16) from CalDAV. The user's own
// calendars are read with the user's login; other people's calendars are not readable through it
// (nor does Radicale 3.1.8 offer scheduling or the free-busy-query REPORT), so their availability
// is "could not be retrieved" (Status 163) until a free/busy source is configured.

export type Availability =
  | { readonly kind: 'merged'; readonly mergedFreeBusy: string }
  | { readonly kind: 'unavailable' };

/** Items read per calendar at most; beyond it a calendar is too big to expand per request. */
const MAX_ITEMS_PER_CALENDAR = 5_000;

export function isOwnAddress(ctx: CommandContext, address: string): boolean {
  const a = address.toLowerCase();
  return [ctx.principal.email, ...ctx.principal.aliases].some((x) => x.toLowerCase() === a);
}

/** The recipient's merged free/busy over the window, when we can read their calendars. */
export async function availabilityOf(
  ctx: CommandContext,
  address: string,
  window: TimeWindow,
): Promise<Availability> {
  const { calendars, calendarItems } = ctx.backends;
  if (!isOwnAddress(ctx, address) || calendars === undefined || calendarItems === undefined)
    return { kind: 'unavailable' };
  const collections = (await calendars.listCollections(ctx.signal)).filter((c) => c.kind === 'calendar');
  const intervals: BusyInterval[] = [];
  for (const key of new Set(collections.map((c) => c.key))) {
    const listing = await calendarItems.changesSince(key, undefined, ctx.signal);
    const names = listing.changed.map((c) => c.name);
    if (names.length > MAX_ITEMS_PER_CALENDAR) return { kind: 'unavailable' };
    for (const item of await calendarItems.getItems(key, names, ctx.signal)) {
      try {
        intervals.push(...busyIntervals(item.text, window));
      } catch (err) {
        ctx.log.debug({ item: item.name, err: String(err) }, 'free/busy: unreadable event left out');
      }
    }
  }
  return { kind: 'merged', mergedFreeBusy: mergedFreeBusy(intervals, window) };
}
