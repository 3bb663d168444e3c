import ICAL from 'ical.js';
import { child, childText, elements, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import { ItemDataError } from '../item-codec.js';
import {
  applyAttendees,
  parseAttendees,
  setOrganizer,
  userAttendee,
  PARTSTAT_OF_RESPONSE,
} from './attendees.js';
import { applyBody, parseBody } from './body.js';
import { DAY, MINUTE, fieldsOf, msOf, nearestMidnight, parseEasDate } from './dates.js';
import {
  BUSY_OF_CDO,
  CANCELLED_MEETING_STATUS,
  CDO_OF_BUSY,
  CLASS_OF_SENSITIVITY,
  X_BUSY_STATUS,
  X_CONF_LINK,
  X_DISALLOW_COUNTER,
  X_EXTERNAL_LINK,
  X_REPLY_TIME,
} from './fields.js';
import {
  cloneComponent,
  cloneProperty,
  durationBefore,
  ensureVtimezone,
  setCategories,
  setStamp,
  setText,
  setTime,
  textOf,
  timeProperty,
  timeValues,
  type Component,
  type TimeValue,
} from './icalendar.js';
import { CALENDAR_RECURRENCE, parseRecurrence, rruleOf, sameRecurrence } from './recurrence.js';
import { zoneFromTimeZone } from './time-zone.js';
import { UTC_ZONE, toLocal, toUtc, type Zone } from './zones.js';
import {
  V16_0,
  exdatesOf,
  firstReminder,
  instantOf,
  originalOf,
  recurrenceOf,
  viewOf,
  type EventView,
  type ViewContext,
} from './event-view.js';

// Device ApplicationData (or one Exception of it) onto a VEVENT. Only what the device sent is
// touched, and a value equal to what we would have rendered leaves the stored property as it is.

export interface ApplyContext extends ViewContext {
  readonly versionRank: number;
  readonly now: number;
}

/** Defaults an Exception inherits from its series (MS-ASCAL 2.2.2.21). */
interface Inherited {
  readonly allDay: boolean;
  readonly zone: Zone;
}

function has(e: WbxmlElement, tag: TagRef): boolean {
  return child(e, tag) !== undefined;
}

function intChild(e: WbxmlElement, tag: TagRef, lo: number, hi: number): number | undefined {
  const t = childText(e, tag)?.trim();
  if (t === undefined || t === '') return undefined;
  const n = Number(t);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ItemDataError(`${tag}: ${t} is not ${lo}..${hi}`);
  return n;
}

function safeView(ctx: ViewContext, comp: Component): EventView | undefined {
  return comp.hasProperty('dtstart') ? viewOf(ctx, comp) : undefined;
}

/** The zone the device's times are in: its TimeZone blob, else the item's current zone, else UTC. */
function zoneFor(ad: WbxmlElement, refMs: number, current: Zone | undefined): Zone {
  const blob = childText(ad, 'Calendar:Timezone');
  if (blob !== undefined && blob.trim() !== '') return zoneFromTimeZone(blob, fieldsOf(refMs).year, current);
  return current ?? UTC_ZONE;
}

/**
 * An all-day boundary from a device instant: midnight UTC as we send it (and as 16.x clients do),
 * or a local midnight in the item's zone (12.0-14.1 clients), rounded to the nearest midnight.
 */
function dayOf(ms: number, zone: Zone): number {
  if (ms % DAY === 0) return ms;
  return nearestMidnight(ms + zone.offsetAt(ms) * MINUTE);
}

function sameZone(a: Zone, b: Zone): boolean {
  return a.kind === b.kind && a.tzid === b.tzid;
}

export interface FieldsResult {
  readonly timesChanged: boolean;
}

export function applyEventFields(
  ctx: ApplyContext,
  comp: Component,
  ad: WbxmlElement,
  inherited: Inherited | undefined,
): FieldsResult {
  const before = safeView(ctx, comp);
  const timesChanged = applyTimes(ctx, comp, ad, before, inherited);
  applyText(comp, ad, before, ctx.versionRank);
  const body = parseBody(ad);
  if (body) applyBody(comp, body);
  applyReminder(comp, ad);
  applyStatusFields(ctx, comp, ad, before);
  return { timesChanged };
}

function applyTimes(
  ctx: ApplyContext,
  comp: Component,
  ad: WbxmlElement,
  before: EventView | undefined,
  inherited: Inherited | undefined,
): boolean {
  const startText = childText(ad, 'Calendar:StartTime');
  const endText = childText(ad, 'Calendar:EndTime');
  const allDayText = childText(ad, 'Calendar:AllDayEvent');
  const blob = childText(ad, 'Calendar:Timezone');
  if (startText === undefined && endText === undefined && allDayText === undefined && before) {
    // A blob alone cannot move anything, but an invalid one is still the device's error.
    if (blob !== undefined && blob.trim() !== '') zoneFor(ad, before.start.utc, before.start.zone);
    return false;
  }
  let start =
    startText !== undefined && startText.trim() !== '' ? parseEasDate(startText, 'StartTime') : undefined;
  if (start === undefined) {
    if (before) start = instantOf(before.start);
    else {
      // MS-ASCAL 3.2.4.4: without StartTime the item starts at the next half hour.
      start = Math.ceil(ctx.now / (30 * MINUTE)) * 30 * MINUTE;
    }
  }
  const currentZone = before && !before.allDay ? before.start.zone : inherited?.zone;
  const zone = zoneFor(ad, start, currentZone);
  const allDay =
    allDayText !== undefined ? allDayText.trim() === '1' : (before?.allDay ?? inherited?.allDay ?? false);
  let end = endText !== undefined && endText.trim() !== '' ? parseEasDate(endText, 'EndTime') : undefined;

  if (allDay) {
    const sd = dayOf(start, zone);
    let ed: number;
    if (end !== undefined) ed = dayOf(end, zone);
    else if (before?.allDay) ed = sd + (msOf(before.end.local) - msOf(before.start.local));
    else ed = sd + DAY;
    if (ed <= sd) ed = sd + DAY;
    if (before?.allDay && msOf(before.start.local) === sd && msOf(before.end.local) === ed) return false;
    setTime(comp, 'dtstart', sd, zone, true);
    comp.removeAllProperties('duration');
    setTime(comp, 'dtend', ed, zone, true);
    return true;
  }
  if (end === undefined) end = before && !before.allDay ? start + (before.end.utc - before.start.utc) : start;
  if (end < start) end = start;
  const startSame =
    before !== undefined && !before.allDay && before.start.utc === start && sameZone(before.start.zone, zone);
  const endSame = startSame && before.end.utc === end;
  if (startSame && endSame) return false;
  const written = ensureVtimezone(ctx.cal, zone, fieldsOf(start).year);
  if (!startSame) {
    if (before && !before.allDay && comp.hasProperty('rrule'))
      shiftExceptions(ctx, comp, before.start, written, start);
    setTime(comp, 'dtstart', start, written, false);
  }
  comp.removeAllProperties('duration');
  setTime(comp, 'dtend', end, written, false);
  return true;
}

/**
 * A series moved to another time of day: EXDATEs and RECURRENCE-IDs follow by the same wall-clock
 * shift, or they would no longer name any occurrence (RFC 5545 3.8.4.4) and come back to life.
 */
function shiftExceptions(
  ctx: ApplyContext,
  master: Component,
  old: TimeValue,
  zone: Zone,
  newStart: number,
): void {
  const shift = msOf(toLocal(zone, newStart)) - msOf(old.local);
  const sameZoneKind = sameZone(old.zone, zone);
  if (shift === 0 && sameZoneKind) return;
  const moved = (t: TimeValue): number => toUtc(zone, fieldsOf(msOf(t.local) + shift));
  for (const p of master.getAllProperties('exdate')) {
    const values = timeValues(ctx.cal, p);
    if (values.some((v) => v.date)) continue;
    master.removeProperty(p);
    for (const v of values) master.addProperty(timeProperty('exdate', moved(v), zone, false));
  }
  const uid = textOf(master, 'uid');
  for (const o of ctx.cal.getAllSubcomponents('vevent')) {
    if (o === master || textOf(o, 'uid') !== uid) continue;
    const rid = timeValues(ctx.cal, o.getFirstProperty('recurrence-id')!)[0];
    if (!rid || rid.date) continue;
    setTime(o, 'recurrence-id', moved(rid), zone, false);
  }
}

function applyText(
  comp: Component,
  ad: WbxmlElement,
  before: EventView | undefined,
  versionRank: number,
): void {
  const subject = childText(ad, 'Calendar:Subject');
  if (subject !== undefined && subject !== (before?.subject ?? ''))
    setText(comp, 'summary', subject || undefined);
  const loc16 = child(ad, 'AirSyncBase:Location');
  const location = loc16 ? childText(loc16, 'AirSyncBase:DisplayName') : childText(ad, 'Calendar:Location');
  if (location !== undefined && location !== (before?.location ?? ''))
    setText(comp, 'location', location || undefined);
  if (loc16 && versionRank >= V16_0) {
    const lat = Number(childText(loc16, 'AirSyncBase:Latitude'));
    const lon = Number(childText(loc16, 'AirSyncBase:Longitude'));
    if (
      has(loc16, 'AirSyncBase:Latitude') &&
      Number.isFinite(lat) &&
      Number.isFinite(lon) &&
      (before?.geo?.lat !== lat || before?.geo?.lon !== lon)
    ) {
      comp.removeAllProperties('geo');
      comp.addProperty(new ICAL.Property(['geo', {}, 'float', [lat, lon]]));
    }
  }
  if (has(ad, 'Calendar:Categories')) {
    const cats = elements(child(ad, 'Calendar:Categories')!, 'Calendar:Category').map((c) =>
      (c.children.filter((x) => typeof x === 'string') as string[]).join(''),
    );
    if (JSON.stringify(cats) !== JSON.stringify(before?.categories ?? [])) setCategories(comp, cats);
  }
}

/** MS-ASCAL 2.2.2.38 Reminder: minutes before the start, as the first start-relative VALARM. */
function applyReminder(comp: Component, ad: WbxmlElement): void {
  const minutes = intChild(ad, 'Calendar:Reminder', 0, 10_000_000);
  const current = firstReminder(comp);
  // An empty <Reminder/> (iOS, for "no alert") takes the reminder away.
  if (minutes === undefined) {
    if (current && childText(ad, 'Calendar:Reminder')?.trim() === '') comp.removeSubcomponent(current.alarm);
    return;
  }
  if (current?.minutes === minutes) return;
  if (current) {
    current.alarm.removeAllProperties('trigger');
    current.alarm.addPropertyWithValue('trigger', durationBefore(minutes));
    return;
  }
  const alarm = new ICAL.Component('valarm');
  alarm.addPropertyWithValue('action', 'DISPLAY');
  alarm.addPropertyWithValue('description', 'Reminder');
  alarm.addPropertyWithValue('trigger', durationBefore(minutes));
  comp.addSubcomponent(alarm);
}

function setStatusText(comp: Component, name: string, value: string): void {
  comp.removeAllProperties(name);
  comp.addPropertyWithValue(name, value);
}

function applyStatusFields(
  ctx: ApplyContext,
  comp: Component,
  ad: WbxmlElement,
  before: EventView | undefined,
): void {
  const sensitivity = intChild(ad, 'Calendar:Sensitivity', 0, 3);
  if (sensitivity !== undefined && sensitivity !== (before?.sensitivity ?? 0))
    setStatusText(comp, 'class', CLASS_OF_SENSITIVITY[sensitivity]!);
  const busy = intChild(ad, 'Calendar:BusyStatus', 0, 5);
  if (busy !== undefined && busy !== (before?.busyStatus ?? 2) && CDO_OF_BUSY[busy] !== undefined) {
    setStatusText(comp, X_BUSY_STATUS, CDO_OF_BUSY[busy]!);
    setStatusText(comp, 'transp', busy === BUSY_OF_CDO.FREE ? 'TRANSPARENT' : 'OPAQUE');
  }
  const orgEmail = childText(ad, 'Calendar:OrganizerEmail')?.trim();
  if (orgEmail) setOrganizer(comp, orgEmail, childText(ad, 'Calendar:OrganizerName')?.trim() || undefined);
  const attendeesEl = child(ad, 'Calendar:Attendees');
  if (attendeesEl) {
    const sent = parseAttendees(attendeesEl);
    if (JSON.stringify(sent) !== JSON.stringify(before?.attendees ?? [])) applyAttendees(comp, sent);
  }
  // A meeting the device creates is organized by the user (MS-ASCAL 2.2.2.29 MeetingStatus 1).
  if (comp.hasProperty('attendee') && !comp.hasProperty('organizer') && ctx.user.length > 0)
    setOrganizer(comp, ctx.user[0]!, undefined);
  const meetingStatus = intChild(ad, 'Calendar:MeetingStatus', 0, 15);
  if (meetingStatus !== undefined) {
    const cancelled = (textOf(comp, 'status') ?? '').toUpperCase() === 'CANCELLED';
    if (CANCELLED_MEETING_STATUS.has(meetingStatus) && !cancelled) setStatusText(comp, 'status', 'CANCELLED');
    else if (!CANCELLED_MEETING_STATUS.has(meetingStatus) && cancelled)
      setStatusText(comp, 'status', 'CONFIRMED');
  }
  const requested = intChild(ad, 'Calendar:ResponseRequested', 0, 1);
  if (
    requested !== undefined &&
    before?.responseRequested !== undefined &&
    (requested === 1) !== before.responseRequested
  ) {
    const org = textOf(comp, 'organizer') ?? '';
    for (const p of comp.getAllProperties('attendee'))
      if (String(p.getFirstValue()).toLowerCase() !== org.toLowerCase())
        p.setParameter('rsvp', requested ? 'TRUE' : 'FALSE');
  }
  const responseType = intChild(ad, 'Calendar:ResponseType', 0, 5);
  const mine = userAttendee(comp, ctx.user);
  if (
    responseType !== undefined &&
    mine &&
    responseType !== before?.responseType &&
    PARTSTAT_OF_RESPONSE[responseType]
  )
    mine.setParameter('partstat', PARTSTAT_OF_RESPONSE[responseType]!);
  const disallow = intChild(ad, 'Calendar:DisallowNewTimeProposal', 0, 1);
  if (disallow !== undefined && (disallow === 1) !== (before?.disallowNewTimeProposal ?? false))
    setStatusText(comp, X_DISALLOW_COUNTER, disallow ? 'TRUE' : 'FALSE');
  const replyText = childText(ad, 'Calendar:AppointmentReplyTime');
  if (replyText !== undefined && replyText.trim() !== '') {
    const reply = parseEasDate(replyText, 'AppointmentReplyTime');
    if (reply !== before?.replyTime) setStamp(comp, X_REPLY_TIME, reply);
  }
  for (const [tag, prop, current] of [
    ['Calendar:OnlineMeetingConfLink', X_CONF_LINK, before?.confLink],
    ['Calendar:OnlineMeetingExternalLink', X_EXTERNAL_LINK, before?.externalLink],
  ] as const) {
    const v = childText(ad, tag);
    if (v !== undefined && v !== (current ?? '')) setText(comp, prop, v || undefined);
  }
}

// ---- Series: recurrence and exceptions ----------------------------------------------------------

/** Recurrence: an RRULE equal (in EAS terms) to what we rendered stays untouched, lossy or not. */
export function applyRecurrence(ctx: ApplyContext, master: Component, ad: WbxmlElement): boolean {
  const e = child(ad, 'Calendar:Recurrence');
  if (!e) return false;
  // iOS sends an empty <Recurrence/> for an event that does not repeat: a series it was becomes a
  // single event, without the exceptions that belonged to the series.
  if (elements(e).length === 0) {
    if (!master.hasProperty('rrule') && !master.hasProperty('rdate')) return false;
    for (const p of ['rrule', 'rdate', 'exdate']) master.removeAllProperties(p);
    for (const o of ctx.cal.getAllSubcomponents('vevent'))
      if (o !== master && o.hasProperty('recurrence-id')) ctx.cal.removeSubcomponent(o);
    return true;
  }
  const sent = parseRecurrence(e, CALENDAR_RECURRENCE);
  const view = viewOf(ctx, master);
  const rendered = recurrenceOf(master, view);
  if (rendered && sameRecurrence(sent, rendered.recurrence)) return false;
  const zone = view.start.zone;
  const rule = rruleOf(sent, view.start.local, (ms) => {
    if (view.allDay) return ICAL.Time.fromData({ ...ymd(dayOf(ms, zone)), isDate: true });
    const f = fieldsOf(ms);
    return ICAL.Time.fromData({ ...f, isDate: false }, ICAL.Timezone.utcTimezone);
  });
  master.removeAllProperties('rrule');
  master.addPropertyWithValue('rrule', rule);
  return true;
}

function ymd(ms: number): { year: number; month: number; day: number } {
  const f = fieldsOf(ms);
  return { year: f.year, month: f.month, day: f.day };
}

/** The RECURRENCE-ID (or EXDATE) of an occurrence given by its original start instant. */
export function occurrenceId(view: EventView, original: number): { utc: number; zone: Zone; date: boolean } {
  if (view.allDay) return { utc: dayOf(original, UTC_ZONE), zone: UTC_ZONE, date: true };
  return { utc: original, zone: view.start.zone, date: false };
}

export function findOverride(ctx: ViewContext, master: Component, original: number): Component | undefined {
  const uid = textOf(master, 'uid');
  return ctx.cal
    .getAllSubcomponents('vevent')
    .find((o) => o !== master && textOf(o, 'uid') === uid && originalOf(ctx, o) === original);
}

export function addExdate(ctx: ViewContext, master: Component, original: number): void {
  const view = viewOf(ctx, master);
  const id = occurrenceId(view, original);
  if (exdatesOf(ctx, master).includes(id.utc)) return;
  master.addProperty(timeProperty('exdate', id.utc, id.zone, id.date));
}

/** Removes one occurrence: an EXDATE, and no override of it (MS-ASCMD 2.2.3.42.2 with InstanceId). */
export function deleteInstance(ctx: ViewContext, master: Component, original: number): void {
  const id = occurrenceId(viewOf(ctx, master), original);
  const override = findOverride(ctx, master, id.utc);
  if (override) ctx.cal.removeSubcomponent(override);
  addExdate(ctx, master, original);
}

const NOT_COPIED = new Set([
  'rrule',
  'rdate',
  'exdate',
  'exrule',
  'recurrence-id',
  'dtstart',
  'dtend',
  'duration',
]);

/** An override of one occurrence, starting as a copy of the series (RFC 5545 3.8.4.4). */
export function overrideFor(ctx: ApplyContext, master: Component, original: number): Component {
  const view = viewOf(ctx, master);
  const id = occurrenceId(view, original);
  const existing = findOverride(ctx, master, id.utc);
  if (existing) return existing;
  const o = new ICAL.Component('vevent');
  for (const p of master.getAllProperties()) if (!NOT_COPIED.has(p.name)) o.addProperty(cloneProperty(p));
  for (const a of master.getAllSubcomponents()) o.addSubcomponent(cloneComponent(a));
  o.addProperty(timeProperty('recurrence-id', id.utc, id.zone, id.date));
  const duration = instantOf(view.end) - instantOf(view.start);
  setTime(o, 'dtstart', id.utc, id.zone, id.date);
  setTime(o, 'dtend', id.utc + duration, id.zone, id.date);
  ctx.cal.addSubcomponent(o);
  return o;
}

/** MS-ASCAL 2.2.2.22 Exceptions (12.0-14.1; 16.x sends one occurrence with InstanceId instead). */
export function applyExceptions(ctx: ApplyContext, master: Component, ad: WbxmlElement): void {
  const list = child(ad, 'Calendar:Exceptions');
  if (!list) return;
  const view = viewOf(ctx, master);
  for (const x of elements(list, 'Calendar:Exception')) {
    const idText = childText(x, 'Calendar:ExceptionStartTime') ?? childText(x, 'AirSyncBase:InstanceId');
    if (idText === undefined) throw new ItemDataError('Exception without ExceptionStartTime');
    const original = parseEasDate(idText, 'ExceptionStartTime');
    if (childText(x, 'Calendar:Deleted')?.trim() === '1') {
      deleteInstance(ctx, master, original);
      continue;
    }
    const o = overrideFor(ctx, master, original);
    applyEventFields(ctx, o, x, { allDay: view.allDay, zone: view.start.zone });
  }
}
