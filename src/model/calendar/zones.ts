import ICAL from 'ical.js';
import { DAY, MINUTE, daysInMonth, fieldsOf, jcalDateTime, msOf, weekdayOf, type Fields } from './dates.js';
import { ianaNameOf, windowsNameOf } from './windows-zones.js';

// Time zones as the converters need them: the UTC offset in force at an instant, the transitions of
// a year, and the yearly rule behind them (what the EAS TimeZone blob can say). A zone comes from
// an IANA name (answered by Intl, which knows the historic rules) or from a VTIMEZONE component
// (expanded here: ical.js's own conversion is off by an hour right at a transition).

export interface Transition {
  /** UTC instant, epoch ms. */
  readonly at: number;
  /** Offsets in minutes east of UTC before and after. */
  readonly from: number;
  readonly to: number;
}

export interface Zone {
  readonly kind: 'utc' | 'floating' | 'iana' | 'vtimezone';
  /** The TZID to write; undefined for UTC and floating times. */
  readonly tzid: string | undefined;
  /** The IANA zone, when known (it names the TimeZone blob). */
  readonly iana: string | undefined;
  /** Minutes east of UTC in force at a UTC instant. */
  offsetAt(utcMs: number): number;
  transitionsIn(year: number): Transition[];
}

/** One yearly change, as MS-ASDTYPE 2.7.6 SYSTEMTIME states it: the nth weekday of a month. */
export interface TransitionRule {
  readonly month: number;
  /** 1-4, or 5 for the last such weekday of the month. */
  readonly week: number;
  /** 0 = Sunday. */
  readonly dayOfWeek: number;
  /** Local wall time of the change, in the offset in force before it. */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The rules of a zone in one year: what a TimeZone blob and a minimal VTIMEZONE can express. */
export interface ZoneRules {
  readonly standardOffset: number;
  readonly daylightOffset: number;
  /** Both present when the zone observes daylight saving time, else both absent. */
  readonly toStandard?: TransitionRule;
  readonly toDaylight?: TransitionRule;
}

const NO_TRANSITIONS = (): Transition[] => [];

export const UTC_ZONE: Zone = {
  kind: 'utc',
  tzid: undefined,
  iana: 'UTC',
  offsetAt: () => 0,
  transitionsIn: NO_TRANSITIONS,
};

/**
 * Floating times (no TZID, no "Z", RFC 5545 3.3.5 form #1) have no instant until a reader picks a
 * zone. Documented choice: they are read as UTC, so a floating 10:00 reaches the device as 10:00Z
 * with the UTC TimeZone blob, and the wall time survives a round trip unchanged.
 */
export const FLOATING_ZONE: Zone = {
  kind: 'floating',
  tzid: undefined,
  iana: undefined,
  offsetAt: () => 0,
  transitionsIn: NO_TRANSITIONS,
};

/** UTC instant of wall-clock fields in a zone (RFC 5545 3.3.5: a time in a gap uses the offset before it; of two, the first). */
export function toUtc(zone: Zone, f: Fields): number {
  const local = msOf(f);
  const before = zone.offsetAt(local - DAY);
  const after = zone.offsetAt(local + DAY);
  const valid = [before, after].filter((o) => zone.offsetAt(local - o * MINUTE) === o);
  const offset = valid.length > 0 ? Math.max(...valid) : before;
  return local - offset * MINUTE;
}

/** Wall-clock fields of a UTC instant in a zone. */
export function toLocal(zone: Zone, utcMs: number): Fields {
  return fieldsOf(utcMs + zone.offsetAt(utcMs) * MINUTE);
}

// ---- IANA zones through Intl ------------------------------------------------------------------

// Formatters are costly to build; they are pure, so a bounded cache is safe to share.
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(iana: string): Intl.DateTimeFormat | null {
  let f = formatters.get(iana);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: iana, timeZoneName: 'longOffset' });
    } catch {
      f = null;
    }
    if (formatters.size < 1024) formatters.set(iana, f);
  }
  return f;
}

function intlOffset(fmt: Intl.DateTimeFormat, utcMs: number): number {
  const name = fmt.formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /([+-])(\d{1,2})(?::?(\d{2}))?/.exec(name);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}

/** The zone of an IANA name, undefined when the runtime does not know it. */
export function ianaZone(iana: string, tzid: string = iana): Zone | undefined {
  if (iana.toUpperCase() === 'UTC' || iana === 'Etc/UTC' || iana === 'GMT') return UTC_ZONE;
  const fmt = formatter(iana);
  if (fmt === null) return undefined;
  const offsetAt = (ms: number): number => intlOffset(fmt, ms);
  return {
    kind: 'iana',
    tzid,
    iana,
    offsetAt,
    transitionsIn: (year) => scanTransitions(offsetAt, year),
  };
}

/** Transitions of a year found by weekly samples, each narrowed to the minute. */
function scanTransitions(offsetAt: (ms: number) => number, year: number): Transition[] {
  const out: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let t = Date.UTC(year, 0, 1);
  let o = offsetAt(t);
  while (t < end) {
    const next = Math.min(t + 7 * DAY, end);
    const on = offsetAt(next);
    if (on !== o) {
      let lo = t;
      let hi = next;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offsetAt(mid) === o) lo = mid;
        else hi = mid;
      }
      if (hi < end) out.push({ at: hi, from: o, to: offsetAt(hi) });
    }
    t = next;
    o = on;
  }
  return out;
}

// ---- VTIMEZONE components ---------------------------------------------------------------------

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

const expanded = new WeakMap<Component, Transition[]>();
const LAST_EXPANDED_YEAR = 2200;

function utcOffsetMinutes(comp: Component, name: string): number | undefined {
  const v = comp.getFirstPropertyValue(name) as { toSeconds?: () => number } | null;
  return v && typeof v.toSeconds === 'function' ? Math.round(v.toSeconds() / 60) : undefined;
}

function timeFields(t: Time): Fields {
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

/** Every onset of every observance (RFC 5545 3.6.5: DTSTART, RDATE, RRULE in local time of TZOFFSETFROM). */
function vtimezoneTransitions(vtz: Component): Transition[] {
  const cached = expanded.get(vtz);
  if (cached) return cached;
  const out: Transition[] = [];
  for (const obs of vtz.getAllSubcomponents()) {
    if (obs.name !== 'standard' && obs.name !== 'daylight') continue;
    const from = utcOffsetMinutes(obs, 'tzoffsetfrom');
    const to = utcOffsetMinutes(obs, 'tzoffsetto');
    const start = obs.getFirstPropertyValue('dtstart') as Time | null;
    if (from === undefined || to === undefined || !start) continue;
    const onsets: Fields[] = [timeFields(start)];
    for (const rdate of obs.getAllProperties('rdate'))
      for (const v of rdate.getValues()) if (v instanceof ICAL.Time) onsets.push(timeFields(v));
    const rule = obs.getFirstPropertyValue('rrule');
    if (rule instanceof ICAL.Recur) {
      const it = rule.iterator(start.clone());
      for (let i = 0; i < 1200; i++) {
        const next = it.next();
        if (!next || next.year > LAST_EXPANDED_YEAR) break;
        onsets.push(timeFields(next));
      }
    }
    for (const f of onsets) out.push({ at: msOf(f) - from * MINUTE, from, to });
  }
  out.sort((a, b) => a.at - b.at);
  const unique = out.filter((t, i) => i === 0 || t.at !== out[i - 1]!.at);
  expanded.set(vtz, unique);
  return unique;
}

/** The zone a VTIMEZONE component defines. */
export function vtimezoneZone(vtz: Component, tzid: string): Zone {
  const transitions = vtimezoneTransitions(vtz);
  const first = transitions[0];
  const iana = ianaNameOf(tzid);
  return {
    kind: 'vtimezone',
    tzid,
    iana: iana !== undefined && formatter(iana) !== null ? iana : undefined,
    offsetAt(ms) {
      let lo = 0;
      let hi = transitions.length - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (transitions[mid]!.at <= ms) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found >= 0 ? transitions[found]!.to : (first?.from ?? 0);
    },
    transitionsIn(year) {
      const a = Date.UTC(year, 0, 1);
      const b = Date.UTC(year + 1, 0, 1);
      return transitions.filter((t) => t.at >= a && t.at < b && t.from !== t.to);
    },
  };
}

/** The VTIMEZONE of a TZID inside a VCALENDAR, if any. */
export function findVtimezone(vcalendar: Component, tzid: string): Component | undefined {
  return vcalendar
    .getAllSubcomponents('vtimezone')
    .find((c) => String(c.getFirstPropertyValue('tzid') ?? '').trim() === tzid.trim());
}

/**
 * The zone a TZID stands for in a calendar: its VTIMEZONE (authoritative, RFC 5545 3.2.19) or,
 * without one, the IANA/Windows zone of that name. A TZID nobody can resolve is read as floating.
 */
export function zoneOfTzid(vcalendar: Component, tzid: string): Zone {
  const vtz = findVtimezone(vcalendar, tzid);
  if (vtz) return vtimezoneZone(vtz, tzid);
  const iana = ianaNameOf(tzid);
  const zone = iana === undefined ? undefined : ianaZone(iana, tzid);
  if (zone === UTC_ZONE) return UTC_ZONE;
  return zone ?? { ...FLOATING_ZONE, tzid };
}

// ---- Rules ------------------------------------------------------------------------------------

/** The yearly rules of a zone as in force in `year` (the following year if `year` is irregular). */
export function rulesOf(zone: Zone, year: number): ZoneRules {
  for (const y of [year, year + 1, year - 1]) {
    const ts = zone.transitionsIn(y);
    if (ts.length === 0) {
      const o = zone.offsetAt(Date.UTC(y, 6, 1));
      if (zone.offsetAt(Date.UTC(y, 0, 1)) === o) return { standardOffset: o, daylightOffset: o };
      continue;
    }
    if (ts.length !== 2) continue;
    const dl = ts.find((t) => t.to > t.from);
    const st = ts.find((t) => t.to < t.from);
    if (!dl || !st || dl.to !== st.from || st.to !== dl.from) continue;
    return {
      standardOffset: st.to,
      daylightOffset: dl.to,
      toStandard: ruleOf(st),
      toDaylight: ruleOf(dl),
    };
  }
  const o = zone.offsetAt(Date.UTC(year, 0, 1));
  return { standardOffset: o, daylightOffset: o };
}

function ruleOf(t: Transition): TransitionRule {
  const local = fieldsOf(t.at + t.from * MINUTE);
  // MS-ASDTYPE 2.7.6: wDay is the nth occurrence of the weekday, 5 meaning the last one.
  const week = local.day + 7 > daysInMonth(local.year, local.month) ? 5 : Math.ceil(local.day / 7);
  return {
    month: local.month,
    week,
    dayOfWeek: weekdayOf(local),
    hour: local.hour,
    minute: local.minute,
    second: local.second,
  };
}

export function sameRules(a: ZoneRules, b: ZoneRules): boolean {
  const sameRule = (x?: TransitionRule, y?: TransitionRule): boolean =>
    x === undefined || y === undefined
      ? x === y
      : x.month === y.month &&
        x.week === y.week &&
        x.dayOfWeek === y.dayOfWeek &&
        x.hour * 60 + x.minute === y.hour * 60 + y.minute;
  return (
    a.standardOffset === b.standardOffset &&
    a.daylightOffset === b.daylightOffset &&
    sameRule(a.toStandard, b.toStandard) &&
    sameRule(a.toDaylight, b.toDaylight)
  );
}

/** Day of month of a rule in a year. */
export function ruleDay(rule: TransitionRule, year: number): number {
  const dim = daysInMonth(year, rule.month);
  const first = weekdayOf({ year, month: rule.month, day: 1 });
  let day = 1 + ((rule.dayOfWeek - first + 7) % 7) + (Math.min(rule.week, 5) - 1) * 7;
  while (day > dim) day -= 7;
  return day;
}

/** A zone evaluated from rules alone (a device's TimeZone blob without a known IANA match). */
export function rulesZone(rules: ZoneRules, tzid: string): Zone {
  const changes = (year: number): Transition[] => {
    const { toStandard, toDaylight, standardOffset: s, daylightOffset: d } = rules;
    if (!toStandard || !toDaylight) return [];
    const at = (r: TransitionRule, before: number): number =>
      msOf({
        year,
        month: r.month,
        day: ruleDay(r, year),
        hour: r.hour,
        minute: r.minute,
        second: r.second,
      }) -
      before * MINUTE;
    return [
      { at: at(toDaylight, s), from: s, to: d },
      { at: at(toStandard, d), from: d, to: s },
    ].sort((a, b) => a.at - b.at);
  };
  return {
    kind: 'vtimezone',
    tzid,
    iana: undefined,
    offsetAt(ms) {
      const year = fieldsOf(ms).year;
      let offset = rules.standardOffset;
      for (const y of [year - 1, year]) for (const t of changes(y)) if (t.at <= ms) offset = t.to;
      return offset;
    },
    transitionsIn: changes,
  };
}

const BYDAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A VTIMEZONE stating `rules` from 1970 on (RFC 5545 3.6.5), for a TZID we write. */
export function vtimezoneFromRules(tzid: string, rules: ZoneRules): Component {
  const vtz = new ICAL.Component('vtimezone');
  vtz.addPropertyWithValue('tzid', tzid);
  const observance = (
    name: 'standard' | 'daylight',
    from: number,
    to: number,
    rule: TransitionRule | undefined,
  ): void => {
    const obs = new ICAL.Component(name);
    const start: Fields = rule
      ? {
          year: 1970,
          month: rule.month,
          day: ruleDay(rule, 1970),
          hour: rule.hour,
          minute: rule.minute,
          second: rule.second,
        }
      : { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
    obs.addProperty(new ICAL.Property(['dtstart', {}, 'date-time', jcalDateTime(start)]));
    obs.addProperty(new ICAL.Property(['tzoffsetfrom', {}, 'utc-offset', offsetText(from)]));
    obs.addProperty(new ICAL.Property(['tzoffsetto', {}, 'utc-offset', offsetText(to)]));
    if (rule) {
      const n = rule.week >= 5 ? -1 : rule.week;
      obs.addProperty(
        new ICAL.Property([
          'rrule',
          {},
          'recur',
          { freq: 'YEARLY', bymonth: rule.month, byday: `${n}${BYDAY[rule.dayOfWeek]}` },
        ]),
      );
    }
    vtz.addSubcomponent(obs);
  };
  const { standardOffset: s, daylightOffset: d, toStandard, toDaylight } = rules;
  if (toStandard && toDaylight) {
    observance('standard', d, s, toStandard);
    observance('daylight', s, d, toDaylight);
  } else observance('standard', s, s, undefined);
  return vtz;
}

/** A display name for a zone in the TimeZone blob: the Windows name when there is one. */
export function zoneDisplayNames(zone: Zone): { standard: string; daylight: string } {
  if (zone.kind === 'utc' || zone.kind === 'floating') return { standard: '', daylight: '' };
  const win = zone.iana ? windowsNameOf(zone.iana) : undefined;
  if (win) return { standard: win, daylight: win.replace(/Standard Time/, 'Daylight Time') };
  const name = zone.iana ?? zone.tzid ?? '';
  return { standard: name, daylight: name };
}
