import { Buffer } from 'node:buffer';
import { ItemDataError } from '../item-codec.js';
import { WINDOWS_TO_IANA, ianaNameOf } from './windows-zones.js';
import {
  UTC_ZONE,
  ianaZone,
  rulesOf,
  rulesZone,
  sameRules,
  zoneDisplayNames,
  type TransitionRule,
  type Zone,
  type ZoneRules,
} from './zones.js';

// MS-ASDTYPE 2.7.6 TimeZone: the Windows TIME_ZONE_INFORMATION structure, 172 bytes, base64.
//   0 Bias (LONG, minutes; UTC = local + Bias)   4 StandardName (32 WCHAR)   68 StandardDate (SYSTEMTIME)
//  84 StandardBias                                88 DaylightName              152 DaylightDate
// 168 DaylightBias
// A SYSTEMTIME is eight WORDs: wYear wMonth wDayOfWeek wDay wHour wMinute wSecond wMilliseconds. With
// wYear 0 the date recurs yearly: wDay is the nth wDayOfWeek of wMonth, 5 meaning the last.

export const TIME_ZONE_BYTES = 172;

interface SystemTime {
  readonly year: number;
  readonly month: number;
  readonly dayOfWeek: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface TimeZoneInfo {
  readonly bias: number;
  readonly standardName: string;
  readonly standardDate: SystemTime;
  readonly standardBias: number;
  readonly daylightName: string;
  readonly daylightDate: SystemTime;
  readonly daylightBias: number;
}

const NO_DATE: SystemTime = { year: 0, month: 0, dayOfWeek: 0, day: 0, hour: 0, minute: 0, second: 0 };

/** The all-zero structure: UTC, no daylight saving time. */
export const UTC_TIME_ZONE = Buffer.alloc(TIME_ZONE_BYTES).toString('base64');

function readName(buf: Buffer, at: number): string {
  const s = buf.subarray(at, at + 64).toString('utf16le');
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

function readDate(buf: Buffer, at: number): SystemTime {
  const w = (i: number): number => buf.readUInt16LE(at + i * 2);
  return { year: w(0), month: w(1), dayOfWeek: w(2), day: w(3), hour: w(4), minute: w(5), second: w(6) };
}

/** Decodes a TimeZone element; a wrong length or an impossible date → ItemDataError. */
export function decodeTimeZone(base64: string): TimeZoneInfo {
  const text = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new ItemDataError('TimeZone: not base64');
  const buf = Buffer.from(text, 'base64');
  if (buf.length !== TIME_ZONE_BYTES)
    throw new ItemDataError(`TimeZone: ${buf.length} bytes, MS-ASDTYPE 2.7.6 requires ${TIME_ZONE_BYTES}`);
  const info: TimeZoneInfo = {
    bias: buf.readInt32LE(0),
    standardName: readName(buf, 4),
    standardDate: readDate(buf, 68),
    standardBias: buf.readInt32LE(84),
    daylightName: readName(buf, 88),
    daylightDate: readDate(buf, 152),
    daylightBias: buf.readInt32LE(168),
  };
  const offsetOk = (m: number): boolean => Math.abs(m) <= 16 * 60;
  if (!offsetOk(info.bias) || !offsetOk(info.standardBias) || !offsetOk(info.daylightBias))
    throw new ItemDataError('TimeZone: bias out of range');
  for (const [name, d] of [
    ['StandardDate', info.standardDate],
    ['DaylightDate', info.daylightDate],
  ] as const) {
    if (d.month === 0) continue;
    const relative = d.year === 0;
    if (
      d.month > 12 ||
      d.dayOfWeek > 6 ||
      d.day < 1 ||
      (relative ? d.day > 5 : d.day > 31) ||
      d.hour > 23 ||
      d.minute > 59 ||
      d.second > 59
    )
      throw new ItemDataError(`TimeZone: impossible ${name}`);
  }
  return info;
}

function writeName(buf: Buffer, at: number, name: string): void {
  // 32 WCHARs including the terminating NUL.
  buf.write(name.slice(0, 31), at, 62, 'utf16le');
}

function writeDate(buf: Buffer, at: number, d: SystemTime): void {
  const words = [d.year, d.month, d.dayOfWeek, d.day, d.hour, d.minute, d.second, 0];
  words.forEach((w, i) => buf.writeUInt16LE(w, at + i * 2));
}

export function encodeTimeZone(info: TimeZoneInfo): string {
  const buf = Buffer.alloc(TIME_ZONE_BYTES);
  buf.writeInt32LE(info.bias, 0);
  writeName(buf, 4, info.standardName);
  writeDate(buf, 68, info.standardDate);
  buf.writeInt32LE(info.standardBias, 84);
  writeName(buf, 88, info.daylightName);
  writeDate(buf, 152, info.daylightDate);
  buf.writeInt32LE(info.daylightBias, 168);
  return buf.toString('base64');
}

const systemTime = (r: TransitionRule): SystemTime => ({
  year: 0,
  month: r.month,
  dayOfWeek: r.dayOfWeek,
  day: r.week,
  hour: r.hour,
  minute: r.minute,
  second: r.second,
});

export function infoFromRules(rules: ZoneRules, names: { standard: string; daylight: string }): TimeZoneInfo {
  const dst = rules.toStandard !== undefined && rules.toDaylight !== undefined;
  return {
    bias: -rules.standardOffset,
    standardName: names.standard,
    standardDate: dst ? systemTime(rules.toStandard!) : NO_DATE,
    standardBias: 0,
    daylightName: names.daylight,
    daylightDate: dst ? systemTime(rules.toDaylight!) : NO_DATE,
    daylightBias: dst ? -(rules.daylightOffset - rules.standardOffset) : 0,
  };
}

function ruleFromDate(d: SystemTime): TransitionRule {
  if (d.year === 0)
    return {
      month: d.month,
      week: d.day,
      dayOfWeek: d.dayOfWeek,
      hour: d.hour,
      minute: d.minute,
      second: d.second,
    };
  // An absolute date (wYear set) happens once; read it as the same nth weekday every year.
  const dim = new Date(Date.UTC(d.year, d.month, 0)).getUTCDate();
  return {
    month: d.month,
    week: d.day + 7 > dim ? 5 : Math.ceil(d.day / 7),
    dayOfWeek: new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(),
    hour: d.hour,
    minute: d.minute,
    second: d.second,
  };
}

export function rulesFromInfo(info: TimeZoneInfo): ZoneRules {
  const standardOffset = -(info.bias + info.standardBias);
  const dst =
    info.standardDate.month !== 0 && info.daylightDate.month !== 0 && info.daylightBias !== info.standardBias;
  if (!dst) return { standardOffset, daylightOffset: standardOffset };
  return {
    standardOffset,
    daylightOffset: -(info.bias + info.daylightBias),
    toStandard: ruleFromDate(info.standardDate),
    toDaylight: ruleFromDate(info.daylightDate),
  };
}

/** The TimeZone element for a zone, with the rules in force in `year`. UTC and floating → all zero. */
export function timeZoneBlob(zone: Zone, year: number): string {
  if (zone.kind === 'utc' || zone.kind === 'floating') return UTC_TIME_ZONE;
  const rules = rulesOf(zone, year);
  if (rules.standardOffset === 0 && rules.toStandard === undefined) return UTC_TIME_ZONE;
  return encodeTimeZone(infoFromRules(rules, zoneDisplayNames(zone)));
}

/** Candidate IANA zones with the given offsets: the Windows table's first (its order is the preference). */
function candidates(rules: ZoneRules, year: number): string[] {
  const jan = Date.UTC(year, 0, 15);
  const jul = Date.UTC(year, 6, 15);
  const want = new Set([rules.standardOffset, rules.daylightOffset]);
  const all = [...new Set([...Object.values(WINDOWS_TO_IANA), ...Intl.supportedValuesOf('timeZone')])];
  return all.filter((name) => {
    const z = ianaZone(name);
    if (!z || z.kind === 'utc') return false;
    const a = z.offsetAt(jan);
    const b = z.offsetAt(jul);
    return want.has(a) && want.has(b) && (a !== b || want.size === 1);
  });
}

// Matching a blob against every zone costs some hundred Intl calls; devices send few distinct blobs.
const matched = new Map<string, string | null>();

/**
 * The zone of a device's TimeZone blob: UTC for the all-zero (or any offset-0, no-DST) blob; the
 * zone the event already had when its rules in `year` equal the blob's; else the IANA zone the
 * StandardName names, or the first IANA zone whose rules match; else a zone of the blob's own
 * rules, named by StandardName (a custom VTIMEZONE is then written for it).
 */
export function zoneFromTimeZone(base64: string, year: number, current?: Zone): Zone {
  const info = decodeTimeZone(base64);
  const rules = rulesFromInfo(info);
  // Floating times are shown with the UTC blob; the same blob back leaves them floating.
  if (rules.standardOffset === 0 && rules.daylightOffset === 0)
    return current?.kind === 'floating' ? current : UTC_ZONE;
  if (current && current.kind !== 'floating' && sameRules(rulesOf(current, year), rules)) return current;
  const key = `${base64}|${year}`;
  let name = matched.get(key);
  if (name === undefined) {
    name = null;
    const byName = [info.standardName, info.daylightName]
      .map((n) => ianaNameOf(n))
      .filter((n) => n !== undefined);
    for (const cand of [...byName, ...candidates(rules, year)]) {
      const z = ianaZone(cand);
      if (z && z.kind === 'iana' && sameRules(rulesOf(z, year), rules)) {
        name = cand;
        break;
      }
    }
    if (matched.size < 256) matched.set(key, name);
  }
  if (name !== null) return ianaZone(name)!;
  return rulesZone(rules, customTzid(info, rules));
}

function customTzid(info: TimeZoneInfo, rules: ZoneRules): string {
  const clean = info.standardName.replace(/[^\x20-\x7e]/g, '').trim();
  if (clean !== '') return clean;
  const o = rules.standardOffset;
  const a = Math.abs(o);
  return `GMT${o < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}
