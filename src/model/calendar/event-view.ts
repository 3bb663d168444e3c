import ICAL from 'ical.js';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import type { ItemRenderOptions } from '../item-codec.js';
import { attendeesOf, organizerOf, renderAttendees, userAttendee, type Attendee } from './attendees.js';
import { bodyOf, bodyTextFor, renderBody, type BodyText } from './body.js';
import { compactUtc, msOf } from './dates.js';
import {
  BUSY_OF_CDO,
  MEETING_STATUS,
  RESPONSE_OF_PARTSTAT,
  X_BUSY_STATUS,
  X_CONF_LINK,
  X_DISALLOW_COUNTER,
  X_EXTERNAL_LINK,
  X_REPLY_TIME,
  sensitivityOfClass,
} from './fields.js';
import {
  categoriesOf,
  readEnd,
  readStart,
  readTime,
  reminderMinutes,
  textOf,
  timeValues,
  type Component,
  type TimeValue,
} from './icalendar.js';
import { CALENDAR_RECURRENCE, easRecurrence, recurrenceChildren, type EasRecurrence } from './recurrence.js';
import { UTC_TIME_ZONE, timeZoneBlob } from './time-zone.js';
import { ItemSourceError } from '../item-codec.js';

// What a VEVENT says in EAS terms (MS-ASCAL 2.2.2), and its ApplicationData.

export const V14_0 = 140;
export const V16_0 = 160;

export interface EventView {
  readonly uid: string;
  readonly subject: string | undefined;
  readonly location: string | undefined;
  readonly geo: { readonly lat: number; readonly lon: number } | undefined;
  readonly body: BodyText;
  readonly start: TimeValue;
  readonly end: TimeValue;
  readonly allDay: boolean;
  readonly reminder: number | undefined;
  readonly busyStatus: number;
  readonly sensitivity: number;
  readonly categories: readonly string[];
  readonly dtstamp: number | undefined;
  readonly organizer: { readonly email: string; readonly name: string | undefined } | undefined;
  readonly attendees: readonly Attendee[];
  readonly meetingStatus: number;
  readonly isOrganizer: boolean;
  readonly responseType: number | undefined;
  readonly responseRequested: boolean | undefined;
  readonly replyTime: number | undefined;
  readonly disallowNewTimeProposal: boolean;
  readonly confLink: string | undefined;
  readonly externalLink: string | undefined;
}

export interface ViewContext {
  readonly cal: Component;
  /** The user's addresses, when the caller told the codec; they decide organizer and response. */
  readonly user: readonly string[];
}

/** The CDO busy status wins, then TRANSP (RFC 5545 3.8.2.7), then STATUS:TENTATIVE. */
function busyStatusOf(comp: Component): number {
  const cdo = BUSY_OF_CDO[(textOf(comp, X_BUSY_STATUS) ?? '').trim().toUpperCase()];
  if (cdo !== undefined) return cdo;
  if ((textOf(comp, 'transp') ?? '').toUpperCase() === 'TRANSPARENT') return 0;
  return (textOf(comp, 'status') ?? '').toUpperCase() === 'TENTATIVE' ? 1 : 2;
}

export function firstReminder(comp: Component): { alarm: Component; minutes: number } | undefined {
  for (const alarm of comp.getAllSubcomponents('valarm')) {
    const minutes = reminderMinutes(alarm);
    if (minutes !== undefined) return { alarm, minutes };
  }
  return undefined;
}

function stampOf(ctx: ViewContext, comp: Component, name: string): number | undefined {
  return readTime(ctx.cal, comp.getFirstProperty(name))?.utc;
}

/**
 * Whether the user organizes this meeting: the ORGANIZER is one of the user's addresses, or there
 * is no ORGANIZER at all (a meeting the device itself created). Without the user's addresses an
 * ORGANIZER is taken to be someone else: the meeting shows as received.
 */
export function userOrganizes(comp: Component, user: readonly string[]): boolean {
  const org = organizerOf(comp);
  if (!org) return true;
  return user.some((u) => u.toLowerCase() === org.email.toLowerCase());
}

export function viewOf(ctx: ViewContext, comp: Component): EventView {
  const start = readStart(ctx.cal, comp);
  if (!start) throw new ItemSourceError('VEVENT without DTSTART');
  const end = readEnd(ctx.cal, comp, start);
  const attendees = attendeesOf(comp);
  const organizer = organizerOf(comp);
  const meeting = attendees.length > 0;
  const isOrganizer = userOrganizes(comp, ctx.user);
  const cancelled = (textOf(comp, 'status') ?? '').toUpperCase() === 'CANCELLED';
  const meetingStatus = !meeting
    ? MEETING_STATUS.appointment
    : isOrganizer
      ? cancelled
        ? MEETING_STATUS.organizerCancelled
        : MEETING_STATUS.organizer
      : cancelled
        ? MEETING_STATUS.receivedCancelled
        : MEETING_STATUS.received;
  const mine = userAttendee(comp, ctx.user);
  const responseType = !meeting
    ? undefined
    : isOrganizer
      ? 1
      : mine
        ? (RESPONSE_OF_PARTSTAT[String(mine.getFirstParameter('partstat') ?? '').toUpperCase()] ?? 0)
        : undefined;
  const rsvpOf = (p: { getFirstParameter(n: string): unknown }): boolean =>
    String(p.getFirstParameter('rsvp') ?? '').toUpperCase() === 'TRUE';
  const responseRequested = !meeting
    ? undefined
    : mine
      ? rsvpOf(mine)
      : comp.getAllProperties('attendee').some(rsvpOf);
  const geo = comp.getFirstPropertyValue('geo');
  const location = textOf(comp, 'location');
  return {
    uid: textOf(comp, 'uid') ?? '',
    subject: textOf(comp, 'summary'),
    location: location === '' ? undefined : location,
    geo: Array.isArray(geo) && geo.length === 2 ? { lat: Number(geo[0]), lon: Number(geo[1]) } : undefined,
    body: bodyOf(comp),
    start,
    end,
    allDay: start.date,
    reminder: firstReminder(comp)?.minutes,
    busyStatus: busyStatusOf(comp),
    sensitivity: sensitivityOfClass(textOf(comp, 'class')),
    categories: categoriesOf(comp),
    dtstamp: stampOf(ctx, comp, 'dtstamp'),
    organizer,
    attendees,
    meetingStatus,
    isOrganizer,
    responseType,
    responseRequested,
    replyTime: stampOf(ctx, comp, X_REPLY_TIME),
    disallowNewTimeProposal: /^TRUE$/i.test((textOf(comp, X_DISALLOW_COUNTER) ?? '').trim()),
    confLink: textOf(comp, X_CONF_LINK),
    externalLink: textOf(comp, X_EXTERNAL_LINK) ?? conferenceUri(comp),
  };
}

/** RFC 7986 5.11 CONFERENCE: the first URI, as the external join link. */
function conferenceUri(comp: Component): string | undefined {
  const p = comp.getFirstProperty('conference');
  return p ? String(p.getFirstValue() ?? '') || undefined : undefined;
}

/** StartTime/EndTime: an all-day DATE is midnight UTC of its day in every version (see TimeZone). */
export function instantOf(t: TimeValue): number {
  return t.date ? msOf(t.local) : t.utc;
}

/** MS-ASCAL 2.2.2.27 Location (12.0-14.1) or MS-ASAIRS 2.2.2.28 Location (16.x). */
function locationElement(view: EventView, versionRank: number): WbxmlElement | undefined {
  if (view.location === undefined) return undefined;
  if (versionRank < V16_0) return el('Calendar:Location', view.location);
  return el(
    'AirSyncBase:Location',
    el('AirSyncBase:DisplayName', view.location),
    view.geo && el('AirSyncBase:Latitude', view.geo.lat),
    view.geo && el('AirSyncBase:Longitude', view.geo.lon),
  );
}

/**
 * The TimeZone of an item. All-day items carry their dates as midnight UTC: in 12.0-14.1 with the
 * UTC TimeZone, so a client that applies the blob lands on the same day in any zone; 16.x reads
 * all-day StartTime/EndTime without a zone (MS-ASCAL 2.2.2.1, 2.2.2.44), so none is sent.
 * Timed items send their zone's current rules (those of the year the item is in, or this year for
 * a series still running).
 */
function timeZoneElement(view: EventView, versionRank: number, refYear: number): WbxmlElement | undefined {
  if (view.allDay) return versionRank >= V16_0 ? undefined : el('Calendar:Timezone', UTC_TIME_ZONE);
  return el('Calendar:Timezone', timeZoneBlob(view.start.zone, refYear));
}

export interface RenderParts {
  readonly view: EventView;
  readonly recurrence: { readonly recurrence: EasRecurrence; readonly exact: boolean } | undefined;
  readonly exceptions: WbxmlElement | undefined;
  readonly refYear: number;
}

/** Top-level ApplicationData in MS-ASCAL schema order. */
export function eventElements(parts: RenderParts, options: ItemRenderOptions): WbxmlElement[] {
  const { view } = parts;
  const v = options.versionRank;
  const meeting = view.attendees.length > 0;
  const out = [
    timeZoneElement(view, v, parts.refYear),
    el('Calendar:AllDayEvent', view.allDay ? 1 : 0),
    renderBody(view.body, options.bodyPreferences, v),
    el('Calendar:BusyStatus', view.busyStatus),
    view.organizer?.name !== undefined && el('Calendar:OrganizerName', view.organizer.name),
    view.organizer && el('Calendar:OrganizerEmail', view.organizer.email),
    view.dtstamp !== undefined && el('Calendar:DtStamp', compactUtc(view.dtstamp)),
    el('Calendar:EndTime', compactUtc(instantOf(view.end))),
    locationElement(view, v),
    view.reminder !== undefined && el('Calendar:Reminder', view.reminder),
    el('Calendar:Sensitivity', view.sensitivity),
    el('Calendar:Subject', view.subject ?? ''),
    el('Calendar:StartTime', compactUtc(instantOf(view.start))),
    el('Calendar:UID', view.uid),
    el('Calendar:MeetingStatus', view.meetingStatus),
    renderAttendees(view.attendees),
    view.categories.length > 0 &&
      el(
        'Calendar:Categories',
        view.categories.map((c) => el('Calendar:Category', c)),
      ),
    parts.recurrence &&
      el('Calendar:Recurrence', recurrenceChildren(parts.recurrence.recurrence, CALENDAR_RECURRENCE)),
    parts.exceptions,
    meeting &&
      view.responseRequested !== undefined &&
      el('Calendar:ResponseRequested', view.responseRequested ? 1 : 0),
    view.replyTime !== undefined && el('Calendar:AppointmentReplyTime', compactUtc(view.replyTime)),
    view.responseType !== undefined && el('Calendar:ResponseType', view.responseType),
    meeting && el('Calendar:DisallowNewTimeProposal', view.disallowNewTimeProposal ? 1 : 0),
    view.confLink !== undefined && el('Calendar:OnlineMeetingConfLink', view.confLink),
    view.externalLink !== undefined && el('Calendar:OnlineMeetingExternalLink', view.externalLink),
  ];
  return out.filter((e): e is WbxmlElement => e !== undefined && e !== false);
}

/** The exception an override or deleted occurrence is (MS-ASCAL 2.2.2.21), relative to the master. */
export function exceptionElement(
  original: number,
  override: EventView | undefined,
  master: EventView,
  options: ItemRenderOptions,
): WbxmlElement {
  const v = options.versionRank;
  const id =
    v >= V16_0
      ? el('AirSyncBase:InstanceId', compactUtc(original))
      : el('Calendar:ExceptionStartTime', compactUtc(original));
  if (!override) return el('Calendar:Exception', el('Calendar:Deleted', 1), id);
  const o = override;
  const differs = <T>(a: T, b: T): boolean => JSON.stringify(a) !== JSON.stringify(b);
  const bodyDiffers = bodyTextFor(o.body, 1) !== bodyTextFor(master.body, 1);
  return el(
    'Calendar:Exception',
    id,
    differs(o.subject, master.subject) && el('Calendar:Subject', o.subject ?? ''),
    el('Calendar:StartTime', compactUtc(instantOf(o.start))),
    el('Calendar:EndTime', compactUtc(instantOf(o.end))),
    bodyDiffers && renderBody(o.body, options.bodyPreferences, v),
    differs(o.location, master.location) && locationElement({ ...o, location: o.location ?? '' }, v),
    differs(o.categories, master.categories) &&
      el(
        'Calendar:Categories',
        o.categories.map((c) => el('Calendar:Category', c)),
      ),
    differs(o.sensitivity, master.sensitivity) && el('Calendar:Sensitivity', o.sensitivity),
    differs(o.busyStatus, master.busyStatus) && el('Calendar:BusyStatus', o.busyStatus),
    el('Calendar:AllDayEvent', o.allDay ? 1 : 0),
    differs(o.reminder, master.reminder) && o.reminder !== undefined && el('Calendar:Reminder', o.reminder),
    o.dtstamp !== undefined &&
      differs(o.dtstamp, master.dtstamp) &&
      el('Calendar:DtStamp', compactUtc(o.dtstamp)),
    differs(o.meetingStatus, master.meetingStatus) && el('Calendar:MeetingStatus', o.meetingStatus),
    differs(o.attendees, master.attendees) && renderAttendees(o.attendees),
    o.replyTime !== undefined &&
      differs(o.replyTime, master.replyTime) &&
      el('Calendar:AppointmentReplyTime', compactUtc(o.replyTime)),
    o.responseType !== undefined &&
      differs(o.responseType, master.responseType) &&
      el('Calendar:ResponseType', o.responseType),
  );
}

/** The original start (RECURRENCE-ID) of an override as an instant on the master's axis. */
export function originalOf(ctx: ViewContext, comp: Component): number | undefined {
  const rid = readTime(ctx.cal, comp.getFirstProperty('recurrence-id'));
  return rid ? instantOf(rid) : undefined;
}

/** Every EXDATE value of a master, as instants on the same axis as StartTime. */
export function exdatesOf(ctx: ViewContext, master: Component): number[] {
  return master.getAllProperties('exdate').flatMap((p) => timeValues(ctx.cal, p).map(instantOf));
}

/** MS-ASCAL 2.2.2.22: at most 256 exceptions; the most recent are kept. */
const MAX_EXCEPTIONS = 256;

export function exceptionsElement(
  ctx: ViewContext,
  master: Component,
  masterView: EventView,
  overrides: readonly Component[],
  options: ItemRenderOptions,
): WbxmlElement | undefined {
  const byOriginal = new Map<number, EventView | undefined>();
  for (const x of exdatesOf(ctx, master)) byOriginal.set(x, undefined);
  for (const o of overrides) {
    const original = originalOf(ctx, o);
    if (original === undefined) continue;
    const cancelled = (textOf(o, 'status') ?? '').toUpperCase() === 'CANCELLED';
    byOriginal.set(original, cancelled ? undefined : viewOf(ctx, o));
  }
  if (byOriginal.size === 0) return undefined;
  const keys = [...byOriginal.keys()].sort((a, b) => a - b).slice(-MAX_EXCEPTIONS);
  return el(
    'Calendar:Exceptions',
    keys.map((k) => exceptionElement(k, byOriginal.get(k), masterView, options)),
  );
}

export function recurrenceOf(master: Component, view: EventView): RenderParts['recurrence'] {
  const rule = master.getFirstPropertyValue('rrule');
  if (!(rule instanceof ICAL.Recur)) return undefined;
  const r = easRecurrence(rule, view.start);
  // Several RRULEs (deprecated in RFC 5545) cannot be one EAS pattern.
  return master.getAllProperties('rrule').length > 1 ? { ...r, exact: false } : r;
}
