import ICAL from 'ical.js';
import { childText, el, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import { ItemDataError } from '../item-codec.js';
import { compactUtc, isoUtc, msOf, parseEasDate, weekdayOf, type Fields } from './dates.js';
import type { Recur, TimeValue } from './icalendar.js';
import { toUtc } from './zones.js';

// MS-ASCAL 2.2.2.37 / MS-ASTASK 2.2.2.21 Recurrence ⇄ RFC 5545 3.3.10 RRULE.
// Type: 0 daily, 1 weekly, 2 monthly on a day, 3 monthly on the nth weekday, 5 yearly on a date,
// 6 yearly on the nth weekday. DayOfWeek is a bit mask (Sunday 1 … Saturday 64, 127 = last day of
// the month); WeekOfMonth 1-4, 5 = last. A rule EAS cannot state is rendered as the nearest form.

export interface EasRecurrence {
  readonly type: 0 | 1 | 2 | 3 | 5 | 6;
  readonly interval: number;
  readonly occurrences?: number;
  /** UTC instant. */
  readonly until?: number;
  readonly dayOfWeek?: number;
  readonly dayOfMonth?: number;
  readonly weekOfMonth?: number;
  readonly monthOfYear?: number;
  /** 0 = Sunday (MS-ASCAL 2.2.2.25, 14.1+). */
  readonly firstDayOfWeek?: number;
}

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const LAST_DAY_OF_MONTH = 127;

const maskOf = (days: readonly number[]): number => days.reduce((m, d) => m | (1 << d), 0);
const daysOf = (mask: number): number[] => [0, 1, 2, 3, 4, 5, 6].filter((d) => (mask & (1 << d)) !== 0);

interface ByDay {
  readonly n: number;
  readonly day: number;
}

function parseByDay(values: readonly string[]): ByDay[] | undefined {
  const out: ByDay[] = [];
  for (const v of values) {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/i.exec(String(v).trim());
    if (!m) return undefined;
    out.push({
      n: m[1] === undefined ? 0 : Number(m[1]),
      day: DAYS.indexOf(m[2]!.toUpperCase() as (typeof DAYS)[number]),
    });
  }
  return out;
}

/** WeekOfMonth of an RRULE ordinal: 1-4 as is, -1 (and 5) is the last. */
const weekOfOrdinal = (n: number): number | undefined =>
  n >= 1 && n <= 4 ? n : n === -1 || n === 5 ? 5 : undefined;

/** UNTIL as an instant: a DATE includes its whole day at the series' start time (RFC 5545 3.3.10). */
function untilInstant(rule: Recur, start: TimeValue): number | undefined {
  const u = rule.until;
  if (!u) return undefined;
  const f: Fields = {
    year: u.year,
    month: u.month,
    day: u.day,
    hour: u.hour,
    minute: u.minute,
    second: u.second,
  };
  if (u.isDate) {
    if (start.date) return msOf(f);
    return toUtc(start.zone, {
      ...f,
      hour: start.local.hour,
      minute: start.local.minute,
      second: start.local.second,
    });
  }
  if (u.zone === ICAL.Timezone.utcTimezone) return msOf(f);
  return toUtc(start.zone, f);
}

/**
 * The EAS form of an RRULE and whether it says exactly the same. Rules EAS cannot state (hourly,
 * BYHOUR, several BYMONTHDAY or BYMONTH, ordinal lists…) give the nearest pattern and exact = false.
 */
export function easRecurrence(rule: Recur, start: TimeValue): { recurrence: EasRecurrence; exact: boolean } {
  const parts = rule.parts;
  let exact = true;
  for (const k of ['BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYYEARDAY', 'BYWEEKNO'] as const)
    if (parts[k]?.length) exact = false;
  const byDay = parseByDay(parts.BYDAY ?? []) ?? [];
  const byMonthDay = parts.BYMONTHDAY ?? [];
  const byMonth = parts.BYMONTH ?? [];
  const bySetPos = parts.BYSETPOS ?? [];
  if ((parts.BYDAY?.length ?? 0) !== byDay.length || bySetPos.length > 1) exact = false;
  const startDay = weekdayOf(start.local);
  const interval = Math.max(1, rule.interval || 1);
  const common = {
    interval,
    ...(rule.count ? { occurrences: rule.count } : {}),
    ...(rule.until ? { until: untilInstant(rule, start) } : {}),
    // RFC 5545 3.3.10: WKST defaults to MO.
    firstDayOfWeek: (rule.wkst || ICAL.Time.MONDAY) - 1,
  };
  const plainDays = byDay.filter((d) => d.n === 0).map((d) => d.day);
  const ordinals = byDay.filter((d) => d.n !== 0);
  let r: EasRecurrence;
  switch (rule.freq) {
    case 'DAILY':
      if (byMonth.length || byMonthDay.length || ordinals.length || bySetPos.length) exact = false;
      r = plainDays.length ? { type: 0, dayOfWeek: maskOf(plainDays), ...common } : { type: 0, ...common };
      break;
    case 'WEEKLY':
      if (byMonth.length || byMonthDay.length || ordinals.length || bySetPos.length) exact = false;
      r = { type: 1, dayOfWeek: maskOf(plainDays.length ? plainDays : [startDay]), ...common };
      break;
    case 'MONTHLY':
    case 'YEARLY': {
      const yearly = rule.freq === 'YEARLY';
      if (yearly && byMonth.length > 1) exact = false;
      if (!yearly && byMonth.length) exact = false;
      const month = yearly ? { monthOfYear: byMonth[0] ?? start.local.month } : {};
      const nth = monthlyNth(ordinals, plainDays, bySetPos, byMonthDay);
      if (nth) {
        if (!nth.exact) exact = false;
        r = { type: yearly ? 6 : 3, weekOfMonth: nth.week, dayOfWeek: nth.mask, ...month, ...common };
      } else {
        if (byDay.length || byMonthDay.length > 1 || bySetPos.length) exact = false;
        const day = byMonthDay[0] ?? start.local.day;
        r = {
          type: yearly ? 5 : 2,
          dayOfMonth: day >= 1 && day <= 31 ? day : start.local.day,
          ...month,
          ...common,
        };
        if (day < 1) exact = false;
      }
      break;
    }
    default:
      // Hourly and finer: the nearest EAS pattern is daily.
      exact = false;
      r = { type: 0, ...common };
  }
  return { recurrence: r, exact };
}

function monthlyNth(
  ordinals: readonly ByDay[],
  plainDays: readonly number[],
  bySetPos: readonly number[],
  byMonthDay: readonly number[],
): { week: number; mask: number; exact: boolean } | undefined {
  if (byMonthDay.length === 1 && byMonthDay[0] === -1 && !ordinals.length && !plainDays.length)
    return { week: 5, mask: LAST_DAY_OF_MONTH, exact: true };
  if (ordinals.length > 0) {
    const first = ordinals[0]!;
    const week = weekOfOrdinal(first.n);
    const exact = ordinals.length === 1 && plainDays.length === 0 && week !== undefined && !bySetPos.length;
    return { week: week ?? 1, mask: maskOf([first.day]), exact };
  }
  if (plainDays.length > 0 && bySetPos.length > 0) {
    const week = weekOfOrdinal(bySetPos[0]!);
    return { week: week ?? 1, mask: maskOf(plainDays), exact: week !== undefined && bySetPos.length === 1 };
  }
  return undefined;
}

export function sameRecurrence(a: EasRecurrence, b: EasRecurrence): boolean {
  const keys: (keyof EasRecurrence)[] = [
    'type',
    'interval',
    'occurrences',
    'until',
    'dayOfWeek',
    'dayOfMonth',
    'weekOfMonth',
    'monthOfYear',
  ];
  return keys.every((k) => a[k] === b[k]);
}

/**
 * The RRULE of an EAS Recurrence. `untilValue` turns the Until instant into the RRULE's UNTIL
 * (a DATE for all-day series, RFC 5545 3.3.10 requires the value type of DTSTART).
 */
export function rruleOf(
  r: EasRecurrence,
  start: Fields,
  untilValue: (ms: number) => InstanceType<typeof ICAL.Time>,
): Recur {
  const data: Record<string, unknown> = { freq: 'DAILY' };
  const days = (mask: number | undefined): string[] => daysOf(mask ?? 0).map((d) => DAYS[d]!);
  // Missing parts default to the series' start, as devices expect (MS-ASCAL 2.2.2.37).
  const month = r.monthOfYear ?? start.month;
  const dayOfMonth = r.dayOfMonth ?? start.day;
  const ordinal = (week: number | undefined): number =>
    week === 5 ? -1 : Math.min(Math.max(week ?? 1, 1), 4);
  switch (r.type) {
    case 0:
      data.freq = 'DAILY';
      if (r.dayOfWeek) data.byday = days(r.dayOfWeek);
      break;
    case 1:
      data.freq = 'WEEKLY';
      data.byday = days(r.dayOfWeek ?? maskOf([weekdayOf(start)]));
      break;
    case 2:
    case 5:
      data.freq = r.type === 2 ? 'MONTHLY' : 'YEARLY';
      if (r.type === 5) data.bymonth = [requireRange(month, 1, 12, 'MonthOfYear')];
      data.bymonthday = [requireRange(dayOfMonth, 1, 31, 'DayOfMonth')];
      break;
    case 3:
    case 6: {
      data.freq = r.type === 3 ? 'MONTHLY' : 'YEARLY';
      if (r.type === 6) data.bymonth = [requireRange(month, 1, 12, 'MonthOfYear')];
      const n = ordinal(r.weekOfMonth);
      const list = days(r.dayOfWeek);
      if (r.dayOfWeek === LAST_DAY_OF_MONTH) data.bymonthday = [-1];
      else if (list.length === 1) data.byday = [`${n}${list[0]}`];
      else if (list.length > 1) {
        data.byday = list;
        data.bysetpos = [n];
      } else throw new ItemDataError('Recurrence: DayOfWeek missing');
      break;
    }
  }
  if (r.interval > 1) data.interval = r.interval;
  if (r.occurrences !== undefined && r.occurrences > 0) data.count = r.occurrences;
  else if (r.until !== undefined) data.until = untilValue(r.until);
  if (r.firstDayOfWeek !== undefined) data.wkst = r.firstDayOfWeek + 1;
  return ICAL.Recur.fromData(data);
}

function requireRange(v: number | undefined, lo: number, hi: number, what: string): number {
  if (v === undefined || !Number.isInteger(v) || v < lo || v > hi)
    throw new ItemDataError(`Recurrence: ${what} must be ${lo}..${hi}`);
  return v;
}

// ---- WBXML ------------------------------------------------------------------------------------

export interface RecurrenceTags {
  readonly recurrence: TagRef;
  readonly type: TagRef;
  readonly occurrences: TagRef;
  readonly interval: TagRef;
  readonly weekOfMonth: TagRef;
  readonly dayOfWeek: TagRef;
  readonly monthOfYear: TagRef;
  readonly until: TagRef;
  readonly dayOfMonth: TagRef;
  readonly calendarType: TagRef;
  readonly isLeapMonth: TagRef;
  readonly firstDayOfWeek: TagRef;
  /** How the namespace writes Until: Compact DateTime (Calendar) or dateTime (Tasks, Email). */
  readonly untilFormat: (ms: number) => string;
}

export const CALENDAR_RECURRENCE: RecurrenceTags = {
  recurrence: 'Calendar:Recurrence',
  type: 'Calendar:Type',
  occurrences: 'Calendar:Occurrences',
  interval: 'Calendar:Interval',
  weekOfMonth: 'Calendar:WeekOfMonth',
  dayOfWeek: 'Calendar:DayOfWeek',
  monthOfYear: 'Calendar:MonthOfYear',
  until: 'Calendar:Until',
  dayOfMonth: 'Calendar:DayOfMonth',
  calendarType: 'Calendar:CalendarType',
  isLeapMonth: 'Calendar:IsLeapMonth',
  firstDayOfWeek: 'Calendar:FirstDayOfWeek',
  untilFormat: compactUtc,
};

export const TASKS_RECURRENCE: RecurrenceTags = {
  recurrence: 'Tasks:Recurrence',
  type: 'Tasks:Type',
  occurrences: 'Tasks:Occurrences',
  interval: 'Tasks:Interval',
  weekOfMonth: 'Tasks:WeekOfMonth',
  dayOfWeek: 'Tasks:DayOfWeek',
  monthOfYear: 'Tasks:MonthOfYear',
  until: 'Tasks:Until',
  dayOfMonth: 'Tasks:DayOfMonth',
  calendarType: 'Tasks:CalendarType',
  isLeapMonth: 'Tasks:IsLeapMonth',
  firstDayOfWeek: 'Tasks:FirstDayOfWeek',
  untilFormat: isoUtc,
};

/** The children of a Recurrence element in the order of the Calendar schema (MS-ASCAL 2.2.2.37). */
export function recurrenceChildren(r: EasRecurrence, tags: RecurrenceTags): WbxmlElement[] {
  // MS-ASCAL 2.2.2.12: CalendarType accompanies the monthly and yearly types (0 = default, Gregorian).
  const calendarType = r.type === 2 || r.type === 3 || r.type === 5 || r.type === 6;
  const out = [
    el(tags.type, r.type),
    r.occurrences !== undefined && el(tags.occurrences, r.occurrences),
    el(tags.interval, r.interval),
    r.weekOfMonth !== undefined && el(tags.weekOfMonth, r.weekOfMonth),
    r.dayOfWeek !== undefined && el(tags.dayOfWeek, r.dayOfWeek),
    r.monthOfYear !== undefined && el(tags.monthOfYear, r.monthOfYear),
    r.until !== undefined && r.occurrences === undefined && el(tags.until, tags.untilFormat(r.until)),
    r.dayOfMonth !== undefined && el(tags.dayOfMonth, r.dayOfMonth),
    calendarType && el(tags.calendarType, 0),
    calendarType && el(tags.isLeapMonth, 0),
    r.firstDayOfWeek !== undefined && el(tags.firstDayOfWeek, r.firstDayOfWeek),
  ];
  return out.filter((e): e is WbxmlElement => e !== false);
}

function intOf(parent: WbxmlElement, tag: TagRef, lo: number, hi: number): number | undefined {
  const t = childText(parent, tag);
  if (t === undefined || t.trim() === '') return undefined;
  const n = Number(t.trim());
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ItemDataError(`${tag}: ${t} is not ${lo}..${hi}`);
  return n;
}

/** A device's Recurrence element. Values outside the spec's ranges → ItemDataError. */
export function parseRecurrence(e: WbxmlElement, tags: RecurrenceTags): EasRecurrence {
  const type = intOf(e, tags.type, 0, 6);
  if (type === undefined || type === 4) throw new ItemDataError('Recurrence: Type missing or 4');
  const calendarType = intOf(e, tags.calendarType, 0, 20);
  // Non-Gregorian calendars (MS-ASCAL 2.2.2.12) have no RRULE form without RSCALE; read as Gregorian.
  void calendarType;
  const untilText = childText(e, tags.until);
  const r: EasRecurrence = {
    type: type as EasRecurrence['type'],
    interval: intOf(e, tags.interval, 1, 999) ?? 1,
    ...opt('occurrences', intOf(e, tags.occurrences, 1, 999)),
    ...opt(
      'until',
      untilText === undefined || untilText.trim() === '' ? undefined : parseEasDate(untilText, 'Until'),
    ),
    ...opt('dayOfWeek', intOf(e, tags.dayOfWeek, 1, 127)),
    ...opt('dayOfMonth', intOf(e, tags.dayOfMonth, 1, 31)),
    ...opt('weekOfMonth', intOf(e, tags.weekOfMonth, 1, 5)),
    ...opt('monthOfYear', intOf(e, tags.monthOfYear, 1, 12)),
    ...opt('firstDayOfWeek', intOf(e, tags.firstDayOfWeek, 0, 6)),
  };
  if ((r.type === 3 || r.type === 6) && r.dayOfWeek === undefined)
    throw new ItemDataError('Recurrence: DayOfWeek required for this Type');
  return r;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
