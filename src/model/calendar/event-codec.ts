import ICAL from 'ical.js';
import { childText, el, type WbxmlElement } from '../../wbxml/index.js';
import {
  ItemDataError,
  ItemSourceError,
  type ItemApplyOptions,
  type ItemCodec,
  type ItemRenderOptions,
  type StoredItem,
} from '../item-codec.js';
import { DAY, compactUtc, fieldsOf, msOf, parseEasDate } from './dates.js';
import {
  applyEventFields,
  applyExceptions,
  applyRecurrence,
  deleteInstance,
  overrideFor,
  type ApplyContext,
} from './event-apply.js';
import {
  V16_0,
  eventElements,
  exceptionsElement,
  instantOf,
  originalOf,
  recurrenceOf,
  userOrganizes,
  viewOf,
  type ViewContext,
} from './event-view.js';
import {
  dropUnusedVtimezones,
  newCalendar,
  parseCalendar,
  readEnd,
  readStart,
  setStamp,
  splitComponents,
  textOf,
  usedTzids,
  type Component,
  type Time,
} from './icalendar.js';
import { forVersion } from './versions.js';
import { toUtc } from './zones.js';

// The Calendar class (MS-ASCAL) over iCalendar VEVENTs: a series (master), its overrides
// (RECURRENCE-ID) and EXDATEs form one EAS item; a lone override is an orphan instance.

export interface CalendarCodec extends ItemCodec {
  /**
   * For Sync FilterType windows: whether any occurrence (moved ones included) ends on or after
   * `since`. Unreadable text counts as occurring, so the caller's skip-and-log path sees it.
   */
  occursSince(source: string, since: Date): boolean;
  /** 16.x Sync Delete with airsyncbase:InstanceId: one occurrence becomes an EXDATE. */
  deleteOccurrence(existing: string, instanceId: string, options: ItemApplyOptions): StoredItem;
}

export interface CalendarCodecOptions {
  /**
   * The user's e-mail addresses. They tell whether the user organizes a meeting (MeetingStatus,
   * ResponseType) and name the ORGANIZER of meetings the device creates. Without them an event
   * with an ORGANIZER shows as a received meeting and one without as organized by the user.
   */
  readonly userAddresses?: readonly string[];
}

export const CALENDAR_CONTENT_TYPE = 'text/calendar; charset=utf-8';

/** Occurrences examined at most per occursSince call. */
const MAX_EXPANSION = 5_000;

export function createCalendarCodec(codecOptions: CalendarCodecOptions = {}): CalendarCodec {
  const user = codecOptions.userAddresses ?? [];
  return {
    itemClass: 'Calendar',
    contentType: CALENDAR_CONTENT_TYPE,
    render: (source, options) => asSourceError(() => renderEvent(source, options, user)),
    apply: (ad, existing, options) => asDataError(() => applyEvent(ad, existing, options, user)),
    occursSince: (source, since) => occursSince(source, since.getTime()),
    deleteOccurrence: (existing, instanceId, options) =>
      asDataError(() => {
        const cal = parseCalendar(existing);
        const ctx: ViewContext = { cal, user };
        const { master } = splitComponents(cal, 'vevent');
        if (!master || !master.hasProperty('rrule'))
          throw new ItemDataError('InstanceId names an occurrence of an item that does not recur');
        deleteInstance(ctx, master, parseEasDate(instanceId, 'InstanceId'));
        stamp(master, options.now.getTime());
        return { text: serialize(cal), uid: textOf(master, 'uid') ?? '' };
      }),
  };
}

export const calendarCodec: CalendarCodec = createCalendarCodec();

export function asSourceError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ItemSourceError) throw e;
    throw new ItemSourceError(e instanceof Error ? e.message : String(e));
  }
}

export function asDataError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ItemDataError || e instanceof ItemSourceError) throw e;
    throw new ItemDataError(e instanceof Error ? e.message : String(e));
  }
}

export function serialize(cal: Component): string {
  const text = cal.toString();
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

function renderEvent(source: string, options: ItemRenderOptions, user: readonly string[]): WbxmlElement[] {
  const cal = parseCalendar(source);
  const ctx: ViewContext = { cal, user };
  const { master, overrides } = splitComponents(cal, 'vevent');
  const main = master ?? overrides[0];
  if (!main) throw new ItemSourceError('iCalendar object without VEVENT');
  const view = viewOf(ctx, main);
  const recurrence = master ? recurrenceOf(master, view) : undefined;
  const exceptions =
    master && recurrence ? exceptionsElement(ctx, master, view, overrides, options) : undefined;
  let refYear = view.start.local.year;
  if (recurrence) {
    // A running series is shown with the rules in force now, not those of its first year.
    const until = recurrence.recurrence.until;
    const thisYear = new Date().getUTCFullYear();
    refYear = Math.max(refYear, Math.min(thisYear, until === undefined ? thisYear : fieldsOf(until).year));
  }
  const out = eventElements({ view, recurrence, exceptions, refYear }, options);
  if (!master && options.versionRank >= V16_0) {
    // MS-ASAIRS 2.2.2.25: an orphan instance carries its InstanceId in ApplicationData.
    const original = originalOf(ctx, main);
    if (original !== undefined) out.push(el('AirSyncBase:InstanceId', compactUtc(original)));
  }
  return forVersion(out, options.versionRank);
}

function stamp(comp: Component, now: number): void {
  setStamp(comp, 'dtstamp', now);
  setStamp(comp, 'last-modified', now);
}

function applyEvent(
  ad: WbxmlElement,
  existing: string | undefined,
  options: ItemApplyOptions,
  user: readonly string[],
): StoredItem {
  const now = options.now.getTime();
  const cal = existing === undefined ? newCalendar() : parseCalendar(existing);
  const ctx: ApplyContext = { cal, user, versionRank: options.versionRank, now };
  const split = splitComponents(cal, 'vevent');
  let master = split.master;
  const isNew = master === undefined && split.overrides.length === 0;
  if (isNew) {
    const sent = (childText(ad, 'Calendar:UID') ?? childText(ad, 'Calendar:ClientUid'))?.trim();
    master = new ICAL.Component('vevent');
    master.addPropertyWithValue('uid', sent || options.newUid());
    cal.addSubcomponent(master);
  }
  const before = new Map(cal.getAllSubcomponents('vevent').map((c) => [c, c.toString()]));
  const whole = cal.toString();
  const zonesBefore = usedTzids(cal);
  const target = master ?? split.overrides[0]!;
  const uid = textOf(target, 'uid') ?? options.newUid();
  const instanceId = childText(ad, 'AirSyncBase:InstanceId');
  let timesChanged: boolean;
  if (instanceId !== undefined && instanceId.trim() !== '' && master) {
    // MS-ASCAL 2.2.2.22: 16.x changes one occurrence with InstanceId beside its ApplicationData.
    const seriesView = viewOf(ctx, master);
    const o = overrideFor(ctx, master, parseEasDate(instanceId, 'InstanceId'));
    timesChanged = applyEventFields(ctx, o, ad, {
      allDay: seriesView.allDay,
      zone: seriesView.start.zone,
    }).timesChanged;
  } else {
    timesChanged = applyEventFields(ctx, target, ad, undefined).timesChanged;
    if (master) {
      if (applyRecurrence(ctx, master, ad)) timesChanged = true;
      applyExceptions(ctx, master, ad);
    }
  }
  dropUnusedVtimezones(cal, zonesBefore);
  if (existing !== undefined && cal.toString() === whole) return { text: existing, uid };
  for (const c of cal.getAllSubcomponents('vevent')) {
    if (before.get(c) === c.toString() && !isNew) continue;
    stamp(c, now);
    if (isNew && c === master) setStamp(c, 'created', now);
  }
  // RFC 5546 2.1.4: the organizer's significant changes raise SEQUENCE.
  if (timesChanged && !isNew && target.hasProperty('attendee') && userOrganizes(target, user)) {
    const seq = Number(textOf(target, 'sequence') ?? 0) || 0;
    target.removeAllProperties('sequence');
    target.addPropertyWithValue('sequence', seq + 1);
  }
  return { text: serialize(cal), uid };
}

function occursSince(source: string, since: number): boolean {
  let cal: Component;
  try {
    cal = parseCalendar(source);
  } catch {
    return true;
  }
  const { master, overrides } = splitComponents(cal, 'vevent');
  const endOf = (c: Component): number | undefined => {
    const s = readStart(cal, c);
    return s ? instantOf(readEnd(cal, c, s)) : undefined;
  };
  const moved = overrides.filter((o) => (textOf(o, 'status') ?? '').toUpperCase() !== 'CANCELLED');
  if (moved.some((o) => (endOf(o) ?? Infinity) >= since)) return true;
  if (!master) return overrides.length === 0;
  const start = readStart(cal, master);
  if (!start) return true;
  const duration = instantOf(readEnd(cal, master, start)) - instantOf(start);
  if (!master.hasProperty('rrule') && !master.hasProperty('rdate'))
    return instantOf(start) + duration >= since;
  const rule = master.getFirstPropertyValue('rrule');
  if (
    rule instanceof ICAL.Recur &&
    !master.hasProperty('rdate') &&
    master.getAllProperties('rrule').length === 1
  ) {
    // Without COUNT or UNTIL a series never ends; with an UNTIL before the window none is in it.
    if (!rule.count && !rule.until) return true;
    if (rule.until && !rule.count) {
      const u = rule.until;
      const last =
        u.isDate || start.date
          ? msOf({ year: u.year, month: u.month, day: u.day, hour: 0, minute: 0, second: 0 }) + DAY
          : u.toUnixTime() * 1000;
      if (last + duration + DAY < since) return false;
    }
  }
  const ctx: ViewContext = { cal, user: [] };
  const overridden = new Set(overrides.map((o) => originalOf(ctx, o)));
  const expansion = new ICAL.RecurExpansion({
    component: master,
    dtstart: master.getFirstPropertyValue('dtstart') as Time,
  });
  for (let i = 0; i < MAX_EXPANSION; i++) {
    const next = expansion.next();
    if (!next) return false;
    const f = {
      year: next.year,
      month: next.month,
      day: next.day,
      hour: next.hour,
      minute: next.minute,
      second: next.second,
    };
    const at = start.date ? msOf({ ...f, hour: 0, minute: 0, second: 0 }) : toUtc(start.zone, f);
    if (at + duration >= since && !overridden.has(at)) return true;
  }
  // Still going after that many occurrences: a long series that most likely runs on.
  return true;
}
