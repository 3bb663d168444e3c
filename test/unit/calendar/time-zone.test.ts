import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { calendarCodec, decodeTimeZone } from '../../../src/model/calendar/index.js';
import { ItemDataError } from '../../../src/model/item-codec.js';
import { el } from '../../../src/wbxml/index.js';
import {
  appData,
  applyOptions,
  blobFields,
  calendar,
  child,
  deviceBlob,
  render,
  semanticLines,
  text,
} from './fixtures.js';

// MS-ASDTYPE 2.7.6 TimeZone both ways: IANA zones → blob, device blobs → TZID + VTIMEZONE.

const inZone = (tzid: string, start: string, end: string): string =>
  calendar(
    'BEGIN:VEVENT',
    'UID:tz@test',
    'DTSTAMP:20260301T120000Z',
    `DTSTART;TZID=${tzid}:${start}`,
    `DTEND;TZID=${tzid}:${end}`,
    'SUMMARY:Zoned',
    'END:VEVENT',
  );

/** Blob words: wYear wMonth wDayOfWeek wDay wHour wMinute wSecond. */
const SUNDAY = 0;

describe('TimeZone blob from IANA zones (no VTIMEZONE in the object: Intl supplies the rules)', () => {
  it('America/New_York: second Sunday of March, first Sunday of November', () => {
    const ad = render(inZone('America/New_York', '20260710T090000', '20260710T100000'), 141);
    expect(text(ad, 'Calendar:StartTime')).toBe('20260710T130000Z');
    const b = blobFields(text(ad, 'Calendar:Timezone')!);
    expect(b).toMatchObject({
      bias: 300,
      standardName: 'Eastern Standard Time',
      standard: [0, 11, SUNDAY, 1, 2, 0, 0],
      daylight: [0, 3, SUNDAY, 2, 2, 0, 0],
      standardBias: 0,
      daylightBias: -60,
    });
  });

  it('Asia/Kolkata: +5:30 without daylight saving time', () => {
    const ad = render(inZone('Asia/Kolkata', '20260710T090000', '20260710T100000'), 141);
    expect(text(ad, 'Calendar:StartTime')).toBe('20260710T033000Z');
    const b = blobFields(text(ad, 'Calendar:Timezone')!);
    expect(b).toMatchObject({
      bias: -330,
      standard: [0, 0, 0, 0, 0, 0, 0],
      daylight: [0, 0, 0, 0, 0, 0, 0],
      daylightBias: 0,
    });
  });

  it('Australia/Lord_Howe: 30-minute daylight saving time across the year end', () => {
    // January is summer (+11:00) there.
    const ad = render(inZone('Australia/Lord_Howe', '20260115T090000', '20260115T100000'), 141);
    expect(text(ad, 'Calendar:StartTime')).toBe('20260114T220000Z');
    const b = blobFields(text(ad, 'Calendar:Timezone')!);
    expect(b).toMatchObject({
      bias: -630,
      standard: [0, 4, SUNDAY, 1, 2, 0, 0],
      daylight: [0, 10, SUNDAY, 1, 2, 0, 0],
      daylightBias: -30,
    });
  });

  it('Europe/Berlin: last Sunday of March and October (day 5 = last)', () => {
    const b = blobFields(
      text(render(inZone('Europe/Berlin', '20260110T090000', '20260110T100000'), 141), 'Calendar:Timezone')!,
    );
    expect(b).toMatchObject({
      bias: -60,
      standard: [0, 10, SUNDAY, 5, 3, 0, 0],
      daylight: [0, 3, SUNDAY, 5, 2, 0, 0],
    });
  });
});

describe('TimeZone blob from the device', () => {
  const add = (blob: string, start = '20260115T090000Z', end = '20260115T100000Z'): string =>
    calendarCodec.apply(
      appData(
        el('Calendar:Timezone', blob),
        el('Calendar:StartTime', start),
        el('Calendar:EndTime', end),
        el('Calendar:Subject', 'From the phone'),
      ),
      undefined,
      applyOptions(141),
    ).text;

  it('maps rules that match a known zone to its IANA TZID, whatever the blob calls it', () => {
    const newYork = deviceBlob({
      bias: 300,
      standardName: 'EST',
      standard: [0, 11, 0, 1, 2],
      daylight: [0, 3, 0, 2, 2],
      daylightBias: -60,
    });
    const lines = semanticLines(add(newYork));
    expect(lines).toContain('DTSTART;TZID=America/New_York:20260115T040000');
    expect(lines).toContain('TZID:America/New_York');
    const kolkata = semanticLines(add(deviceBlob({ bias: -330, standardName: 'India Standard Time' })));
    expect(kolkata).toContain('DTSTART;TZID=Asia/Kolkata:20260115T143000');
    const lordHowe = semanticLines(
      add(
        deviceBlob({ bias: -630, standard: [0, 4, 0, 1, 2], daylight: [0, 10, 0, 1, 2], daylightBias: -30 }),
      ),
    );
    expect(lordHowe).toContain('DTSTART;TZID=Australia/Lord_Howe:20260115T200000');
  });

  it('renders the stored zone back as the same rules', () => {
    const sent = deviceBlob({
      bias: -630,
      standard: [0, 4, 0, 1, 2],
      daylight: [0, 10, 0, 1, 2],
      daylightBias: -30,
    });
    const { standardName, ...rules } = blobFields(text(render(add(sent), 141), 'Calendar:Timezone')!);
    expect(standardName).toBe('Lord Howe Standard Time');
    const { standardName: _sentName, ...sentRules } = blobFields(sent);
    expect(rules).toEqual(sentRules);
  });

  it('writes a custom VTIMEZONE for rules no known zone has', () => {
    // +3:15, daylight +4:15 from the first Sunday of May to the last Sunday of September.
    const odd = deviceBlob({
      bias: -195,
      standardName: 'Odd Time',
      standard: [0, 9, 0, 5, 3],
      daylight: [0, 5, 0, 1, 2],
      daylightBias: -60,
    });
    const stored = add(odd, '20260710T090000Z', '20260710T100000Z');
    const lines = semanticLines(stored);
    expect(lines).toContain('TZID:Odd Time');
    expect(lines).toContain('DTSTART;TZID=Odd Time:20260710T131500');
    expect(lines).toContain('RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=1SU');
    const again = render(stored, 141);
    expect(text(again, 'Calendar:StartTime')).toBe('20260710T090000Z');
    expect(blobFields(text(again, 'Calendar:Timezone')!)).toMatchObject({
      bias: -195,
      standard: [0, 9, 0, 5, 3, 0, 0],
      daylight: [0, 5, 0, 1, 2, 0, 0],
      daylightBias: -60,
    });
  });

  it('reads the all-zero blob as UTC', () => {
    expect(semanticLines(add(Buffer.alloc(172).toString('base64')))).toContain('DTSTART:20260115T090000Z');
  });

  it('rejects blobs of the wrong length or with impossible dates (ItemDataError)', () => {
    expect(() => add(deviceBlob({ bias: 0, length: 100 }))).toThrow(ItemDataError);
    expect(() =>
      add(
        deviceBlob({ bias: -60, standard: [0, 13, 0, 5, 3], daylight: [0, 3, 0, 5, 2], daylightBias: -60 }),
      ),
    ).toThrow(ItemDataError);
    expect(() =>
      add(
        deviceBlob({ bias: -60, standard: [0, 10, 0, 7, 3], daylight: [0, 3, 0, 5, 2], daylightBias: -60 }),
      ),
    ).toThrow(ItemDataError);
    expect(() => add('***')).toThrow(ItemDataError);
    expect(() => decodeTimeZone(deviceBlob({ bias: 100_000 }))).toThrow(ItemDataError);
  });
});

describe('all-day events (MS-ASCAL 2.2.2.1)', () => {
  const allDay = (start: string, end: string): string =>
    calendar(
      'BEGIN:VEVENT',
      'UID:ad@test',
      'DTSTAMP:20260301T120000Z',
      `DTSTART;VALUE=DATE:${start}`,
      `DTEND;VALUE=DATE:${end}`,
      'SUMMARY:Holiday',
      'END:VEVENT',
    );

  it('sends dates as midnight UTC: with the UTC TimeZone in 14.1, without TimeZone in 16.1', () => {
    const single = allDay('20260710', '20260711');
    const v14 = render(single, 141);
    expect(text(v14, 'Calendar:AllDayEvent')).toBe('1');
    expect(text(v14, 'Calendar:StartTime')).toBe('20260710T000000Z');
    expect(text(v14, 'Calendar:EndTime')).toBe('20260711T000000Z');
    expect(Buffer.from(text(v14, 'Calendar:Timezone')!, 'base64')).toEqual(Buffer.alloc(172));
    const multi = render(allDay('20261224', '20261227'), 161);
    expect(child(multi, 'Calendar:Timezone')).toBeUndefined();
    expect(text(multi, 'Calendar:StartTime')).toBe('20261224T000000Z');
    expect(text(multi, 'Calendar:EndTime')).toBe('20261227T000000Z');
  });

  it('round-trips unchanged in both conventions', () => {
    const ics = allDay('20261224', '20261227');
    for (const v of [141, 161])
      expect(calendarCodec.apply(render(ics, v), ics, applyOptions(v)).text).toBe(ics);
  });

  it('stores the device day as DATE without shifting it, whatever zone the device is in', () => {
    const berlin = text(
      render(inZone('Europe/Berlin', '20260110T090000', '20260110T100000'), 141),
      'Calendar:Timezone',
    )!;
    const newYork = text(
      render(inZone('America/New_York', '20260110T090000', '20260110T100000'), 141),
      'Calendar:Timezone',
    )!;
    const cases: [number, string | undefined, string, string][] = [
      // 14.1: local midnight in the device's zone.
      [141, berlin, '20260709T220000Z', '20260711T220000Z'],
      [141, newYork, '20260710T040000Z', '20260712T040000Z'],
      // 16.1: midnight UTC, no TimeZone.
      [161, undefined, '20260710T000000Z', '20260712T000000Z'],
    ];
    for (const [v, tz, start, end] of cases) {
      const sent = appData(
        tz !== undefined && el('Calendar:Timezone', tz),
        el('Calendar:AllDayEvent', 1),
        el('Calendar:StartTime', start),
        el('Calendar:EndTime', end),
        el('Calendar:Subject', 'Trip'),
      );
      const lines = semanticLines(calendarCodec.apply(sent, undefined, applyOptions(v)).text);
      expect(lines, `${v} ${start}`).toContain('DTSTART;VALUE=DATE:20260710');
      expect(lines, `${v} ${start}`).toContain('DTEND;VALUE=DATE:20260712');
      expect(lines.some((l) => l.startsWith('BEGIN:VTIMEZONE'))).toBe(false);
    }
  });
});
