import { el, type WbxmlElement } from '../../wbxml/index.js';

// An iTIP invitation (RFC 5546 over RFC 6047) shown as MS-ASEMAIL 2.2.2.47 MeetingRequest: the
// fields a phone needs to show it and offer Accept/Decline. Times are sent in UTC with a UTC
// TimeZone blob, which every client accepts.

export interface Invitation {
  readonly method: string;
  readonly fields: WbxmlElement;
}

// MS-ASDTYPE 2.6.4 TimeZone: 172 bytes, all zero = UTC with no daylight saving.
const UTC_TIMEZONE = Buffer.alloc(172).toString('base64');

export const MESSAGE_CLASS_OF_METHOD: Readonly<Record<string, string>> = {
  REQUEST: 'IPM.Schedule.Meeting.Request',
  CANCEL: 'IPM.Schedule.Meeting.Canceled',
};

export function parseInvitation(ics: string, versionRank: number): Invitation | undefined {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const method = value(lines, 'METHOD')?.toUpperCase() ?? 'REQUEST';
  const start = lines.findIndex((l) => l.trim() === 'BEGIN:VEVENT');
  if (start === -1) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.trim() === 'END:VEVENT');
  const event = lines.slice(start, end === -1 ? undefined : end);
  const dtStart = property(event, 'DTSTART');
  if (dtStart === undefined) return undefined;
  const dtEnd = property(event, 'DTEND');
  const allDay = /VALUE=DATE(?!-)/i.test(dtStart.params) || /^\d{8}$/.test(dtStart.value);
  const startTime = icsDate(dtStart.value);
  const endTime = dtEnd ? icsDate(dtEnd.value) : startTime;
  const location = unescape(property(event, 'LOCATION')?.value ?? '');
  const organizer = property(event, 'ORGANIZER')?.value.replace(/^mailto:/i, '');
  const uid = property(event, 'UID')?.value ?? '';
  const stamp = icsDate(property(event, 'DTSTAMP')?.value ?? dtStart.value);
  return {
    method,
    fields: el(
      'Email:MeetingRequest',
      el('Email:AllDayEvent', allDay ? 1 : 0),
      el('Email:StartTime', startTime),
      el('Email:DtStamp', stamp),
      el('Email:EndTime', endTime),
      el('Email:InstanceType', 0),
      // MS-ASEMAIL 2.2.2.46: Email:Location until 14.1; 16.0 moved it to AirSyncBase:Location.
      location !== '' &&
        (versionRank >= 160
          ? el('AirSyncBase:Location', el('AirSyncBase:DisplayName', location))
          : el('Email:Location', location)),
      organizer !== undefined && el('Email:Organizer', organizer),
      el('Email:ResponseRequested', 1),
      el('Email:Sensitivity', 0),
      el('Email:BusyStatus', 2),
      el('Email:TimeZone', UTC_TIMEZONE),
      el('Email:GlobalObjId', Buffer.from(uid, 'utf8').toString('base64')),
    ),
  };
}

function value(lines: readonly string[], name: string): string | undefined {
  return property(lines, name)?.value;
}

function property(lines: readonly string[], name: string): { params: string; value: string } | undefined {
  const re = new RegExp(`^${name}((?:;[^:]*)?):(.*)$`, 'i');
  for (const l of lines) {
    const m = re.exec(l.trim());
    if (m) return { params: m[1] ?? '', value: m[2] ?? '' };
  }
  return undefined;
}

/** 20261123T100000Z, 20261123T100000 (read as UTC) or 20261123 → 2026-11-23T10:00:00.000Z. */
function icsDate(v: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(v);
  if (!m) return new Date(0).toISOString();
  return `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.000Z`;
}

function unescape(v: string): string {
  return v.replace(/\\n/gi, '\n').replace(/\\([,;\\])/g, '$1');
}
