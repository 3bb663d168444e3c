import ICAL from 'ical.js';
import { ItemSourceError } from '../item-codec.js';
import { DAY, fieldsOf, jcalDate, jcalDateTime, msOf, type Fields } from './dates.js';
import {
  FLOATING_ZONE,
  UTC_ZONE,
  findVtimezone,
  rulesOf,
  sameRules,
  vtimezoneFromRules,
  toLocal,
  toUtc,
  zoneOfTzid,
  type Zone,
} from './zones.js';

// Reading and writing iCalendar (RFC 5545) through ical.js: parsing with typed errors, date-time
// properties resolved to instants through our zones, and small property helpers.

export type Component = InstanceType<typeof ICAL.Component>;
export type Property = InstanceType<typeof ICAL.Property>;
export type Time = InstanceType<typeof ICAL.Time>;
export type Recur = InstanceType<typeof ICAL.Recur>;

export const PRODID = '-//eas-gateway//EN';

/** A deep copy: ical.js's toJSON hands out its own arrays, shared with the original. */
export function cloneProperty(p: Property): Property {
  return new ICAL.Property(structuredClone(p.toJSON()) as unknown[]);
}

export function cloneComponent(c: Component): Component {
  return new ICAL.Component(structuredClone(c.toJSON()) as unknown[]);
}

/** The VCALENDAR of a stored object; unreadable text → ItemSourceError (the caller skips the item). */
export function parseCalendar(text: string): Component {
  let root: Component;
  try {
    const jcal: unknown = ICAL.parse(text);
    const first = Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal[0] : jcal;
    root = new ICAL.Component(first as unknown[]);
  } catch (e) {
    throw new ItemSourceError(`iCalendar: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (root.name !== 'vcalendar') throw new ItemSourceError(`iCalendar: ${root.name} is not VCALENDAR`);
  return root;
}

export function newCalendar(): Component {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('version', '2.0');
  return cal;
}

/** The components of one kind: the master (no RECURRENCE-ID) first, then the overrides. */
export function splitComponents(
  cal: Component,
  name: 'vevent' | 'vtodo',
): { master: Component | undefined; overrides: Component[] } {
  const all = cal.getAllSubcomponents(name);
  const master = all.find((c) => !c.hasProperty('recurrence-id'));
  return { master, overrides: all.filter((c) => c !== master) };
}

export function textOf(comp: Component, name: string): string | undefined {
  const v = comp.getFirstPropertyValue(name);
  return v === null || v === undefined ? undefined : String(v);
}

/** Sets (or with undefined removes) a single-valued text property, keeping its parameters. */
export function setText(comp: Component, name: string, value: string | undefined): void {
  if (value === undefined) {
    comp.removeAllProperties(name);
    return;
  }
  const p = comp.getFirstProperty(name);
  if (p) p.setValue(value);
  else comp.addPropertyWithValue(name, value);
}

/** A date or date-time property resolved against its zone. */
export interface TimeValue {
  readonly date: boolean;
  /** Wall-clock fields as written. */
  readonly local: Fields;
  readonly zone: Zone;
  /** The instant: local fields in the zone; a DATE is midnight UTC of its day (our all-day anchor). */
  readonly utc: number;
}

export function readTime(cal: Component, prop: Property | null | undefined): TimeValue | undefined {
  if (!prop) return undefined;
  const v = prop.getFirstValue();
  if (!(v instanceof ICAL.Time)) return undefined;
  return timeValue(cal, prop, v);
}

export function timeValue(cal: Component, prop: Property, v: Time): TimeValue {
  const local: Fields = {
    year: v.year,
    month: v.month,
    day: v.day,
    hour: v.isDate ? 0 : v.hour,
    minute: v.isDate ? 0 : v.minute,
    second: v.isDate ? 0 : v.second,
  };
  if (v.isDate) return { date: true, local, zone: FLOATING_ZONE, utc: msOf(local) };
  const zone = zoneOfTime(cal, prop, v);
  return { date: false, local, zone, utc: toUtc(zone, local) };
}

function zoneOfTime(cal: Component, prop: Property, v: Time): Zone {
  if (v.zone === ICAL.Timezone.utcTimezone) return UTC_ZONE;
  const tzid = prop.getFirstParameter('tzid');
  if (typeof tzid !== 'string' || tzid === '') return FLOATING_ZONE;
  return zoneOfTzid(cal, tzid);
}

/** Wall-clock fields of any value of a multi-valued date property (EXDATE, RDATE). */
export function timeValues(cal: Component, prop: Property): TimeValue[] {
  return prop
    .getValues()
    .filter((v): v is Time => v instanceof ICAL.Time)
    .map((v) => timeValue(cal, prop, v));
}

export function readStart(cal: Component, comp: Component): TimeValue | undefined {
  return readTime(cal, comp.getFirstProperty('dtstart'));
}

/** End per RFC 5545 3.6.1: DTEND, else DTSTART + DURATION, else one day for a DATE, else DTSTART. */
export function readEnd(cal: Component, comp: Component, start: TimeValue): TimeValue {
  const end = readTime(cal, comp.getFirstProperty('dtend') ?? comp.getFirstProperty('due'));
  if (end && end.utc >= start.utc) return end;
  const dur = comp.getFirstPropertyValue('duration');
  let ms = 0;
  if (dur instanceof ICAL.Duration) ms = dur.toSeconds() * 1000;
  else if (start.date) ms = DAY;
  if (start.date) {
    const local = fieldsOf(msOf(start.local) + Math.max(ms, 0));
    return { ...start, local, utc: msOf(local) };
  }
  const utc = start.utc + Math.max(ms, 0);
  return { ...start, utc, local: toLocal(start.zone, utc) };
}

/** A property holding `value` in `zone` (UTC → "Z", floating → bare, else TZID), or a DATE. */
export function timeProperty(name: string, utc: number, zone: Zone, date: boolean): Property {
  if (date) return new ICAL.Property([name, {}, 'date', jcalDate(fieldsOf(utc))]);
  if (zone.kind === 'utc')
    return new ICAL.Property([name, {}, 'date-time', `${jcalDateTime(fieldsOf(utc))}Z`]);
  const local = jcalDateTime(toLocal(zone, utc));
  if (zone.tzid === undefined) return new ICAL.Property([name, {}, 'date-time', local]);
  return new ICAL.Property([name, { tzid: zone.tzid }, 'date-time', local]);
}

/** Replaces a date property (first of its name) with one for `utc`, keeping its position's parameters out. */
export function setTime(comp: Component, name: string, utc: number, zone: Zone, date: boolean): void {
  comp.removeAllProperties(name);
  comp.addProperty(timeProperty(name, utc, zone, date));
}

/**
 * Makes sure the calendar defines the zone's TZID (RFC 5545 3.6.5 requires a VTIMEZONE for every
 * TZID used). An existing VTIMEZONE of that name with other rules makes us pick another name.
 */
export function ensureVtimezone(cal: Component, zone: Zone, year: number): Zone {
  if (zone.tzid === undefined || zone.kind === 'utc' || zone.kind === 'floating') return zone;
  const rules = rulesOf(zone, year);
  const existing = findVtimezone(cal, zone.tzid);
  if (existing) {
    if (sameRules(rulesOf(zoneOfTzid(cal, zone.tzid), year), rules)) return zone;
    const renamed: Zone = { ...zone, tzid: `${zone.tzid} (EAS)` };
    return ensureVtimezone(cal, renamed, year);
  }
  const vtz = vtimezoneFromRules(zone.tzid, rules);
  const first = cal.getFirstSubcomponent();
  if (first) {
    // VTIMEZONEs conventionally precede the components that use them.
    const comps = [...cal.getAllSubcomponents()];
    cal.removeAllSubcomponents();
    cal.addSubcomponent(vtz);
    for (const c of comps) cal.addSubcomponent(c);
  } else cal.addSubcomponent(vtz);
  return zone;
}

export function usedTzids(cal: Component): Set<string> {
  return findVtimezoneNames(cal.getAllSubcomponents().filter((c) => c.name !== 'vtimezone'));
}

/** Removes the VTIMEZONEs that were in use (`before`) and no property refers to any more. */
export function dropUnusedVtimezones(cal: Component, before: ReadonlySet<string>): void {
  const used = usedTzids(cal);
  for (const vtz of [...cal.getAllSubcomponents('vtimezone')]) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '').trim();
    if (before.has(tzid) && !used.has(tzid)) cal.removeSubcomponent(vtz);
  }
}

export function utcStamp(name: string, ms: number): Property {
  return new ICAL.Property([
    name,
    {},
    'date-time',
    `${jcalDateTime(fieldsOf(Math.floor(ms / 1000) * 1000))}Z`,
  ]);
}

export function setStamp(comp: Component, name: string, ms: number): void {
  comp.removeAllProperties(name);
  comp.addProperty(utcStamp(name, ms));
}

/** CATEGORIES of a component, all properties and all values. */
export function categoriesOf(comp: Component): string[] {
  const out: string[] = [];
  for (const p of comp.getAllProperties('categories'))
    for (const v of p.getValues()) if (String(v).trim() !== '') out.push(String(v));
  return out;
}

export function setCategories(comp: Component, values: readonly string[]): void {
  comp.removeAllProperties('categories');
  if (values.length === 0) return;
  const p = new ICAL.Property('categories');
  p.setValues([...values]);
  comp.addProperty(p);
}

/** mailto: stripped from a CAL-ADDRESS. */
export function addressOf(value: unknown): string {
  return String(value ?? '')
    .trim()
    .replace(/^mailto:/i, '');
}

export function sameAddress(a: string, b: string): boolean {
  return addressOf(a).toLowerCase() === addressOf(b).toLowerCase();
}

/** RFC 5545 3.8.6.3 TRIGGER relative to the start, in minutes before it; undefined for other alarms. */
export function reminderMinutes(alarm: Component): number | undefined {
  const trigger = alarm.getFirstProperty('trigger');
  if (!trigger) return undefined;
  const related = String(trigger.getFirstParameter('related') ?? 'START').toUpperCase();
  const v = trigger.getFirstValue();
  if (related !== 'START' || !(v instanceof ICAL.Duration)) return undefined;
  const seconds = v.toSeconds();
  return seconds <= 0 ? Math.round(-seconds / 60) : undefined;
}

export function durationBefore(minutes: number): InstanceType<typeof ICAL.Duration> {
  return ICAL.Duration.fromSeconds(-minutes * 60);
}

/** The instant an alarm fires, given the instants it may be relative to. */
export function alarmInstant(
  alarm: Component,
  start: number | undefined,
  end: number | undefined,
): number | undefined {
  const trigger = alarm.getFirstProperty('trigger');
  if (!trigger) return undefined;
  const v = trigger.getFirstValue();
  if (v instanceof ICAL.Time) return v.toUnixTime() * 1000;
  if (!(v instanceof ICAL.Duration)) return undefined;
  const related = String(trigger.getFirstParameter('related') ?? 'START').toUpperCase();
  const base = related === 'END' ? (end ?? start) : (start ?? end);
  return base === undefined ? undefined : base + v.toSeconds() * 1000;
}

/** TZIDs the properties of these components (and their subcomponents) refer to. */
export function findVtimezoneNames(comps: readonly Component[]): Set<string> {
  const used = new Set<string>();
  const walk = (c: Component): void => {
    for (const p of c.getAllProperties()) {
      const tz = p.getFirstParameter('tzid');
      if (typeof tz === 'string') used.add(tz.trim());
    }
    for (const s of c.getAllSubcomponents()) walk(s);
  };
  comps.forEach(walk);
  return used;
}
