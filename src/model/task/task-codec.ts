import ICAL from 'ical.js';
import { child, childText, el, elements, type TagRef, type WbxmlElement } from '../../wbxml/index.js';
import {
  ItemDataError,
  ItemSourceError,
  type ItemApplyOptions,
  type ItemCodec,
  type ItemRenderOptions,
  type StoredItem,
} from '../item-codec.js';
import { applyBody, bodyOf, parseBody, renderBody } from '../calendar/body.js';
import { DAY, fieldsOf, isoUtc, msOf, parseEasDate } from '../calendar/dates.js';
import { CALENDAR_CONTENT_TYPE, asDataError, asSourceError, serialize } from '../calendar/event-codec.js';
import {
  CLASS_OF_SENSITIVITY,
  PRIORITY_OF_IMPORTANCE,
  X_TASK_DEAD_OCCUR,
  X_TASK_REGENERATE,
  importanceOfPriority,
  sensitivityOfClass,
} from '../calendar/fields.js';
import {
  alarmInstant,
  categoriesOf,
  newCalendar,
  parseCalendar,
  readTime,
  setCategories,
  setStamp,
  setText,
  setTime,
  splitComponents,
  textOf,
  utcStamp,
  type Component,
  type TimeValue,
} from '../calendar/icalendar.js';
import {
  TASKS_RECURRENCE,
  easRecurrence,
  parseRecurrence,
  recurrenceChildren,
  rruleOf,
  sameRecurrence,
  type EasRecurrence,
} from '../calendar/recurrence.js';
import { forVersion } from '../calendar/versions.js';
import { UTC_ZONE, toLocal, type Zone } from '../calendar/zones.js';

// The Tasks class (MS-ASTASK) over iCalendar VTODO (RFC 5545 3.6.2).
// MS-ASTASK 2.2.2.8/2.2.2.27: DueDate and StartDate are the user's local time written as if UTC,
// UtcDueDate and UtcStartDate the instant. A DATE due (no time of day) is midnight of that day in
// both; a DATE-TIME in a zone gives its wall clock as the local form.

interface TaskView {
  readonly subject: string | undefined;
  readonly importance: number;
  readonly start: TimeValue | undefined;
  readonly due: TimeValue | undefined;
  readonly complete: boolean;
  readonly dateCompleted: number | undefined;
  readonly sensitivity: number;
  readonly categories: readonly string[];
  readonly reminder: { readonly alarm: Component; readonly at: number } | undefined;
  readonly recurrence: { readonly recurrence: EasRecurrence; readonly exact: boolean } | undefined;
  readonly regenerate: boolean;
  readonly deadOccur: boolean;
}

/** The instant of a task date: a DATE is midnight UTC of its day (the all-day anchor). */
const utcOf = (t: TimeValue): number => (t.date ? msOf(t.local) : t.utc);
/** The local form: wall clock in the value's zone, read as UTC. */
const localOf = (t: TimeValue): number =>
  t.date || t.zone.kind === 'utc' || t.zone.kind === 'floating' ? utcOf(t) : msOf(t.local);

function viewOf(cal: Component, todo: Component): TaskView {
  const start = readTime(cal, todo.getFirstProperty('dtstart'));
  let due = readTime(cal, todo.getFirstProperty('due'));
  const duration = todo.getFirstPropertyValue('duration');
  if (!due && start && duration instanceof ICAL.Duration) {
    const utc = start.utc + duration.toSeconds() * 1000;
    due = { ...start, utc, local: start.date ? fieldsOf(utc) : toLocal(start.zone, utc) };
  }
  const status = (textOf(todo, 'status') ?? '').toUpperCase();
  const completed = readTime(cal, todo.getFirstProperty('completed'));
  const complete = status === 'COMPLETED' || completed !== undefined;
  let reminder: TaskView['reminder'];
  for (const alarm of todo.getAllSubcomponents('valarm')) {
    const at = alarmInstant(alarm, start && utcOf(start), due && utcOf(due));
    if (at !== undefined) {
      reminder = { alarm, at };
      break;
    }
  }
  const rule = todo.getFirstPropertyValue('rrule');
  const anchor = start ?? due;
  const priority = Number(textOf(todo, 'priority') ?? 0);
  return {
    subject: textOf(todo, 'summary'),
    importance: importanceOfPriority(Number.isFinite(priority) ? priority : 0),
    start,
    due,
    complete,
    dateCompleted:
      completed?.utc ?? (complete ? readTime(cal, todo.getFirstProperty('last-modified'))?.utc : undefined),
    sensitivity: sensitivityOfClass(textOf(todo, 'class')),
    categories: categoriesOf(todo),
    reminder,
    recurrence: rule instanceof ICAL.Recur && anchor ? easRecurrence(rule, anchor) : undefined,
    regenerate: /^(1|TRUE)$/i.test(textOf(todo, X_TASK_REGENERATE) ?? ''),
    deadOccur: /^(1|TRUE)$/i.test(textOf(todo, X_TASK_DEAD_OCCUR) ?? ''),
  };
}

// MS-ASTASK 2.2.2.21 Recurrence children in schema order.
const TASK_RECURRENCE_ORDER: readonly TagRef[] = [
  'Tasks:Type',
  'Tasks:Start',
  'Tasks:Until',
  'Tasks:Occurrences',
  'Tasks:Interval',
  'Tasks:DayOfWeek',
  'Tasks:DayOfMonth',
  'Tasks:WeekOfMonth',
  'Tasks:MonthOfYear',
  'Tasks:Regenerate',
  'Tasks:DeadOccur',
  'Tasks:CalendarType',
  'Tasks:IsLeapMonth',
  'Tasks:FirstDayOfWeek',
];

function recurrenceElement(view: TaskView): WbxmlElement | undefined {
  const anchor = view.start ?? view.due;
  if (!view.recurrence || !anchor) return undefined;
  const parts = [
    ...recurrenceChildren(view.recurrence.recurrence, TASKS_RECURRENCE),
    el('Tasks:Start', isoUtc(localOf(anchor))),
    el('Tasks:Regenerate', view.regenerate ? 1 : 0),
    el('Tasks:DeadOccur', view.deadOccur ? 1 : 0),
  ];
  const rank = (e: WbxmlElement): number => TASK_RECURRENCE_ORDER.indexOf(e.tag);
  return el(
    'Tasks:Recurrence',
    parts.sort((a, b) => rank(a) - rank(b)),
  );
}

function renderTask(source: string, options: ItemRenderOptions): WbxmlElement[] {
  const cal = parseCalendar(source);
  const { master, overrides } = splitComponents(cal, 'vtodo');
  const todo = master ?? overrides[0];
  if (!todo) throw new ItemSourceError('iCalendar object without VTODO');
  const v = viewOf(cal, todo);
  const out = [
    renderBody(bodyOf(todo), options.bodyPreferences, options.versionRank),
    el('Tasks:Subject', v.subject ?? ''),
    el('Tasks:Importance', v.importance),
    v.start && el('Tasks:UtcStartDate', isoUtc(utcOf(v.start))),
    v.start && el('Tasks:StartDate', isoUtc(localOf(v.start))),
    v.due && el('Tasks:UtcDueDate', isoUtc(utcOf(v.due))),
    v.due && el('Tasks:DueDate', isoUtc(localOf(v.due))),
    v.categories.length > 0 &&
      el(
        'Tasks:Categories',
        v.categories.map((c) => el('Tasks:Category', c)),
      ),
    recurrenceElement(v),
    el('Tasks:Complete', v.complete ? 1 : 0),
    v.complete && v.dateCompleted !== undefined && el('Tasks:DateCompleted', isoUtc(v.dateCompleted)),
    el('Tasks:Sensitivity', v.sensitivity),
    v.reminder && el('Tasks:ReminderTime', isoUtc(v.reminder.at)),
    el('Tasks:ReminderSet', v.reminder ? 1 : 0),
  ];
  return forVersion(
    out.filter((e): e is WbxmlElement => e !== undefined && e !== false),
    options.versionRank,
  );
}

function dateChild(ad: WbxmlElement, tag: TagRef): number | undefined {
  const t = childText(ad, tag);
  return t === undefined || t.trim() === '' ? undefined : parseEasDate(t, tag);
}

/**
 * A task date from the device: a local midnight (with a UTC form within a day of it, or none)
 * is a DATE; otherwise the instant, kept in the zone the stored value had.
 */
function applyDate(
  todo: Component,
  name: 'dtstart' | 'due',
  before: TimeValue | undefined,
  local: number | undefined,
  utc: number | undefined,
): void {
  if (local === undefined && utc === undefined) return;
  if (
    before &&
    (local === undefined || local === localOf(before)) &&
    (utc === undefined || utc === utcOf(before))
  )
    return;
  if (local !== undefined && local % DAY === 0 && (utc === undefined || Math.abs(utc - local) < DAY)) {
    setTime(todo, name, local, UTC_ZONE, true);
    return;
  }
  const zone: Zone = before && !before.date && before.zone.tzid !== undefined ? before.zone : UTC_ZONE;
  setTime(todo, name, (utc ?? local)!, zone, false);
}

function setSingle(comp: Component, name: string, value: string | number | undefined): void {
  comp.removeAllProperties(name);
  if (value !== undefined) comp.addPropertyWithValue(name, value);
}

function intChild(ad: WbxmlElement, tag: TagRef, lo: number, hi: number): number | undefined {
  const t = childText(ad, tag)?.trim();
  if (t === undefined || t === '') return undefined;
  const n = Number(t);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ItemDataError(`${tag}: ${t} is not ${lo}..${hi}`);
  return n;
}

function applyTask(ad: WbxmlElement, existing: string | undefined, options: ItemApplyOptions): StoredItem {
  const now = options.now.getTime();
  const cal = existing === undefined ? newCalendar() : parseCalendar(existing);
  const split = splitComponents(cal, 'vtodo');
  let todo = split.master ?? split.overrides[0];
  const isNew = todo === undefined;
  if (!todo) {
    todo = new ICAL.Component('vtodo');
    todo.addPropertyWithValue('uid', options.newUid());
    cal.addSubcomponent(todo);
  }
  const whole = cal.toString();
  const before = viewOf(cal, todo);
  const uid = textOf(todo, 'uid') ?? options.newUid();

  const subject = childText(ad, 'Tasks:Subject');
  if (subject !== undefined && subject !== (before.subject ?? ''))
    setText(todo, 'summary', subject || undefined);
  const body = parseBody(ad);
  if (body) applyBody(todo, body);
  const importance = intChild(ad, 'Tasks:Importance', 0, 2);
  if (importance !== undefined && importance !== before.importance)
    setSingle(todo, 'priority', PRIORITY_OF_IMPORTANCE[importance]);
  applyDate(
    todo,
    'dtstart',
    before.start,
    dateChild(ad, 'Tasks:StartDate'),
    dateChild(ad, 'Tasks:UtcStartDate'),
  );
  applyDate(todo, 'due', before.due, dateChild(ad, 'Tasks:DueDate'), dateChild(ad, 'Tasks:UtcDueDate'));
  if (todo.hasProperty('due')) todo.removeAllProperties('duration');

  const complete = intChild(ad, 'Tasks:Complete', 0, 1);
  if (complete === 1) {
    const at = dateChild(ad, 'Tasks:DateCompleted') ?? before.dateCompleted ?? now;
    if (!before.complete || at !== before.dateCompleted) {
      setSingle(todo, 'status', 'COMPLETED');
      todo.removeAllProperties('completed');
      todo.addProperty(utcStamp('completed', at));
      setSingle(todo, 'percent-complete', 100);
    }
  } else if (complete === 0 && before.complete) {
    setSingle(todo, 'status', 'NEEDS-ACTION');
    todo.removeAllProperties('completed');
    todo.removeAllProperties('percent-complete');
  }
  const sensitivity = intChild(ad, 'Tasks:Sensitivity', 0, 3);
  if (sensitivity !== undefined && sensitivity !== before.sensitivity)
    setSingle(todo, 'class', CLASS_OF_SENSITIVITY[sensitivity]);
  const cats = child(ad, 'Tasks:Categories');
  if (cats) {
    const list = elements(cats, 'Tasks:Category').map((c) =>
      (c.children.filter((x) => typeof x === 'string') as string[]).join(''),
    );
    if (JSON.stringify(list) !== JSON.stringify(before.categories)) setCategories(todo, list);
  }
  applyReminder(todo, ad, before);
  applyTaskRecurrence(cal, todo, ad, before);

  if (existing !== undefined && cal.toString() === whole) return { text: existing, uid };
  setStamp(todo, 'dtstamp', now);
  setStamp(todo, 'last-modified', now);
  if (isNew) setStamp(todo, 'created', now);
  return { text: serialize(cal), uid };
}

/** MS-ASTASK 2.2.2.24/2.2.2.25 ReminderSet and ReminderTime ⇄ the first VALARM, as an absolute trigger. */
function applyReminder(todo: Component, ad: WbxmlElement, before: TaskView): void {
  const set = intChild(ad, 'Tasks:ReminderSet', 0, 1);
  const time = dateChild(ad, 'Tasks:ReminderTime');
  if (set === 0) {
    if (before.reminder) todo.removeSubcomponent(before.reminder.alarm);
    return;
  }
  if (set !== 1 && time === undefined) return;
  if (time === undefined || time === before.reminder?.at) return;
  // ical.js writes VALUE=DATE-TIME itself: it is not TRIGGER's default type.
  const trigger = utcStamp('trigger', time);
  if (before.reminder) {
    before.reminder.alarm.removeAllProperties('trigger');
    before.reminder.alarm.addProperty(trigger);
    return;
  }
  const alarm = new ICAL.Component('valarm');
  alarm.addPropertyWithValue('action', 'DISPLAY');
  alarm.addPropertyWithValue('description', 'Reminder');
  alarm.addProperty(trigger);
  todo.addSubcomponent(alarm);
}

function applyTaskRecurrence(cal: Component, todo: Component, ad: WbxmlElement, before: TaskView): void {
  const e = child(ad, 'Tasks:Recurrence');
  if (!e) return;
  // An empty <Recurrence/> says the task does not repeat (as iOS writes it for events).
  if (elements(e).length === 0) {
    todo.removeAllProperties('rrule');
    return;
  }
  const sent = parseRecurrence(e, TASKS_RECURRENCE);
  const flag = (tag: TagRef): boolean | undefined => {
    const t = childText(e, tag)?.trim();
    return t === undefined || t === '' ? undefined : t === '1';
  };
  const regenerate = flag('Tasks:Regenerate');
  const deadOccur = flag('Tasks:DeadOccur');
  if (regenerate !== undefined && regenerate !== before.regenerate)
    setSingle(todo, X_TASK_REGENERATE, regenerate ? 'TRUE' : undefined);
  if (deadOccur !== undefined && deadOccur !== before.deadOccur)
    setSingle(todo, X_TASK_DEAD_OCCUR, deadOccur ? 'TRUE' : undefined);
  if (before.recurrence && sameRecurrence(sent, before.recurrence.recurrence)) return;
  const after = viewOf(cal, todo);
  const startText = childText(e, 'Tasks:Start');
  const anchorMs =
    (after.start ?? after.due) !== undefined
      ? localOf((after.start ?? after.due)!)
      : startText !== undefined
        ? parseEasDate(startText, 'Start')
        : undefined;
  if (anchorMs === undefined) throw new ItemDataError('Recurrence of a task without a date');
  const dateValued = (after.start ?? after.due)?.date ?? true;
  const rule = rruleOf(sent, fieldsOf(anchorMs), (ms) => {
    const f = fieldsOf(ms);
    return dateValued
      ? ICAL.Time.fromData({ year: f.year, month: f.month, day: f.day, isDate: true })
      : ICAL.Time.fromData({ ...f, isDate: false }, ICAL.Timezone.utcTimezone);
  });
  todo.removeAllProperties('rrule');
  todo.addPropertyWithValue('rrule', rule);
}

export const taskCodec: ItemCodec = {
  itemClass: 'Tasks',
  contentType: CALENDAR_CONTENT_TYPE,
  render: (source, options) => asSourceError(() => renderTask(source, options)),
  apply: (ad, existing, options) => asDataError(() => applyTask(ad, existing, options)),
};
