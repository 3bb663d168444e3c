// The little of iCalendar (RFC 5545) a meeting invitation needs: content lines, components,
// parameters, date-times with their time zones. Tolerant of what mailers actually send.

import { ianaNameOf } from '../calendar/windows-zones.js';

export interface ICalProperty {
  /** Upper-case property name. */
  readonly name: string;
  /** Upper-case parameter names; values without surrounding quotes. */
  readonly params: Readonly<Record<string, string>>;
  readonly value: string;
}

export interface ICalComponent {
  /** Upper-case component name (VCALENDAR, VEVENT, VTIMEZONE, STANDARD…). */
  readonly name: string;
  readonly props: ICalProperty[];
  readonly children: ICalComponent[];
}

/** Parses an iCalendar object; the result is a pseudo-root holding the top-level components. */
export function parseICalendar(text: string): ICalComponent {
  const root: ICalComponent = { name: '', props: [], children: [] };
  const stack: ICalComponent[] = [root];
  // RFC 5545 3.1: a line break followed by a space or tab continues the previous line.
  const unfolded = text.replace(/\r?\n[ \t]/g, '');
  for (const line of unfolded.split(/\r?\n|\r/)) {
    if (line.trim() === '') continue;
    const prop = parseLine(line);
    if (prop === undefined) continue;
    const top = stack[stack.length - 1]!;
    if (prop.name === 'BEGIN') {
      const comp: ICalComponent = { name: prop.value.trim().toUpperCase(), props: [], children: [] };
      top.children.push(comp);
      stack.push(comp);
    } else if (prop.name === 'END') {
      const name = prop.value.trim().toUpperCase();
      // Unbalanced END lines are ignored rather than unwinding the wrong component.
      const at = stack.map((c) => c.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
    } else top.props.push(prop);
  }
  return root;
}

/** RFC 5545 3.1: name *(";" param) ":" value, where quoted parameter values may contain ":" and ";". */
function parseLine(line: string): ICalProperty | undefined {
  const nameEnd = line.search(/[;:]/);
  if (nameEnd <= 0) return undefined;
  const name = line.slice(0, nameEnd).trim().toUpperCase();
  const params: Record<string, string> = {};
  let i = nameEnd;
  while (i < line.length && line[i] === ';') {
    i++;
    const eq = line.indexOf('=', i);
    if (eq < 0) return undefined;
    const pname = line.slice(i, eq).trim().toUpperCase();
    i = eq + 1;
    let value = '';
    while (i < line.length && line[i] !== ';' && line[i] !== ':') {
      if (line[i] === '"') {
        const close = line.indexOf('"', i + 1);
        if (close < 0) return undefined;
        value += line.slice(i + 1, close);
        i = close + 1;
      } else value += line[i++];
    }
    params[pname] = value;
  }
  if (line[i] !== ':') return undefined;
  return { name, params, value: line.slice(i + 1) };
}

export function findComponent(comp: ICalComponent, name: string): ICalComponent | undefined {
  for (const c of comp.children) {
    if (c.name === name) return c;
    const deeper = findComponent(c, name);
    if (deeper) return deeper;
  }
  return undefined;
}

export function allComponents(comp: ICalComponent, name: string): ICalComponent[] {
  const out: ICalComponent[] = [];
  for (const c of comp.children) {
    if (c.name === name) out.push(c);
    out.push(...allComponents(c, name));
  }
  return out;
}

export function prop(comp: ICalComponent, name: string): ICalProperty | undefined {
  return comp.props.find((p) => p.name === name);
}

/** RFC 5545 3.3.11 TEXT: backslash escapes. */
export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** A date or date-time, resolved to UTC, with the local fields it was written in. */
export interface ICalTime {
  readonly utc: Date;
  /** VALUE=DATE: an all-day date without time. */
  readonly dateOnly: boolean;
  /** Year, month (1-12), day, weekday (0 = Sunday) as written, in the event's own time zone. */
  readonly local: {
    readonly year: number;
    readonly month: number;
    readonly day: number;
    readonly weekday: number;
  };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Parses DTSTART-like properties (RFC 5545 3.3.4, 3.3.5); undefined when unreadable. */
export function parseTime(p: ICalProperty | undefined, calendar: ICalComponent): ICalTime | undefined {
  if (p === undefined) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?/.exec(p.value.trim());
  if (!m) return undefined;
  const f: Fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  };
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31) return undefined;
  const dateOnly = m[4] === undefined || (p.params.VALUE ?? '').toUpperCase() === 'DATE';
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  let utc: number;
  // All-day dates are floating; without a zone of the user to anchor them, midnight UTC is used
  // and the TimeZone element says UTC, which keeps the day itself intact on the client.
  if (dateOnly || m[7] === 'Z') utc = asUtc;
  else {
    const tzid = p.params.TZID;
    utc = tzid ? asUtc - offsetMinutes(tzid, f, calendar) * 60_000 : asUtc;
  }
  return {
    utc: new Date(utc),
    dateOnly,
    local: { year: f.year, month: f.month, day: f.day, weekday: new Date(asUtc).getUTCDay() },
  };
}

/** RFC 5545 3.3.6 DURATION in milliseconds; undefined when unreadable. */
export function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, sign, w, d, h, mi, s] = m;
  const ms =
    ((((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60 +
      Number(s ?? 0)) *
    1000;
  return sign === '-' ? -ms : ms;
}

/** Minutes east of UTC in force at local time `f` in zone `tzid`. */
function offsetMinutes(tzid: string, f: Fields, calendar: ICalComponent): number {
  const vtz = allComponents(calendar, 'VTIMEZONE').find((c) => prop(c, 'TZID')?.value.trim() === tzid.trim());
  if (vtz) {
    const fromVtz = vtimezoneOffset(vtz, f);
    if (fromVtz !== undefined) return fromVtz;
  }
  const iana = ianaNameOf(tzid);
  if (iana !== undefined) {
    const off = ianaOffset(iana, f);
    if (off !== undefined) return off;
  }
  return 0;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function ianaOffset(zone: string, f: Fields): number | undefined {
  let fmt = formatters.get(zone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      fmt = null;
    }
    if (formatters.size < 128) formatters.set(zone, fmt);
  }
  if (fmt === null) return undefined;
  const zoneFmt = fmt;
  const offsetAt = (utc: number): number => {
    const parts: Record<string, number> = {};
    for (const p of zoneFmt.formatToParts(new Date(utc)))
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    const asLocal = Date.UTC(
      parts.year!,
      parts.month! - 1,
      parts.day!,
      parts.hour!,
      parts.minute!,
      parts.second!,
    );
    return Math.round((asLocal - utc) / 60_000);
  };
  const local = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  // The offset at the guessed instant may differ from the one at the result near a transition.
  const first = offsetAt(local);
  const second = offsetAt(local - first * 60_000);
  return second;
}

/** Offset from a VTIMEZONE (RFC 5545 3.6.5): the observance whose latest onset precedes `f`. */
function vtimezoneOffset(vtz: ICalComponent, f: Fields): number | undefined {
  const target = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  let best: { onset: number; offset: number } | undefined;
  for (const obs of vtz.children) {
    if (obs.name !== 'STANDARD' && obs.name !== 'DAYLIGHT') continue;
    const offset = parseUtcOffset(prop(obs, 'TZOFFSETTO')?.value);
    const start = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?/.exec(prop(obs, 'DTSTART')?.value ?? '');
    if (offset === undefined || !start) continue;
    const [sy, smo, sd, sh, smi, ss] = dateParts(start);
    const rule = parseRule(prop(obs, 'RRULE')?.value);
    const onsets: number[] = [];
    if (rule.FREQ === 'YEARLY' && rule.BYMONTH && rule.BYDAY) {
      for (const year of [f.year - 1, f.year]) {
        if (year < sy) continue;
        const day = nthWeekday(year, Number(rule.BYMONTH), rule.BYDAY);
        if (day !== undefined) onsets.push(Date.UTC(year, Number(rule.BYMONTH) - 1, day, sh, smi, ss));
      }
    } else onsets.push(Date.UTC(sy, smo - 1, sd, sh, smi, ss));
    for (const onset of onsets)
      if (onset <= target && (!best || onset > best.onset)) best = { onset, offset };
  }
  if (best) return best.offset;
  const standard = vtz.children.find((c) => c.name === 'STANDARD');
  return standard ? parseUtcOffset(prop(standard, 'TZOFFSETTO')?.value) : undefined;
}

function parseUtcOffset(value: string | undefined): number | undefined {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** RRULE parts (RFC 5545 3.3.10), upper-case names. */
export function parseRule(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0)
      out[part.slice(0, eq).trim().toUpperCase()] = part
        .slice(eq + 1)
        .trim()
        .toUpperCase();
  }
  return out;
}

export const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** Day of month of e.g. "2SU" / "-1SU" in a month; undefined if it does not exist. */
function nthWeekday(year: number, month: number, byday: string): number | undefined {
  const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(byday.split(',')[0] ?? '');
  if (!m) return undefined;
  const n = Number(m[1] ?? 1);
  const wd = WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    const day = 1 + ((wd - first + 7) % 7) + (n - 1) * 7;
    return day <= daysInMonth ? day : undefined;
  }
  const last = new Date(Date.UTC(year, month - 1, daysInMonth)).getUTCDay();
  const day = daysInMonth - ((last - wd + 7) % 7) + (n + 1) * 7;
  return day >= 1 ? day : undefined;
}

/** Year, month, day, hour, minute, second of a `YYYYMMDD[THHMMSS]` match; missing parts are 0. */
export function dateParts(m: RegExpExecArray): [number, number, number, number, number, number] {
  const n = (i: number): number => Number(m[i] ?? 0);
  return [n(1), n(2), n(3), n(4), n(5), n(6)];
}
