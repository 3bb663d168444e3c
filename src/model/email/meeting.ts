import { Buffer } from 'node:buffer';
import { el, type WbxmlElement } from '../../wbxml/index.js';
import { easDateTime } from './headers.js';
import {
  findComponent,
  parseDuration,
  parseICalendar,
  parseRule,
  parseTime,
  prop,
  unescapeText,
  WEEKDAYS,
  dateParts,
  type ICalComponent,
  type ICalTime,
} from './ical.js';
import { V14_0, V14_1, V16_0 } from './options.js';
import { UTC_TIME_ZONE } from '../calendar/time-zone.js';

// Meeting messages (RFC 6047 iMIP): the iTIP method decides the message class, and a request or
// cancellation becomes MS-ASEMAIL 2.2.2.48 MeetingRequest so the phone can show and answer it.

export type MeetingMethod = 'REQUEST' | 'CANCEL' | 'REPLY' | 'OTHER';

export interface Meeting {
  readonly method: MeetingMethod;
  /** PARTSTAT of the (first) attendee, for replies. */
  readonly partstat?: string;
  readonly uid?: string;
  readonly start?: ICalTime;
  readonly end?: Date;
  readonly dtstamp?: Date;
  readonly location?: string;
  readonly organizer?: string;
  readonly description?: string;
  readonly sequence: number;
  readonly recurrenceId?: ICalTime;
  readonly rrule?: Record<string, string>;
  readonly sensitivity: number;
  readonly busyStatus: number;
  readonly disallowNewTimeProposal: boolean;
}

export function parseMethod(value: string | undefined): MeetingMethod | undefined {
  if (value === undefined) return undefined;
  const m = value.trim().toUpperCase();
  return m === 'REQUEST' || m === 'CANCEL' || m === 'REPLY' ? m : m === '' ? undefined : 'OTHER';
}

/** The first VEVENT of an iTIP message; undefined when there is none. */
export function parseMeeting(text: string, methodParam: string | undefined): Meeting | undefined {
  const root = parseICalendar(text);
  const cal = findComponent(root, 'VCALENDAR') ?? root;
  const event = findComponent(cal, 'VEVENT');
  if (!event) return undefined;
  const method = parseMethod(prop(cal, 'METHOD')?.value) ?? parseMethod(methodParam) ?? 'OTHER';
  const start = parseTime(prop(event, 'DTSTART'), root);
  const end = parseTime(prop(event, 'DTEND'), root)?.utc ?? endFromDuration(start, event);
  const textOf = (name: string): string | undefined => {
    const p = prop(event, name);
    return p === undefined ? undefined : unescapeText(p.value).trim() || undefined;
  };
  const attendee = prop(event, 'ATTENDEE');
  const rrule = prop(event, 'RRULE');
  const organizer = organizerOf(event);
  const recurrenceId = parseTime(prop(event, 'RECURRENCE-ID'), root);
  const dtstamp = parseTime(prop(event, 'DTSTAMP'), root)?.utc;
  const uid = textOf('UID');
  const location = textOf('LOCATION');
  const description = textOf('DESCRIPTION');
  const partstat = attendee?.params.PARTSTAT?.toUpperCase();
  return {
    method,
    ...(partstat ? { partstat } : {}),
    ...(uid ? { uid } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    ...(dtstamp ? { dtstamp } : {}),
    ...(location ? { location } : {}),
    ...(organizer ? { organizer } : {}),
    ...(description ? { description } : {}),
    ...(recurrenceId ? { recurrenceId } : {}),
    ...(rrule ? { rrule: parseRule(rrule.value) } : {}),
    sequence: Number.parseInt(prop(event, 'SEQUENCE')?.value ?? '0', 10) || 0,
    sensitivity: sensitivityOf(prop(event, 'CLASS')?.value),
    busyStatus: busyStatusOf(event, method),
    disallowNewTimeProposal: /^TRUE$/i.test(prop(event, 'X-MICROSOFT-DISALLOW-COUNTER')?.value.trim() ?? ''),
  };
}

function endFromDuration(start: ICalTime | undefined, event: ICalComponent): Date | undefined {
  if (!start) return undefined;
  const dur = parseDuration(prop(event, 'DURATION')?.value);
  if (dur !== undefined) return new Date(start.utc.getTime() + dur);
  // RFC 5545 3.6.1: without DTEND or DURATION a date lasts one day, a date-time no time at all.
  return new Date(start.utc.getTime() + (start.dateOnly ? 86_400_000 : 0));
}

function organizerOf(event: ICalComponent): string | undefined {
  const p = prop(event, 'ORGANIZER');
  if (!p) return undefined;
  const address = p.value.trim().replace(/^mailto:/i, '');
  const name = p.params.CN?.trim();
  if (!address) return name || undefined;
  return name ? `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}" <${address}>` : address;
}

/** MS-ASEMAIL Sensitivity: 0 normal, 1 personal, 2 private, 3 confidential (from CLASS). */
function sensitivityOf(cls: string | undefined): number {
  switch (cls?.trim().toUpperCase()) {
    case 'PRIVATE':
      return 2;
    case 'CONFIDENTIAL':
      return 3;
    default:
      return 0;
  }
}

/** MS-ASEMAIL BusyStatus: 0 free, 1 tentative, 2 busy, 3 out of office. */
function busyStatusOf(event: ICalComponent, method: MeetingMethod): number {
  if (method === 'CANCEL') return 0;
  const cdo = prop(event, 'X-MICROSOFT-CDO-INTENDEDSTATUS') ?? prop(event, 'X-MICROSOFT-CDO-BUSYSTATUS');
  switch (cdo?.value.trim().toUpperCase()) {
    case 'FREE':
      return 0;
    case 'TENTATIVE':
      return 1;
    case 'OOF':
      return 3;
    case 'BUSY':
      return 2;
  }
  return prop(event, 'TRANSP')?.value.trim().toUpperCase() === 'TRANSPARENT' ? 0 : 2;
}

/** MS-ASEMAIL MessageClass of a meeting message, or undefined when it is not one. */
export function meetingMessageClass(meeting: Pick<Meeting, 'method' | 'partstat'>): string | undefined {
  switch (meeting.method) {
    case 'REQUEST':
      return 'IPM.Schedule.Meeting.Request';
    case 'CANCEL':
      return 'IPM.Schedule.Meeting.Canceled';
    case 'REPLY':
      switch (meeting.partstat) {
        case 'ACCEPTED':
          return 'IPM.Schedule.Meeting.Resp.Pos';
        case 'DECLINED':
          return 'IPM.Schedule.Meeting.Resp.Neg';
        case 'TENTATIVE':
          return 'IPM.Schedule.Meeting.Resp.Tent';
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

// MS-ASEMAIL 2.2.2.37 GlobalObjId: CLASSID, then INSTDATE, NOW, RESERVED, BYTECOUNT, DATA.
const GOID_CLASS_ID = Buffer.from('040000008200E00074C5B7101A82E008', 'hex');

/**
 * The GlobalObjId of a meeting UID (MS-ASEMAIL 3.1.4.7 read backwards): an Outlook UID is the
 * hex form of the whole structure; any other UID is wrapped as "vCal-Uid" data, which the reverse
 * conversion turns back into the same UID when the client answers the meeting.
 */
export function globalObjId(uid: string, recurrenceId?: ICalTime): string {
  let bytes: Buffer;
  if (/^040000008200E00074C5B7101A82E008(?:[0-9A-F]{2})+$/i.test(uid) && uid.length >= 80) {
    bytes = Buffer.from(uid, 'hex');
  } else {
    const data = Buffer.concat([
      Buffer.from('vCal-Uid', 'latin1'),
      Buffer.from([1, 0, 0, 0]),
      Buffer.from(uid, 'utf8'),
      Buffer.from([0]),
    ]);
    bytes = Buffer.alloc(40 + data.length);
    GOID_CLASS_ID.copy(bytes, 0);
    bytes.writeUInt32LE(data.length, 36);
    data.copy(bytes, 40);
  }
  if (recurrenceId) {
    // INSTDATE names the occurrence an exception replaces: year (big-endian), month, day.
    bytes.writeUInt16BE(recurrenceId.local.year, 16);
    bytes[18] = recurrenceId.local.month;
    bytes[19] = recurrenceId.local.day;
  }
  return bytes.toString('base64');
}

/** MS-ASEMAIL 2.2.2.48 MeetingRequest for a request or cancellation; undefined for anything else. */
export function renderMeetingRequest(
  meeting: Meeting,
  versionRank: number,
  received: Date,
): WbxmlElement | undefined {
  if (meeting.method !== 'REQUEST' && meeting.method !== 'CANCEL') return undefined;
  if (!meeting.start) return undefined;
  const start = meeting.start;
  const end = meeting.end ?? start.utc;
  const recurrence =
    meeting.rrule && !meeting.recurrenceId ? renderRecurrence(meeting.rrule, start) : undefined;
  // MS-ASEMAIL InstanceType: 0 single, 1 recurring master, 3 exception to a recurring meeting.
  const instanceType = meeting.recurrenceId ? 3 : recurrence ? 1 : 0;
  const location =
    meeting.location === undefined
      ? undefined
      : versionRank >= V16_0
        ? // MS-ASEMAIL 2.2.2.46: 16.x uses airsyncbase:Location (MS-ASAIRS 2.2.2.28) instead.
          el('AirSyncBase:Location', el('AirSyncBase:DisplayName', meeting.location))
        : el('Email:Location', meeting.location);
  return el(
    'Email:MeetingRequest',
    el('Email:AllDayEvent', start.dateOnly ? 1 : 0),
    el('Email:StartTime', easDateTime(start.utc)),
    el('Email:DtStamp', easDateTime(meeting.dtstamp ?? received)),
    el('Email:EndTime', easDateTime(end)),
    el('Email:InstanceType', instanceType),
    location,
    meeting.organizer !== undefined && el('Email:Organizer', meeting.organizer),
    meeting.recurrenceId && el('Email:RecurrenceId', easDateTime(meeting.recurrenceId.utc)),
    el('Email:ResponseRequested', meeting.method === 'REQUEST' ? 1 : 0),
    recurrence && el('Email:Recurrences', recurrence),
    el('Email:Sensitivity', meeting.sensitivity),
    el('Email:BusyStatus', meeting.busyStatus),
    el('Email:TimeZone', UTC_TIME_ZONE),
    el('Email:GlobalObjId', globalObjId(meeting.uid ?? '', meeting.recurrenceId)),
    versionRank >= V14_0 && el('Email:DisallowNewTimeProposal', meeting.disallowNewTimeProposal ? 1 : 0),
    // MS-ASEMAIL 2.2.2.47 (14.1+): 1 initial request, 2 full update (a later SEQUENCE), 0 otherwise.
    versionRank >= V14_1 &&
      el('Email2:MeetingMessageType', meeting.method === 'REQUEST' ? (meeting.sequence > 0 ? 2 : 1) : 0),
  );
}

const DAY_BITS: Record<string, number> = { SU: 1, MO: 2, TU: 4, WE: 8, TH: 16, FR: 32, SA: 64 };

/**
 * MS-ASEMAIL 2.2.2.60 Recurrence from an RRULE. Type: 0 daily, 1 weekly, 2 monthly on a day,
 * 3 monthly on the nth weekday, 5 yearly on a date, 6 yearly on the nth weekday. Rules EAS cannot
 * express (hourly, several ordinals…) give undefined: the meeting is then shown as a single one.
 */
function renderRecurrence(rule: Record<string, string>, start: ICalTime): WbxmlElement | undefined {
  const interval = Math.max(1, Number.parseInt(rule.INTERVAL ?? '1', 10) || 1);
  const days = (rule.BYDAY ?? '').split(',').filter((d) => d !== '');
  const plainDays = days.map((d) => /^(SU|MO|TU|WE|TH|FR|SA)$/.exec(d)?.[1]);
  const ordinal = days.length === 1 ? /^([+-]?\d{1,2})(SU|MO|TU|WE|TH|FR|SA)$/.exec(days[0]!) : null;
  const setpos = Number.parseInt(rule.BYSETPOS ?? '', 10);
  const weekMask = (list: readonly (string | undefined)[]): number | undefined =>
    list.every((d) => d !== undefined) ? list.reduce((m, d) => m | DAY_BITS[d!]!, 0) : undefined;
  const startDay = WEEKDAYS[start.local.weekday]!;
  let type: number;
  let weekOfMonth: number | undefined;
  let dayOfMonth: number | undefined;
  let dayOfWeek: number | undefined;
  let monthOfYear: number | undefined;
  const nth = (n: number): number | undefined => (n >= 1 && n <= 4 ? n : n === -1 || n === 5 ? 5 : undefined);
  switch (rule.FREQ) {
    case 'DAILY':
      if (days.length > 0) {
        type = 1;
        dayOfWeek = weekMask(plainDays);
        if (dayOfWeek === undefined) return undefined;
      } else type = 0;
      break;
    case 'WEEKLY':
      type = 1;
      dayOfWeek = days.length > 0 ? weekMask(plainDays) : DAY_BITS[startDay];
      if (dayOfWeek === undefined) return undefined;
      break;
    case 'MONTHLY':
    case 'YEARLY': {
      const yearly = rule.FREQ === 'YEARLY';
      if (yearly) monthOfYear = Number.parseInt(rule.BYMONTH ?? '', 10) || start.local.month;
      if (ordinal || (days.length > 0 && Number.isFinite(setpos))) {
        type = yearly ? 6 : 3;
        weekOfMonth = nth(ordinal ? Number(ordinal[1]) : setpos);
        dayOfWeek = ordinal ? DAY_BITS[ordinal[2]!] : weekMask(plainDays);
        if (weekOfMonth === undefined || dayOfWeek === undefined) return undefined;
      } else if (days.length === 0) {
        type = yearly ? 5 : 2;
        dayOfMonth = Number.parseInt(rule.BYMONTHDAY ?? '', 10) || start.local.day;
        if (dayOfMonth < 1 || dayOfMonth > 31) return undefined;
      } else return undefined;
      break;
    }
    default:
      return undefined;
  }
  const until = rule.UNTIL ? parseUntil(rule.UNTIL) : undefined;
  const count = Number.parseInt(rule.COUNT ?? '', 10);
  return el(
    'Email:Recurrence',
    el('Email:Type', type),
    el('Email:Interval', interval),
    until && el('Email:Until', easDateTime(until)),
    Number.isFinite(count) && count > 0 && el('Email:Occurrences', count),
    weekOfMonth !== undefined && el('Email:WeekOfMonth', weekOfMonth),
    dayOfMonth !== undefined && el('Email:DayOfMonth', dayOfMonth),
    dayOfWeek !== undefined && el('Email:DayOfWeek', dayOfWeek),
    monthOfYear !== undefined && el('Email:MonthOfYear', monthOfYear),
  );
}

function parseUntil(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = dateParts(m);
  // A date-only UNTIL includes its whole day.
  return new Date(m[4] === undefined ? Date.UTC(y, mo - 1, d, 23, 59, 59) : Date.UTC(y, mo - 1, d, h, mi, s));
}
