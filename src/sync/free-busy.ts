import ICAL from 'ical.js';
import { ianaZone, toUtc } from '../model/calendar/zones.js';

// Free/busy of a calendar for ResolveRecipients Availability: events (recurrences expanded by
// ical.js, exceptions applied) become busy intervals, merged into one digit per 30 minutes.

/** MS-ASCMD 2.2.3.107 MergedFreeBusy: the digit of one 30-minute slot. */
export const FreeBusy = { Free: 0, Tentative: 1, Busy: 2, OutOfOffice: 3, NoData: 4 } as const;
export type FreeBusyDigit = (typeof FreeBusy)[keyof typeof FreeBusy];

export const SLOT_MS = 30 * 60_000;

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export interface BusyInterval {
  readonly start: number;
  readonly end: number;
  readonly status: FreeBusyDigit;
}

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

// Outlook's own busy status (X-MICROSOFT-CDO-BUSYSTATUS) wins over the iCalendar view.
const STATUS_OF_CDO: Readonly<Record<string, FreeBusyDigit>> = {
  FREE: FreeBusy.Free,
  TENTATIVE: FreeBusy.Tentative,
  BUSY: FreeBusy.Busy,
  OOF: FreeBusy.OutOfOffice,
};

/** An occurrence moved this far may still land in the window; expansion looks that much further. */
const MOVED_SLACK_MS = 7 * 24 * 3600_000;
/** Occurrences looked at per event at most (a minutely rule since 1970 must not hang the request). */
const MAX_OCCURRENCES = 50_000;

/**
 * The busy intervals of one stored iCalendar object that overlap the window. Free (TRANSP
 * TRANSPARENT) and cancelled events are left out; unreadable text throws.
 */
export function busyIntervals(text: string, window: TimeWindow): BusyInterval[] {
  const jcal: unknown = ICAL.parse(text);
  const root = new ICAL.Component(
    (Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal[0] : jcal) as unknown[],
  );
  const events = root.getAllSubcomponents('vevent');
  const masters = events.filter((e) => !e.hasProperty('recurrence-id'));
  const out: BusyInterval[] = [];
  for (const master of masters) {
    const uid = master.getFirstPropertyValue('uid');
    const event = new ICAL.Event(master);
    for (const e of events) {
      if (e !== master && e.hasProperty('recurrence-id') && e.getFirstPropertyValue('uid') === uid)
        event.relateException(e);
    }
    if (event.isRecurring()) out.push(...expand(event, window));
    else push(out, master, event.startDate, event.endDate, window);
  }
  // Overrides whose master is not stored here (an invitation to one occurrence).
  const masterUids = new Set(masters.map((m) => m.getFirstPropertyValue('uid')));
  for (const e of events) {
    if (e.hasProperty('recurrence-id') && !masterUids.has(e.getFirstPropertyValue('uid'))) {
      const single = new ICAL.Event(e);
      push(out, e, single.startDate, single.endDate, window);
    }
  }
  return out;
}

function expand(event: InstanceType<typeof ICAL.Event>, window: TimeWindow): BusyInterval[] {
  const out: BusyInterval[] = [];
  const it = event.iterator();
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const next = it.next();
    if (!next) break;
    if (instantOf(next) >= window.end + MOVED_SLACK_MS) break;
    const details = event.getOccurrenceDetails(next);
    push(out, details.item.component, details.startDate, details.endDate, window);
  }
  return out;
}

function push(
  out: BusyInterval[],
  comp: Component,
  startTime: Time,
  endTime: Time,
  window: TimeWindow,
): void {
  const status = statusOf(comp);
  if (status === FreeBusy.Free) return;
  const start = instantOf(startTime);
  // RFC 5545 3.6.1: an event without an end lasts a day (DATE) or no time at all.
  let end = endTime ? instantOf(endTime) : start;
  if (end <= start) end = startTime.isDate ? start + 24 * 3600_000 : start;
  if (end <= window.start || start >= window.end || end === start) return;
  out.push({ start, end, status });
}

function statusOf(comp: Component): FreeBusyDigit {
  const cdo = comp.getFirstPropertyValue('x-microsoft-cdo-busystatus');
  const byCdo = typeof cdo === 'string' ? STATUS_OF_CDO[cdo.toUpperCase()] : undefined;
  if (byCdo !== undefined) return byCdo;
  const status = String(comp.getFirstPropertyValue('status') ?? '').toUpperCase();
  if (status === 'CANCELLED') return FreeBusy.Free;
  if (String(comp.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT')
    return FreeBusy.Free;
  return status === 'TENTATIVE' ? FreeBusy.Tentative : FreeBusy.Busy;
}

/**
 * The instant of an iCalendar time. A DATE counts from midnight UTC (no zone of the user is
 * known); a TZID without a VTIMEZONE, which ical.js leaves floating, is looked up as an IANA zone.
 */
function instantOf(t: Time): number {
  if (t.isDate) return Date.UTC(t.year, t.month - 1, t.day);
  const tzid = (t as { timezone?: unknown }).timezone;
  if (t.zone?.tzid === 'floating' && typeof tzid === 'string') {
    const utc = ianaInstant(tzid, t);
    if (utc !== undefined) return utc;
  }
  return t.toUnixTime() * 1000;
}

/** A floating time named by an IANA TZID without VTIMEZONE, through the calendar model's zones. */
function ianaInstant(tzid: string, t: Time): number | undefined {
  const zone = ianaZone(tzid);
  if (zone === undefined) return undefined;
  return toUtc(zone, {
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
  });
}

/**
 * MS-ASCMD 2.2.3.107: one digit per 30 minutes from the window's start; a slot takes the highest
 * digit of the intervals touching it.
 */
export function mergedFreeBusy(intervals: readonly BusyInterval[], window: TimeWindow): string {
  const slots = Math.max(0, Math.ceil((window.end - window.start) / SLOT_MS));
  const digits = new Array<number>(slots).fill(FreeBusy.Free);
  for (const iv of intervals) {
    const first = Math.max(0, Math.floor((iv.start - window.start) / SLOT_MS));
    const last = Math.min(slots - 1, Math.ceil((iv.end - window.start) / SLOT_MS) - 1);
    for (let s = first; s <= last; s++) digits[s] = Math.max(digits[s] ?? 0, iv.status);
  }
  return digits.join('');
}
