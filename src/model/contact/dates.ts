import { ItemDataError } from '../item-codec.js';
import type { VersionString } from './vcard.js';

// Birthday and Anniversary are dates without a time zone on both sides. MS-ASCNTC 2.2.2.6: the
// value is a UTC dateTime whose "time portion … might be 11:59 and SHOULD be ignored, so that
// synchronizing between different time zones does not change the date". Only UTC arithmetic is
// used here: the process time zone never matters.

export interface CalendarDate {
  /** Undefined for a date without a year (vCard 4.0 `--MMDD`, Apple's X-APPLE-OMIT-YEAR). */
  readonly year?: number;
  readonly month: number;
  readonly day: number;
}

/** Stands in for a missing year on the device, as Apple clients do: a leap year, so 29 February survives. */
export const NO_YEAR = 1604;

const DAY_MS = 86_400_000;

/** A vCard date value: `1980-05-17`, `19800517`, `1980-05-17T10:00:00Z` (date part), `--0517`, `--05-17`. */
export function parseVCardDate(value: string, omitYear?: string): CalendarDate | undefined {
  const v = value.trim();
  const full = /^(\d{4})-?(\d{2})-?(\d{2})(?:T[\d:.+\-Z]*)?$/i.exec(v);
  if (full) {
    const year = Number(full[1]);
    const date = checked(year, Number(full[2]), Number(full[3]));
    if (date && omitYear !== undefined && Number(omitYear) === year)
      return { month: date.month, day: date.day };
    return date;
  }
  const noYear = /^--(\d{2})-?(\d{2})$/.exec(v);
  if (noYear) {
    const date = checked(NO_YEAR, Number(noYear[1]), Number(noYear[2]));
    return date && { month: date.month, day: date.day };
  }
  return undefined;
}

function checked(year: number, month: number, day: number): CalendarDate | undefined {
  const t = utc(year, month - 1, day);
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day)
    return undefined;
  return { year, month, day };
}

/** Date.UTC reads years 0–99 as 1900–1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0): Date {
  const t = new Date(0);
  t.setUTCFullYear(year, month, day);
  t.setUTCHours(h, m, s, 0);
  return t;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The EAS form: the date at 11:59 UTC, which a device that does convert to local time shows as the same date from UTC-11 to UTC+12. */
export function toEasDate(d: CalendarDate): string {
  return `${pad(d.year ?? NO_YEAR, 4)}-${pad(d.month)}-${pad(d.day)}T11:59:00.000Z`;
}

/**
 * The date a device meant. Devices send the local midnight of the date in UTC (the day before at
 * 22:00 from UTC+2, the same day at 05:00 from UTC-5) or a time near noon; the nearest UTC
 * midnight recovers the date for all of these.
 */
export function fromEasDate(value: string): CalendarDate {
  const m =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})(?::?(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      value.trim(),
    );
  if (!m) throw new ItemDataError(`not a dateTime: ${value}`);
  let t = utc(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  ).getTime();
  const zone = m[7];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? 1 : -1;
    const digits = zone.slice(1).replace(':', '');
    t += sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  if (Number.isNaN(t)) throw new ItemDataError(`not a dateTime: ${value}`);
  const day = new Date(Math.floor((t + DAY_MS / 2) / DAY_MS) * DAY_MS);
  const year = day.getUTCFullYear();
  const date = { month: day.getUTCMonth() + 1, day: day.getUTCDate() };
  return year === NO_YEAR ? date : { year, ...date };
}

/** The vCard value to store: 3.0 `1980-05-17`, 4.0 `19800517`; without a year 4.0 `--0517`, 3.0 Apple's form. */
export function toVCardDate(
  d: CalendarDate,
  version: VersionString,
): { value: string; params: Record<string, string> } {
  if (d.year === undefined) {
    if (version === '4.0') return { value: `--${pad(d.month)}${pad(d.day)}`, params: {} };
    return {
      value: `${NO_YEAR}-${pad(d.month)}-${pad(d.day)}`,
      params: { 'x-apple-omit-year': String(NO_YEAR) },
    };
  }
  if (version === '4.0') return { value: `${pad(d.year, 4)}${pad(d.month)}${pad(d.day)}`, params: {} };
  return { value: `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`, params: {} };
}
