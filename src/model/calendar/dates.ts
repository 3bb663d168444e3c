import { ItemDataError } from '../item-codec.js';

// Date forms of the EAS calendar and task classes, and the wall-clock fields used between
// iCalendar and them. All arithmetic is on epoch milliseconds; "fields" are never a Date in a zone.

/** Wall-clock fields; month 1-12. */
export interface Fields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** The fields of `ms` read as if it were UTC (i.e. without any zone). */
export function fieldsOf(ms: number): Fields {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Inverse of fieldsOf. */
export function msOf(f: Fields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** MS-ASDTYPE 2.7.2 Compact DateTime, always UTC: yyyyMMddTHHmmssZ. */
export function compactUtc(ms: number): string {
  const f = fieldsOf(ms);
  return `${pad(f.year, 4)}${pad(f.month)}${pad(f.day)}T${pad(f.hour)}${pad(f.minute)}${pad(f.second)}Z`;
}

/** MS-ASDTYPE 2.3 dateTime (Tasks, MeetingResponse): yyyy-MM-ddTHH:mm:ss.fffZ. */
export function isoUtc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/**
 * A device date: Compact DateTime (MS-ASDTYPE 2.7.2) or dateTime (2.3). Both forms are accepted
 * wherever either is specified, because clients mix them up. Unreadable → ItemDataError.
 */
export function parseEasDate(value: string | undefined, what: string): number {
  const s = (value ?? '').trim();
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    s,
  );
  if (!m) throw new ItemDataError(`${what}: not a date: ${JSON.stringify(s)}`);
  const f: Fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  };
  if (!validFields(f)) throw new ItemDataError(`${what}: impossible date ${s}`);
  let ms = msOf(f);
  const zone = m[7];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    const off = (Number(z[2]) * 60 + Number(z[3])) * (z[1] === '-' ? -1 : 1);
    ms -= off * MINUTE;
  }
  return ms;
}

export function validFields(f: Fields): boolean {
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.hour > 23 || f.minute > 59 || f.second > 60) return false;
  return f.day <= daysInMonth(f.year, f.month);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 0 = Sunday. */
export function weekdayOf(f: Pick<Fields, 'year' | 'month' | 'day'>): number {
  return new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay();
}

/** Midnight (as UTC fields) of the day nearest to `ms`: for all-day values sent with a zone offset. */
export function nearestMidnight(ms: number): number {
  return Math.floor((ms + DAY / 2) / DAY) * DAY;
}

/** iCalendar DATE-TIME text in jCal form (what ical.js stores): 2026-07-10T10:00:00. */
export function jcalDateTime(f: Fields): string {
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
}

/** iCalendar DATE in jCal form: 2026-07-10. */
export function jcalDate(f: Pick<Fields, 'year' | 'month' | 'day'>): string {
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`;
}
