import { describe, expect, it } from 'vitest';
import { taskCodec } from '../../../src/model/task/index.js';
import { ItemDataError, ItemSourceError } from '../../../src/model/item-codec.js';
import { el, toXml, type WbxmlElement } from '../../../src/wbxml/index.js';
import {
  BERLIN_VTIMEZONE,
  NOW,
  appData,
  applyOptions,
  calendar,
  child,
  normalRule,
  rules,
  semanticLines,
  tags,
  text,
} from '../calendar/fixtures.js';

// MS-ASTASK ⇄ VTODO.

const renderTask = (ics: string, v = 141): WbxmlElement =>
  appData(...taskCodec.render(ics, { versionRank: v, bodyPreferences: [] }));

const TASK = calendar(
  BERLIN_VTIMEZONE,
  'BEGIN:VTODO',
  'UID:task-1@example.test',
  'DTSTAMP:20260301T120000Z',
  'SUMMARY:File taxes',
  'DESCRIPTION:All the receipts',
  'PRIORITY:1',
  'DTSTART;TZID=Europe/Berlin:20260701T090000',
  'DUE;TZID=Europe/Berlin:20260715T170000',
  'CLASS:CONFIDENTIAL',
  'CATEGORIES:Home,Money',
  'X-TASKS-COLOR:red',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:Reminder',
  'TRIGGER;RELATED=END:-PT1H',
  'END:VALARM',
  'END:VTODO',
);

describe('task render (MS-ASTASK 2.2.2)', () => {
  it('renders local and UTC dates, importance, reminder and the rest in schema order', () => {
    const ad = renderTask(TASK);
    expect(toXml(ad)).toBe(
      toXml(
        appData(
          el(
            'AirSyncBase:Body',
            el('AirSyncBase:Type', 1),
            el('AirSyncBase:EstimatedDataSize', 16),
            el('AirSyncBase:Truncated', 0),
            el('AirSyncBase:Data', 'All the receipts'),
          ),
          el('Tasks:Subject', 'File taxes'),
          el('Tasks:Importance', 2),
          el('Tasks:UtcStartDate', '2026-07-01T07:00:00.000Z'),
          el('Tasks:StartDate', '2026-07-01T09:00:00.000Z'),
          el('Tasks:UtcDueDate', '2026-07-15T15:00:00.000Z'),
          el('Tasks:DueDate', '2026-07-15T17:00:00.000Z'),
          el('Tasks:Categories', el('Tasks:Category', 'Home'), el('Tasks:Category', 'Money')),
          el('Tasks:Complete', 0),
          el('Tasks:Sensitivity', 3),
          el('Tasks:ReminderTime', '2026-07-15T14:00:00.000Z'),
          el('Tasks:ReminderSet', 1),
        ),
      ),
    );
  });

  it('renders a DATE due as midnight in both forms, and completed tasks with DateCompleted', () => {
    const ics = calendar(
      'BEGIN:VTODO',
      'UID:t2@test',
      'DTSTAMP:20260301T120000Z',
      'SUMMARY:Done',
      'DUE;VALUE=DATE:20260720',
      'STATUS:COMPLETED',
      'COMPLETED:20260719T101500Z',
      'PERCENT-COMPLETE:100',
      'END:VTODO',
    );
    const ad = renderTask(ics);
    expect(text(ad, 'Tasks:DueDate')).toBe('2026-07-20T00:00:00.000Z');
    expect(text(ad, 'Tasks:UtcDueDate')).toBe('2026-07-20T00:00:00.000Z');
    expect(text(ad, 'Tasks:Complete')).toBe('1');
    expect(text(ad, 'Tasks:DateCompleted')).toBe('2026-07-19T10:15:00.000Z');
    expect(text(ad, 'Tasks:Importance')).toBe('1');
    expect(text(ad, 'Tasks:ReminderSet')).toBe('0');
  });

  it('renders a recurring task with Start, Regenerate and DeadOccur', () => {
    const ics = calendar(
      'BEGIN:VTODO',
      'UID:t3@test',
      'DTSTAMP:20260301T120000Z',
      'SUMMARY:Water plants',
      'DTSTART;VALUE=DATE:20260706',
      'DUE;VALUE=DATE:20260706',
      'RRULE:FREQ=WEEKLY;BYDAY=MO;INTERVAL=2',
      'END:VTODO',
    );
    const rec = child(renderTask(ics), 'Tasks:Recurrence')!;
    expect(tags(rec)).toEqual([
      'Tasks:Type',
      'Tasks:Start',
      'Tasks:Interval',
      'Tasks:DayOfWeek',
      'Tasks:Regenerate',
      'Tasks:DeadOccur',
      'Tasks:FirstDayOfWeek',
    ]);
    expect(text(rec, 'Tasks:Start')).toBe('2026-07-06T00:00:00.000Z');
    expect(text(rec, 'Tasks:DayOfWeek')).toBe('2');
    expect(tags(child(renderTask(ics, 140), 'Tasks:Recurrence')!)).not.toContain('Tasks:FirstDayOfWeek');
  });

  it('turns broken iCalendar into ItemSourceError', () => {
    expect(() => renderTask('BEGIN:VCALENDAR\r\nbroken\r\n')).toThrow(ItemSourceError);
    expect(() => renderTask(calendar('BEGIN:VEVENT', 'UID:x', 'END:VEVENT'))).toThrow(ItemSourceError);
  });
});

describe('task apply', () => {
  it('gives the stored text back when the device sends what we rendered', () => {
    expect(taskCodec.apply(renderTask(TASK), TASK, applyOptions(141)).text).toBe(TASK);
  });

  it('stores a date-only due from local midnight, and a timed one as UTC', () => {
    const dateOnly = taskCodec.apply(
      appData(
        el('Tasks:Subject', 'Buy milk'),
        // The device is in Berlin: local midnight is 22:00Z the day before.
        el('Tasks:UtcDueDate', '2026-07-19T22:00:00.000Z'),
        el('Tasks:DueDate', '2026-07-20T00:00:00.000Z'),
        el('Tasks:Importance', 0),
      ),
      undefined,
      applyOptions(141, 'task-new'),
    );
    expect(dateOnly.uid).toBe('task-new');
    let lines = semanticLines(dateOnly.text);
    expect(lines).toContain('DUE;VALUE=DATE:20260720');
    expect(lines).toContain('PRIORITY:9');
    expect(lines).toContain('SUMMARY:Buy milk');
    const back = renderTask(dateOnly.text);
    expect(text(back, 'Tasks:DueDate')).toBe('2026-07-20T00:00:00.000Z');

    const timed = taskCodec.apply(
      appData(
        el('Tasks:UtcDueDate', '2026-07-20T15:30:00.000Z'),
        el('Tasks:DueDate', '2026-07-20T17:30:00.000Z'),
      ),
      undefined,
      applyOptions(141),
    );
    lines = semanticLines(timed.text);
    expect(lines).toContain('DUE:20260720T153000Z');
  });

  it('keeps the zone of a stored due when the device moves it', () => {
    const moved = taskCodec.apply(
      appData(
        el('Tasks:UtcDueDate', '2026-07-16T15:00:00.000Z'),
        el('Tasks:DueDate', '2026-07-16T17:00:00.000Z'),
      ),
      TASK,
      applyOptions(141),
    );
    const lines = semanticLines(moved.text);
    expect(lines).toContain('DUE;TZID=Europe/Berlin:20260716T170000');
    expect(lines).toContain('X-TASKS-COLOR:red');
    expect(lines).toContain('DTSTART;TZID=Europe/Berlin:20260701T090000');
  });

  it('completes and reopens a task', () => {
    const done = taskCodec.apply(
      appData(el('Tasks:Complete', 1), el('Tasks:DateCompleted', '2026-07-14T08:00:00.000Z')),
      TASK,
      applyOptions(141),
    ).text;
    let lines = semanticLines(done);
    expect(lines).toContain('STATUS:COMPLETED');
    expect(lines).toContain('COMPLETED:20260714T080000Z');
    expect(lines).toContain('PERCENT-COMPLETE:100');
    expect(text(renderTask(done), 'Tasks:Complete')).toBe('1');
    const undone = taskCodec.apply(appData(el('Tasks:Complete', 0)), done, applyOptions(141)).text;
    lines = semanticLines(undone);
    expect(lines).toContain('STATUS:NEEDS-ACTION');
    expect(lines.some((l) => l.startsWith('COMPLETED:'))).toBe(false);
    // Completed without a date: now.
    const now = semanticLines(
      taskCodec.apply(appData(el('Tasks:Complete', 1)), TASK, applyOptions(141)).text,
    );
    expect(now).toContain(`COMPLETED:${NOW.toISOString().replace(/[-:]|\.\d+/g, '')}`);
  });

  it('sets, moves and removes the reminder, touching only that alarm', () => {
    const moved = taskCodec.apply(
      appData(el('Tasks:ReminderSet', 1), el('Tasks:ReminderTime', '2026-07-15T12:00:00.000Z')),
      TASK,
      applyOptions(141),
    ).text;
    expect(semanticLines(moved)).toContain('TRIGGER;VALUE=DATE-TIME:20260715T120000Z');
    expect(text(renderTask(moved), 'Tasks:ReminderTime')).toBe('2026-07-15T12:00:00.000Z');
    const removed = taskCodec.apply(appData(el('Tasks:ReminderSet', 0)), TASK, applyOptions(141)).text;
    expect(removed).not.toContain('VALARM');
  });

  it('stores a device recurrence and keeps the RRULE when it comes back unchanged', () => {
    const sent = appData(
      el('Tasks:Subject', 'Report'),
      el('Tasks:StartDate', '2026-07-06T00:00:00.000Z'),
      el('Tasks:DueDate', '2026-07-06T00:00:00.000Z'),
      el(
        'Tasks:Recurrence',
        el('Tasks:Type', 3),
        el('Tasks:Start', '2026-07-06T00:00:00.000Z'),
        el('Tasks:Interval', 1),
        el('Tasks:DayOfWeek', 2),
        el('Tasks:WeekOfMonth', 1),
        el('Tasks:Regenerate', 0),
        el('Tasks:DeadOccur', 1),
      ),
    );
    const stored = taskCodec.apply(sent, undefined, applyOptions(141)).text;
    expect(rules(stored)).toEqual([normalRule('FREQ=MONTHLY;BYDAY=1MO')]);
    expect(semanticLines(stored)).toContain('X-EAS-TASK-DEADOCCUR:TRUE');
    expect(taskCodec.apply(renderTask(stored), stored, applyOptions(141)).text).toBe(stored);
  });

  it('rejects out-of-range values (ItemDataError)', () => {
    expect(() => taskCodec.apply(appData(el('Tasks:Importance', 7)), TASK, applyOptions(141))).toThrow(
      ItemDataError,
    );
    expect(() => taskCodec.apply(appData(el('Tasks:DueDate', 'tomorrow')), TASK, applyOptions(141))).toThrow(
      ItemDataError,
    );
  });
});
