import { describe, expect, it } from 'vitest';
import { calendarCodec, createCalendarCodec } from '../../../src/model/calendar/index.js';
import { ItemDataError, ItemSourceError } from '../../../src/model/item-codec.js';
import { el } from '../../../src/wbxml/index.js';
import {
  BERLIN_VTIMEZONE,
  appData,
  applyOptions,
  calendar,
  child,
  elements,
  normalRule,
  render,
  rules,
  semanticLines,
  tags,
  text,
  xml,
} from './fixtures.js';

// A weekly series in Europe/Berlin that crosses the change to summer time on 29 March 2026, with
// one occurrence deleted (23 March, winter time) and one moved (30 March, summer time).
const WEEKLY = calendar(
  BERLIN_VTIMEZONE,
  'BEGIN:VEVENT',
  'UID:weekly-1@example.test',
  'DTSTAMP:20260301T120000Z',
  'DTSTART;TZID=Europe/Berlin:20260316T100000',
  'DTEND;TZID=Europe/Berlin:20260316T110000',
  'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6',
  'EXDATE;TZID=Europe/Berlin:20260323T100000',
  'SUMMARY:Standup',
  'LOCATION:Room 1',
  'DESCRIPTION:Daily things',
  'X-FOO;X-PARAM=1:kept as is',
  'ATTACH:https://files.example.test/agenda.pdf',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:Reminder',
  'TRIGGER:-PT15M',
  'END:VALARM',
  'BEGIN:VALARM',
  'ACTION:EMAIL',
  'SUMMARY:Mail me',
  'DESCRIPTION:An e-mail alarm',
  'ATTENDEE:mailto:me@example.test',
  'TRIGGER;RELATED=END:PT0S',
  'END:VALARM',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:weekly-1@example.test',
  'DTSTAMP:20260301T120000Z',
  'RECURRENCE-ID;TZID=Europe/Berlin:20260330T100000',
  'DTSTART;TZID=Europe/Berlin:20260331T140000',
  'DTEND;TZID=Europe/Berlin:20260331T150000',
  'SUMMARY:Standup (moved)',
  'LOCATION:Room 1',
  'DESCRIPTION:Daily things',
  'END:VEVENT',
);

describe('calendar render (MS-ASCAL 2.2.2)', () => {
  it('renders a weekly series across a DST change with deleted and moved occurrences (14.1)', () => {
    const ad = render(WEEKLY, 141);
    expect(tags(ad)).toEqual([
      'Calendar:Timezone',
      'Calendar:AllDayEvent',
      'AirSyncBase:Body',
      'Calendar:BusyStatus',
      'Calendar:DtStamp',
      'Calendar:EndTime',
      'Calendar:Location',
      'Calendar:Reminder',
      'Calendar:Sensitivity',
      'Calendar:Subject',
      'Calendar:StartTime',
      'Calendar:UID',
      'Calendar:MeetingStatus',
      'Calendar:Recurrence',
      'Calendar:Exceptions',
    ]);
    // 10:00 CET is 09:00Z; the moved occurrence was 10:00 CEST, 08:00Z.
    expect(text(ad, 'Calendar:StartTime')).toBe('20260316T090000Z');
    expect(text(ad, 'Calendar:EndTime')).toBe('20260316T100000Z');
    expect(text(ad, 'Calendar:Reminder')).toBe('15');
    expect(xml(child(ad, 'Calendar:Recurrence')!)).toBe(
      xml(
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 1),
          el('Calendar:Occurrences', 6),
          el('Calendar:Interval', 1),
          el('Calendar:DayOfWeek', 2),
          el('Calendar:FirstDayOfWeek', 1),
        ),
      ),
    );
    expect(xml(child(ad, 'Calendar:Exceptions')!)).toBe(
      xml(
        el(
          'Calendar:Exceptions',
          el(
            'Calendar:Exception',
            el('Calendar:Deleted', 1),
            el('Calendar:ExceptionStartTime', '20260323T090000Z'),
          ),
          el(
            'Calendar:Exception',
            el('Calendar:ExceptionStartTime', '20260330T080000Z'),
            el('Calendar:Subject', 'Standup (moved)'),
            el('Calendar:StartTime', '20260331T120000Z'),
            el('Calendar:EndTime', '20260331T130000Z'),
            el('Calendar:AllDayEvent', 0),
          ),
        ),
      ),
    );
  });

  it('names exceptions by InstanceId and Location by airsyncbase:Location in 16.1', () => {
    const ad = render(WEEKLY, 161);
    expect(tags(ad)).toContain('AirSyncBase:Location');
    expect(tags(ad)).not.toContain('Calendar:Location');
    expect(text(child(ad, 'AirSyncBase:Location'), 'AirSyncBase:DisplayName')).toBe('Room 1');
    const [deleted, moved] = elements(child(ad, 'Calendar:Exceptions')!);
    expect(text(deleted, 'AirSyncBase:InstanceId')).toBe('20260323T090000Z');
    expect(text(moved, 'AirSyncBase:InstanceId')).toBe('20260330T080000Z');
    expect(tags(moved!)).not.toContain('Calendar:ExceptionStartTime');
  });

  it('leaves out the elements a version does not define', () => {
    const meeting = calendar(
      'BEGIN:VEVENT',
      'UID:m@test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260710T080000Z',
      'DTEND:20260710T090000Z',
      'SUMMARY:Review',
      'ORGANIZER;CN=Jane:mailto:jane@example.test',
      'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test',
      'X-MICROSOFT-ONLINEMEETINGCONFLINK:conf:sip:jane@example.test',
      'END:VEVENT',
    );
    const v12 = tags(render(meeting, 120));
    const v14 = tags(render(meeting, 140));
    const v141 = tags(render(meeting, 141));
    expect(v12).not.toContain('Calendar:ResponseRequested');
    expect(v12).not.toContain('Calendar:DisallowNewTimeProposal');
    expect(v14).toContain('Calendar:ResponseRequested');
    expect(v14).not.toContain('Calendar:OnlineMeetingConfLink');
    expect(v141).toContain('Calendar:OnlineMeetingConfLink');
  });

  it('truncates the body to the client preference and offers HTML from X-ALT-DESC', () => {
    const ics = calendar(
      'BEGIN:VEVENT',
      'UID:b@test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260710T080000Z',
      'DTEND:20260710T090000Z',
      'DESCRIPTION:Plain agenda text',
      'X-ALT-DESC;FMTTYPE=text/html:<p>HTML <b>agenda</b></p>',
      'END:VEVENT',
    );
    const plain = child(render(ics, 141, [{ type: 1, truncationSize: 5 }]), 'AirSyncBase:Body')!;
    expect(text(plain, 'AirSyncBase:Data')).toBe('Plain');
    expect(text(plain, 'AirSyncBase:Truncated')).toBe('1');
    expect(text(plain, 'AirSyncBase:EstimatedDataSize')).toBe('17');
    const html = child(render(ics, 141, [{ type: 2 }]), 'AirSyncBase:Body')!;
    expect(text(html, 'AirSyncBase:Type')).toBe('2');
    expect(text(html, 'AirSyncBase:Data')).toBe('<p>HTML <b>agenda</b></p>');
  });

  it('maps attendee statuses, types, organizer and meeting status', () => {
    const ics = calendar(
      'BEGIN:VEVENT',
      'UID:m@test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260710T080000Z',
      'DTEND:20260710T090000Z',
      'ORGANIZER;CN="Doe, Jane":mailto:jane@example.test',
      'ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:ann@example.test',
      'ATTENDEE;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:tom@example.test',
      'ATTENDEE;PARTSTAT=DECLINED:mailto:dan@example.test',
      'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.test',
      'ATTENDEE;CUTYPE=ROOM:mailto:room4@example.test',
      'END:VEVENT',
    );
    const ad = render(ics, 141);
    expect(text(ad, 'Calendar:OrganizerName')).toBe('Doe, Jane');
    expect(text(ad, 'Calendar:OrganizerEmail')).toBe('jane@example.test');
    expect(text(ad, 'Calendar:MeetingStatus')).toBe('3');
    const list = elements(child(ad, 'Calendar:Attendees')!).map((a) => [
      text(a, 'Calendar:Email'),
      text(a, 'Calendar:Name'),
      text(a, 'Calendar:AttendeeStatus'),
      text(a, 'Calendar:AttendeeType'),
    ]);
    expect(list).toEqual([
      ['ann@example.test', 'Ann', '3', '1'],
      ['tom@example.test', 'tom@example.test', '2', '2'],
      ['dan@example.test', 'dan@example.test', '4', '1'],
      ['me@example.test', 'me@example.test', '5', '1'],
      ['room4@example.test', 'room4@example.test', '0', '3'],
    ]);
    const mine = createCalendarCodec({ userAddresses: ['me@example.test'] });
    const as = appData(...mine.render(ics, { versionRank: 141, bodyPreferences: [] }));
    expect(text(as, 'Calendar:ResponseType')).toBe('5');
    expect(text(as, 'Calendar:ResponseRequested')).toBe('1');
    const organizer = createCalendarCodec({ userAddresses: ['jane@example.test'] });
    const org = appData(...organizer.render(ics, { versionRank: 141, bodyPreferences: [] }));
    expect(text(org, 'Calendar:MeetingStatus')).toBe('1');
    expect(text(org, 'Calendar:ResponseType')).toBe('1');
  });

  it('maps CLASS, TRANSP and the CDO busy status', () => {
    const event = (...extra: string[]): string =>
      calendar(
        'BEGIN:VEVENT',
        'UID:s@test',
        'DTSTAMP:20260301T120000Z',
        'DTSTART:20260710T080000Z',
        'DTEND:20260710T090000Z',
        ...extra,
        'END:VEVENT',
      );
    const pick = (ics: string) => [
      text(render(ics, 141), 'Calendar:Sensitivity'),
      text(render(ics, 141), 'Calendar:BusyStatus'),
    ];
    expect(pick(event())).toEqual(['0', '2']);
    expect(pick(event('CLASS:PRIVATE', 'TRANSP:TRANSPARENT'))).toEqual(['2', '0']);
    expect(pick(event('CLASS:CONFIDENTIAL', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF'))).toEqual(['3', '3']);
    expect(pick(event('CLASS:X-PERSONAL', 'X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE'))).toEqual(['1', '1']);
  });

  it('reads floating times as UTC and sends the UTC TimeZone', () => {
    const ics = calendar(
      'BEGIN:VEVENT',
      'UID:f@test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260710T100000',
      'DTEND:20260710T113000',
      'SUMMARY:Floating',
      'END:VEVENT',
    );
    const ad = render(ics, 141);
    expect(text(ad, 'Calendar:StartTime')).toBe('20260710T100000Z');
    expect(text(ad, 'Calendar:EndTime')).toBe('20260710T113000Z');
    expect(Buffer.from(text(ad, 'Calendar:Timezone')!, 'base64')).toEqual(Buffer.alloc(172));
    // Unchanged times come back as the same floating values.
    const back = calendarCodec.apply(ad, ics, applyOptions(141));
    expect(back.text).toBe(ics);
  });

  it('turns broken iCalendar into ItemSourceError', () => {
    expect(() => render('not a calendar', 141)).toThrow(ItemSourceError);
    expect(() => render(calendar('BEGIN:VTODO', 'UID:x', 'END:VTODO'), 141)).toThrow(ItemSourceError);
    expect(() => render(calendar('BEGIN:VEVENT', 'UID:x', 'SUMMARY:no start', 'END:VEVENT'), 141)).toThrow(
      ItemSourceError,
    );
  });
});

describe('calendar round trips', () => {
  for (const v of [120, 141, 161]) {
    it(`render → apply with existing gives the stored text back unchanged (${v})`, () => {
      const back = calendarCodec.apply(render(WEEKLY, v), WEEKLY, applyOptions(v));
      expect(back.uid).toBe('weekly-1@example.test');
      expect(back.text).toBe(WEEKLY);
    });
  }

  it('changes only what the device changed and keeps the rest', () => {
    const ad = render(WEEKLY, 141);
    const changed = appData(
      ...elements(ad).map((e) =>
        e.tag === 'Calendar:Subject'
          ? el('Calendar:Subject', 'Standup (new name)')
          : e.tag === 'Calendar:Reminder'
            ? el('Calendar:Reminder', 30)
            : e,
      ),
    );
    const { text: stored } = calendarCodec.apply(changed, WEEKLY, applyOptions(141));
    const lines = semanticLines(stored);
    expect(lines).toContain('SUMMARY:Standup (new name)');
    expect(lines).toContain('TRIGGER:-PT30M');
    // Unknown properties, the other alarm, the moved occurrence and the EXDATE stay.
    expect(lines).toContain('X-FOO;X-PARAM=1:kept as is');
    expect(lines).toContain('ATTACH:https://files.example.test/agenda.pdf');
    expect(lines).toContain('TRIGGER;RELATED=END:PT0S');
    expect(lines).toContain('EXDATE;TZID=Europe/Berlin:20260323T100000');
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260330T100000');
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260316T100000');
    expect(lines).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6');
    expect(stored).toContain('DTSTAMP:20261101T120000Z');
  });

  it('stores what a device sends and renders it back (16.1 Add)', () => {
    const sent = appData(
      el('Calendar:Timezone', text(render(WEEKLY, 161), 'Calendar:Timezone')!),
      el('Calendar:AllDayEvent', 0),
      el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', 'Bring slides')),
      el('Calendar:BusyStatus', 3),
      el('Calendar:EndTime', '20260715T100000Z'),
      el('AirSyncBase:Location', el('AirSyncBase:DisplayName', 'Main hall')),
      el('Calendar:Reminder', 10),
      el('Calendar:Sensitivity', 2),
      el('Calendar:Subject', 'Talk'),
      el('Calendar:StartTime', '20260715T080000Z'),
      el('Calendar:ClientUid', 'device-uid-1'),
      el('Calendar:Categories', el('Calendar:Category', 'Work'), el('Calendar:Category', 'Talks')),
    );
    const stored = calendarCodec.apply(sent, undefined, applyOptions(161));
    expect(stored.uid).toBe('device-uid-1');
    const lines = semanticLines(stored.text);
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260715T100000');
    expect(lines).toContain('DTEND;TZID=Europe/Berlin:20260715T120000');
    expect(lines).toContain('TZID:Europe/Berlin');
    expect(lines).toContain('CLASS:PRIVATE');
    expect(lines).toContain('X-MICROSOFT-CDO-BUSYSTATUS:OOF');
    expect(lines).toContain('CATEGORIES:Work,Talks');
    const back = render(stored.text, 161);
    for (const tag of [
      'Calendar:StartTime',
      'Calendar:EndTime',
      'Calendar:Subject',
      'Calendar:Reminder',
      'Calendar:Sensitivity',
      'Calendar:BusyStatus',
      'Calendar:Timezone',
    ] as const)
      expect(text(back, tag), tag).toBe(text(sent, tag));
    expect(text(back, 'Calendar:UID')).toBe('device-uid-1');
    expect(text(child(back, 'AirSyncBase:Body'), 'AirSyncBase:Data')).toBe('Bring slides');
    expect(text(child(back, 'AirSyncBase:Location'), 'AirSyncBase:DisplayName')).toBe('Main hall');
    expect(
      elements(child(back, 'Calendar:Categories')!).map((c) => text(appData(c), 'Calendar:Category')),
    ).toHaveLength(2);
    // Applying what we rendered changes nothing.
    expect(calendarCodec.apply(back, stored.text, applyOptions(161)).text).toBe(stored.text);
  });

  it('reads iOS’s empty Reminder, Attendees and Recurrence as "none" (shared/reference-traces)', () => {
    const ios = (...more: ReturnType<typeof el>[]) =>
      appData(
        el('Calendar:Timezone', text(render(WEEKLY, 161), 'Calendar:Timezone')!),
        el('Calendar:AllDayEvent', 0),
        el('Calendar:BusyStatus', 2),
        el('Calendar:EndTime', '20260822T120000Z'),
        el('AirSyncBase:Location'),
        el('Calendar:Reminder'),
        el('Calendar:Sensitivity', 0),
        el('Calendar:Subject', 'Test2'),
        el('Calendar:StartTime', '20260822T100000Z'),
        el('Calendar:ClientUid', '414E89DDBEEB47F29EB88E957211BE6B0.32'),
        el('Calendar:MeetingStatus', 0),
        el('Calendar:Attendees'),
        el('Calendar:Recurrence'),
        ...more,
      );
    const added = calendarCodec.apply(ios(), undefined, applyOptions(161));
    const lines = semanticLines(added.text);
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260822T120000');
    const event = (ics: string): string => ics.slice(ics.indexOf('BEGIN:VEVENT'));
    expect(event(added.text)).not.toMatch(/RRULE|VALARM|ATTENDEE/);
    // The same on a Change of the weekly series: no repeat, no alert.
    const changed = calendarCodec.apply(ios(), WEEKLY, applyOptions(161)).text;
    expect(event(changed)).not.toMatch(/RRULE|EXDATE|RECURRENCE-ID|TRIGGER:-PT/);
    expect(semanticLines(changed)).toContain('SUMMARY:Test2');
  });

  it('applies 12.x-14.x Exceptions: deleted → EXDATE, modified → RECURRENCE-ID override', () => {
    const ad = render(WEEKLY, 141);
    const exceptions = el(
      'Calendar:Exceptions',
      ...elements(child(ad, 'Calendar:Exceptions')!),
      // Delete 6 April (10:00 CEST = 08:00Z) and move 13 April to 11:00.
      el(
        'Calendar:Exception',
        el('Calendar:Deleted', 1),
        el('Calendar:ExceptionStartTime', '20260406T080000Z'),
      ),
      el(
        'Calendar:Exception',
        el('Calendar:ExceptionStartTime', '20260413T080000Z'),
        el('Calendar:Subject', 'Late standup'),
        el('Calendar:StartTime', '20260413T090000Z'),
        el('Calendar:EndTime', '20260413T100000Z'),
      ),
    );
    const changed = appData(...elements(ad).map((e) => (e.tag === 'Calendar:Exceptions' ? exceptions : e)));
    const { text: stored } = calendarCodec.apply(changed, WEEKLY, applyOptions(141));
    const lines = semanticLines(stored);
    expect(lines).toContain('EXDATE;TZID=Europe/Berlin:20260406T100000');
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260413T100000');
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260413T110000');
    expect(lines).toContain('SUMMARY:Late standup');
    // The moved occurrence copies the series' other properties.
    expect(lines.filter((l) => l === 'X-FOO;X-PARAM=1:kept as is')).toHaveLength(2);
    const again = render(stored, 141);
    const starts = elements(child(again, 'Calendar:Exceptions')!).map((x) => [
      text(x, 'Calendar:ExceptionStartTime'),
      text(x, 'Calendar:Deleted') ?? text(x, 'Calendar:StartTime'),
    ]);
    expect(starts).toEqual([
      ['20260323T090000Z', '1'],
      ['20260330T080000Z', '20260331T120000Z'],
      ['20260406T080000Z', '1'],
      ['20260413T080000Z', '20260413T090000Z'],
    ]);
  });

  it('edits one occurrence in 16.x with InstanceId and deletes one with deleteOccurrence', () => {
    const edit = appData(
      el('AirSyncBase:InstanceId', '20260406T080000Z'),
      el('Calendar:Subject', 'Standup with guests'),
      el('Calendar:StartTime', '20260406T070000Z'),
      el('Calendar:EndTime', '20260406T080000Z'),
    );
    const { text: edited } = calendarCodec.apply(edit, WEEKLY, applyOptions(161));
    let lines = semanticLines(edited);
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000');
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260406T090000');
    expect(lines).toContain('SUMMARY:Standup with guests');
    // The series itself is untouched.
    expect(lines).toContain('SUMMARY:Standup');
    expect(rules(edited)).toEqual([normalRule('FREQ=WEEKLY;BYDAY=MO;COUNT=6')]);

    const { text: deleted } = calendarCodec.deleteOccurrence(edited, '20260406T080000Z', applyOptions(161));
    lines = semanticLines(deleted);
    expect(lines).toContain('EXDATE;TZID=Europe/Berlin:20260406T100000');
    expect(lines).not.toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000');
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260330T100000');
    expect(() => calendarCodec.deleteOccurrence(edited, 'garbage', applyOptions(161))).toThrow(ItemDataError);
  });

  it('follows a series moved to another hour with its EXDATEs and overrides', () => {
    const ad = render(WEEKLY, 141);
    const moved = appData(
      ...elements(ad)
        .filter((e) => e.tag !== 'Calendar:Exceptions')
        .map((e) =>
          e.tag === 'Calendar:StartTime'
            ? el('Calendar:StartTime', '20260316T100000Z')
            : e.tag === 'Calendar:EndTime'
              ? el('Calendar:EndTime', '20260316T110000Z')
              : e,
        ),
    );
    const lines = semanticLines(calendarCodec.apply(moved, WEEKLY, applyOptions(141)).text);
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260316T110000');
    expect(lines).toContain('EXDATE;TZID=Europe/Berlin:20260323T110000');
    expect(lines).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260330T110000');
  });
});

describe('recurrence rules EAS cannot state', () => {
  const series = (rule: string): string =>
    calendar(
      'BEGIN:VEVENT',
      'UID:r@test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260105T090000Z',
      'DTEND:20260105T100000Z',
      rule,
      'END:VEVENT',
    );

  it('renders the nearest pattern and keeps the original RRULE when the device sends it back', () => {
    for (const rule of [
      'RRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1',
      'RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,15',
      'RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15',
      'RRULE:FREQ=HOURLY;INTERVAL=4;COUNT=10',
    ]) {
      const ics = series(rule);
      const ad = render(ics, 141);
      expect(child(ad, 'Calendar:Recurrence'), rule).toBeDefined();
      expect(calendarCodec.apply(ad, ics, applyOptions(141)).text, rule).toBe(ics);
    }
    const monthly = render(series('RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15'), 141);
    expect(text(child(monthly, 'Calendar:Recurrence'), 'Calendar:Type')).toBe('2');
    expect(text(child(monthly, 'Calendar:Recurrence'), 'Calendar:DayOfMonth')).toBe('1');
  });

  it('writes a new RRULE when the device changes the pattern', () => {
    const ics = series('RRULE:FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1');
    const ad = render(ics, 141);
    const rec = el(
      'Calendar:Recurrence',
      el('Calendar:Type', 3),
      el('Calendar:Interval', 2),
      el('Calendar:WeekOfMonth', 5),
      el('Calendar:DayOfWeek', 32),
    );
    const changed = appData(...elements(ad).map((e) => (e.tag === 'Calendar:Recurrence' ? rec : e)));
    expect(rules(calendarCodec.apply(changed, ics, applyOptions(141)).text)).toEqual([
      normalRule('FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2'),
    ]);
  });

  it('maps the EAS types to RRULEs and back', () => {
    const cases: [ReturnType<typeof el>, string][] = [
      [
        el('Calendar:Recurrence', el('Calendar:Type', 0), el('Calendar:Interval', 3)),
        'RRULE:FREQ=DAILY;INTERVAL=3',
      ],
      [
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 1),
          el('Calendar:DayOfWeek', 62),
          el('Calendar:Until', '20261231T090000Z'),
        ),
        'RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261231T090000Z',
      ],
      [
        el('Calendar:Recurrence', el('Calendar:Type', 2), el('Calendar:DayOfMonth', 31)),
        'RRULE:FREQ=MONTHLY;BYMONTHDAY=31',
      ],
      [
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 3),
          el('Calendar:WeekOfMonth', 5),
          el('Calendar:DayOfWeek', 127),
        ),
        'RRULE:FREQ=MONTHLY;BYMONTHDAY=-1',
      ],
      [
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 5),
          el('Calendar:DayOfMonth', 24),
          el('Calendar:MonthOfYear', 12),
        ),
        'RRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24',
      ],
      [
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 6),
          el('Calendar:WeekOfMonth', 4),
          el('Calendar:DayOfWeek', 16),
          el('Calendar:MonthOfYear', 11),
          el('Calendar:Occurrences', 5),
          el('Calendar:FirstDayOfWeek', 1),
        ),
        'RRULE:FREQ=YEARLY;BYDAY=4TH;BYMONTH=11;COUNT=5',
      ],
    ];
    for (const [rec, rule] of cases) {
      const sent = appData(
        el('Calendar:Timezone', Buffer.alloc(172).toString('base64')),
        el('Calendar:StartTime', '20260105T090000Z'),
        el('Calendar:EndTime', '20260105T100000Z'),
        el('Calendar:Subject', 'x'),
        rec,
      );
      const stored = calendarCodec.apply(sent, undefined, applyOptions(141)).text;
      expect(rules(stored), rule).toEqual([normalRule(rule)]);
      const back = child(render(stored, 141), 'Calendar:Recurrence')!;
      for (const c of elements(rec)) expect(text(back, c.tag), `${rule} ${c.tag}`).toBe(text(rec, c.tag));
    }
  });
});

describe('occursSince (FilterType windows)', () => {
  const since = new Date('2026-06-01T00:00:00Z');
  const single = (start: string, end: string): string =>
    calendar(
      'BEGIN:VEVENT',
      'UID:o@test',
      'DTSTAMP:20260301T120000Z',
      `DTSTART:${start}`,
      `DTEND:${end}`,
      'END:VEVENT',
    );

  it('checks single events by their end', () => {
    expect(calendarCodec.occursSince(single('20260531T230000Z', '20260601T010000Z'), since)).toBe(true);
    expect(calendarCodec.occursSince(single('20260530T100000Z', '20260530T110000Z'), since)).toBe(false);
  });

  it('expands series, including moved exceptions and open-ended rules', () => {
    expect(calendarCodec.occursSince(WEEKLY, since)).toBe(false);
    expect(calendarCodec.occursSince(WEEKLY, new Date('2026-04-15T00:00:00Z'))).toBe(true);
    const daily = calendar(
      'BEGIN:VEVENT',
      'UID:d@test',
      'DTSTAMP:20200101T000000Z',
      'DTSTART:20200101T090000Z',
      'DTEND:20200101T100000Z',
      'RRULE:FREQ=DAILY',
      'END:VEVENT',
    );
    expect(calendarCodec.occursSince(daily, since)).toBe(true);
    expect(
      calendarCodec.occursSince(
        daily.replace('RRULE:FREQ=DAILY', 'RRULE:FREQ=DAILY;UNTIL=20260501T090000Z'),
        since,
      ),
    ).toBe(false);
    expect(
      calendarCodec.occursSince(
        daily.replace('RRULE:FREQ=DAILY', 'RRULE:FREQ=DAILY;UNTIL=20260601T090000Z'),
        since,
      ),
    ).toBe(true);
    // A series that ended, but whose one moved occurrence lies in the window.
    const movedLate = WEEKLY.replace(
      'DTSTART;TZID=Europe/Berlin:20260331T140000',
      'DTSTART;TZID=Europe/Berlin:20260701T140000',
    ).replace('DTEND;TZID=Europe/Berlin:20260331T150000', 'DTEND;TZID=Europe/Berlin:20260701T150000');
    expect(calendarCodec.occursSince(movedLate, since)).toBe(true);
  });
});
