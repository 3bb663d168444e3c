import { Buffer } from 'node:buffer';
import { calendarCodec } from '../../../src/model/calendar/index.js';
import type { ItemApplyOptions, ItemRenderOptions } from '../../../src/model/item-codec.js';
import {
  child,
  childText,
  el,
  elements,
  toXml,
  type TagRef,
  type WbxmlElement,
} from '../../../src/wbxml/index.js';
import type { BodyPreference } from '../../../src/model/email/options.js';

// Shared iCalendar texts and helpers for the calendar and task codec tests.

export const crlf = (lines: readonly string[]): string => lines.join('\r\n') + '\r\n';

export const BERLIN_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** A VCALENDAR around the given lines. */
export const calendar = (...lines: (string | readonly string[])[]): string =>
  crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', ...lines.flat(), 'END:VCALENDAR']);

export const renderOptions = (
  versionRank: number,
  bodyPreferences: BodyPreference[] = [],
): ItemRenderOptions => ({
  versionRank,
  bodyPreferences,
});

export const NOW = new Date('2026-11-01T12:00:00Z');

export const applyOptions = (versionRank: number, uid = 'new-uid@test'): ItemApplyOptions => ({
  versionRank,
  newUid: () => uid,
  now: NOW,
});

export const appData = (...children: (WbxmlElement | false | undefined)[]): WbxmlElement =>
  el('AirSync:ApplicationData', ...children);

export const render = (ics: string, versionRank: number, prefs: BodyPreference[] = []): WbxmlElement =>
  appData(...calendarCodec.render(ics, renderOptions(versionRank, prefs)));

export const xml = (e: WbxmlElement): string => toXml(e);

export const text = (e: WbxmlElement | undefined, tag: TagRef): string | undefined =>
  e === undefined ? undefined : childText(e, tag);

export const tags = (e: WbxmlElement): string[] => elements(e).map((c) => c.tag);

export { child, elements };

/** The lines of an iCalendar text that matter for comparisons: unfolded, stamps left out. */
export function semanticLines(ics: string): string[] {
  return ics
    .replace(/\r\n[ \t]/g, '')
    .split(/\r\n/)
    .filter((l) => l !== '' && !/^(DTSTAMP|LAST-MODIFIED|CREATED)[:;]/.test(l));
}

export function blobFields(base64: string): {
  bias: number;
  standardBias: number;
  daylightBias: number;
  standard: number[];
  daylight: number[];
  standardName: string;
} {
  const b = Buffer.from(base64, 'base64');
  const words = (at: number): number[] => Array.from({ length: 7 }, (_, i) => b.readUInt16LE(at + i * 2));
  const name = (at: number): string =>
    b
      .subarray(at, at + 64)
      .toString('utf16le')
      .replace(/\0.*$/s, '');
  return {
    bias: b.readInt32LE(0),
    standardName: name(4),
    standard: words(68),
    standardBias: b.readInt32LE(84),
    daylight: words(152),
    daylightBias: b.readInt32LE(168),
  };
}

/** A TimeZone blob built by hand, as a device would send it. */
export function deviceBlob(o: {
  bias: number;
  standardName?: string;
  standard?: number[];
  daylight?: number[];
  daylightBias?: number;
  length?: number;
}): string {
  const b = Buffer.alloc(o.length ?? 172);
  if (b.length < 172) return b.toString('base64');
  b.writeInt32LE(o.bias, 0);
  b.write(o.standardName ?? '', 4, 62, 'utf16le');
  (o.standard ?? []).forEach((w, i) => b.writeUInt16LE(w, 68 + i * 2));
  (o.daylight ?? []).forEach((w, i) => b.writeUInt16LE(w, 152 + i * 2));
  b.writeInt32LE(o.daylightBias ?? 0, 168);
  return b.toString('base64');
}

/** The RRULEs of the events and tasks (not of time zones), parts sorted so order does not matter. */
export function rules(ics: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of semanticLines(ics)) {
    if (line.startsWith('BEGIN:')) stack.push(line.slice(6));
    else if (line.startsWith('END:')) stack.pop();
    else if (line.startsWith('RRULE:') && /^(VEVENT|VTODO)$/.test(stack[stack.length - 1] ?? ''))
      out.push(normalRule(line));
  }
  return out;
}

export const normalRule = (rule: string): string =>
  rule
    .replace(/^RRULE:/, '')
    .split(';')
    .sort()
    .join(';');
