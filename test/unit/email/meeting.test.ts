import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { planBodyFetches, renderEmail } from '../../../src/model/email/index.js';
import type { MailMessage } from '../../../src/model/mail-message.js';
import { child, childText, elements, type WbxmlElement } from '../../../src/wbxml/index.js';
import { bodiesOf, leaf, message, multi, options, textLeaf, xmlOf } from './fixtures.js';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';

const INVITE = crlf([
  'BEGIN:VCALENDAR',
  'PRODID:-//Example//EN',
  'VERSION:2.0',
  'METHOD:REQUEST',
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:meeting-123@example.test',
  'ORGANIZER;CN="Doe, Jane":mailto:jane@example.test',
  'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test',
  'DTSTAMP:20260301T120000Z',
  'DTSTART;TZID=W. Europe Standard Time:20260710T100000',
  'DTEND;TZID=W. Europe Standard Time:20260710T113000',
  'SUMMARY:Planning',
  'LOCATION:Room 4\\, second floor',
  'DESCRIPTION:Agenda:\\n1. budget\\n2. roadmap and a line that is folded',
  '  over two lines',
  'SEQUENCE:0',
  'END:VEVENT',
  'END:VCALENDAR',
]);

function invitation(ics = INVITE, method = 'REQUEST'): MailMessage {
  return message(
    multi('multipart/mixed', [
      multi(
        'multipart/alternative',
        [
          textLeaf('1.1', 'text/plain', 'You are invited.'),
          textLeaf('1.2', 'text/calendar', ics, { params: { charset: 'utf-8', method } }),
        ],
        '1',
      ),
      leaf('2', 'application/ics', {
        size: ics.length,
        encoding: 'base64',
        disposition: 'attachment',
        dispositionParams: { filename: 'invite.ics' },
      }),
    ]),
  );
}

function render(m: MailMessage, ics: string, versionRank = 141): WbxmlElement[] {
  const fields = renderEmail(
    m,
    bodiesOf({ '1.1': 'You are invited.', '1.2': ics }),
    options({ versionRank }),
  );
  xmlOf(fields);
  return fields;
}
const find = (fields: WbxmlElement[], tag: WbxmlElement['tag']) => fields.find((f) => f.tag === tag);

describe('meeting invitations (MS-ASEMAIL 2.2.2.48)', () => {
  it('asks the backend for the calendar part', () => {
    expect(
      planBodyFetches(invitation(), options())
        .map((f) => f.section)
        .sort(),
    ).toEqual(['1.1', '1.2']);
  });

  it('renders MeetingRequest in spec order with times in UTC', () => {
    const fields = render(invitation(), INVITE);
    expect((find(fields, 'Email:MessageClass')!.children as string[])[0]).toBe(
      'IPM.Schedule.Meeting.Request',
    );
    expect((find(fields, 'Email:ContentClass')!.children as string[])[0]).toBe(
      'urn:content-classes:calendarmessage',
    );
    const mr = find(fields, 'Email:MeetingRequest')!;
    expect(elements(mr).map((e) => e.tag)).toEqual([
      'Email:AllDayEvent',
      'Email:StartTime',
      'Email:DtStamp',
      'Email:EndTime',
      'Email:InstanceType',
      'Email:Location',
      'Email:Organizer',
      'Email:ResponseRequested',
      'Email:Sensitivity',
      'Email:BusyStatus',
      'Email:TimeZone',
      'Email:GlobalObjId',
      'Email:DisallowNewTimeProposal',
      'Email2:MeetingMessageType',
    ]);
    expect(childText(mr, 'Email:AllDayEvent')).toBe('0');
    expect(childText(mr, 'Email:StartTime')).toBe('2026-07-10T08:00:00.000Z');
    expect(childText(mr, 'Email:EndTime')).toBe('2026-07-10T09:30:00.000Z');
    expect(childText(mr, 'Email:DtStamp')).toBe('2026-03-01T12:00:00.000Z');
    expect(childText(mr, 'Email:InstanceType')).toBe('0');
    expect(childText(mr, 'Email:Location')).toBe('Room 4, second floor');
    expect(childText(mr, 'Email:Organizer')).toBe('"Doe, Jane" <jane@example.test>');
    expect(childText(mr, 'Email:ResponseRequested')).toBe('1');
    expect(childText(mr, 'Email:BusyStatus')).toBe('2');
    expect(childText(mr, 'Email2:MeetingMessageType')).toBe('1');
    expect(Buffer.from(childText(mr, 'Email:TimeZone')!, 'base64')).toEqual(Buffer.alloc(172));
  });

  it('wraps the UID in a GlobalObjId that converts back to it (MS-ASEMAIL 2.2.2.37, 3.1.4.7)', () => {
    const mr = find(render(invitation(), INVITE), 'Email:MeetingRequest')!;
    const goid = Buffer.from(childText(mr, 'Email:GlobalObjId')!, 'base64');
    expect(goid.subarray(0, 16).toString('hex').toUpperCase()).toBe('040000008200E00074C5B7101A82E008');
    expect(goid.subarray(16, 36)).toEqual(Buffer.alloc(20));
    expect(goid.readUInt32LE(36)).toBe(goid.length - 40);
    expect(goid.subarray(40, 52).toString('latin1')).toBe('vCal-Uid\x01\x00\x00\x00');
    expect(goid.subarray(52, goid.length - 1).toString('utf8')).toBe('meeting-123@example.test');
    expect(goid[goid.length - 1]).toBe(0);
  });

  it('keeps an Outlook UID as the structure it already is', () => {
    const uid =
      '040000008200E00074C5B7101A82E00800000000E040C9C12685C4010000000000000000100000000BF0ED4B6E4EE94E9E39E3867B378EF3';
    const ics = INVITE.replace('UID:meeting-123@example.test', `UID:${uid}`);
    const mr = find(render(invitation(ics), ics), 'Email:MeetingRequest')!;
    expect(Buffer.from(childText(mr, 'Email:GlobalObjId')!, 'base64').toString('hex').toUpperCase()).toBe(
      uid,
    );
  });

  it('uses the invitation description as the body when the message has no text', () => {
    const m = message(
      textLeaf('1', 'text/calendar', INVITE, { params: { charset: 'utf-8', method: 'REQUEST' } }),
    );
    const fields = renderEmail(m, bodiesOf({ '1': INVITE }), options());
    xmlOf(fields);
    expect(childText(find(fields, 'AirSyncBase:Body')!, 'AirSyncBase:Data')).toBe(
      'Agenda:\n1. budget\n2. roadmap and a line that is folded over two lines',
    );
    expect(find(fields, 'AirSyncBase:Attachments')).toBeUndefined();
  });

  it('uses airsyncbase:Location from 16.0 on and has no MeetingMessageType before 14.1', () => {
    const mr16 = find(render(invitation(), INVITE, 160), 'Email:MeetingRequest')!;
    expect(child(mr16, 'Email:Location')).toBeUndefined();
    expect(childText(child(mr16, 'AirSyncBase:Location')!, 'AirSyncBase:DisplayName')).toBe(
      'Room 4, second floor',
    );
    const mr12 = find(render(invitation(), INVITE, 121), 'Email:MeetingRequest')!;
    expect(child(mr12, 'Email2:MeetingMessageType')).toBeUndefined();
    expect(child(mr12, 'Email:DisallowNewTimeProposal')).toBeUndefined();
    expect(childText(mr12, 'Email:Location')).toBe('Room 4, second floor');
  });

  it('marks all-day events, IANA zones and updates', () => {
    const ics = INVITE.replace(/DTSTART;TZID=[^\r]*/, 'DTSTART;VALUE=DATE:20261224')
      .replace(/DTEND;TZID=[^\r]*/, 'DTEND;VALUE=DATE:20261225')
      .replace('SEQUENCE:0', 'SEQUENCE:2');
    const mr = find(render(invitation(ics), ics), 'Email:MeetingRequest')!;
    expect(childText(mr, 'Email:AllDayEvent')).toBe('1');
    expect(childText(mr, 'Email:StartTime')).toBe('2026-12-24T00:00:00.000Z');
    expect(childText(mr, 'Email:EndTime')).toBe('2026-12-25T00:00:00.000Z');
    expect(childText(mr, 'Email2:MeetingMessageType')).toBe('2');

    const ny = INVITE.replace(/DTSTART;TZID=[^\r]*/, 'DTSTART;TZID=America/New_York:20260115T090000').replace(
      /DTEND;TZID=[^\r]*\r\n/,
      'DURATION:PT45M\r\n',
    );
    const mrNy = find(render(invitation(ny), ny), 'Email:MeetingRequest')!;
    expect(childText(mrNy, 'Email:StartTime')).toBe('2026-01-15T14:00:00.000Z');
    expect(childText(mrNy, 'Email:EndTime')).toBe('2026-01-15T14:45:00.000Z');
  });

  it('renders recurrences (MS-ASEMAIL 2.2.2.60)', () => {
    const rule = (r: string) => {
      const ics = INVITE.replace('SEQUENCE:0', `RRULE:${r}\r\nSEQUENCE:0`);
      const mr = find(render(invitation(ics), ics), 'Email:MeetingRequest')!;
      const rec = child(mr, 'Email:Recurrences');
      return {
        instance: childText(mr, 'Email:InstanceType'),
        fields: rec
          ? Object.fromEntries(
              elements(child(rec, 'Email:Recurrence')!).map((e) => [
                e.tag.slice(6),
                (e.children as string[])[0],
              ]),
            )
          : undefined,
      };
    };
    expect(rule('FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10')).toEqual({
      instance: '1',
      fields: { Type: '1', Interval: '1', Occurrences: '10', DayOfWeek: '10' },
    });
    expect(rule('FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2')).toEqual({
      instance: '1',
      fields: { Type: '3', Interval: '2', WeekOfMonth: '5', DayOfWeek: '32' },
    });
    expect(rule('FREQ=YEARLY;UNTIL=20300710')).toEqual({
      instance: '1',
      fields: {
        Type: '5',
        Interval: '1',
        Until: '2030-07-10T23:59:59.000Z',
        DayOfMonth: '10',
        MonthOfYear: '7',
      },
    });
    expect(rule('FREQ=DAILY')).toEqual({ instance: '1', fields: { Type: '0', Interval: '1' } });
    expect(rule('FREQ=HOURLY')).toEqual({ instance: '0', fields: undefined });
  });

  it('renders an exception with its RecurrenceId and the instance date in the GlobalObjId', () => {
    const ics = INVITE.replace(
      'SEQUENCE:0',
      'RECURRENCE-ID;TZID=W. Europe Standard Time:20260709T100000\r\nSEQUENCE:1',
    );
    const mr = find(render(invitation(ics), ics), 'Email:MeetingRequest')!;
    expect(childText(mr, 'Email:InstanceType')).toBe('3');
    expect(childText(mr, 'Email:RecurrenceId')).toBe('2026-07-09T08:00:00.000Z');
    expect(Buffer.from(childText(mr, 'Email:GlobalObjId')!, 'base64').subarray(16, 20).toString('hex')).toBe(
      '07ea0709',
    );
  });

  it('renders cancellations and classifies replies', () => {
    const cancel = INVITE.replace('METHOD:REQUEST', 'METHOD:CANCEL');
    const fields = render(invitation(cancel, 'CANCEL'), cancel);
    expect((find(fields, 'Email:MessageClass')!.children as string[])[0]).toBe(
      'IPM.Schedule.Meeting.Canceled',
    );
    expect(childText(find(fields, 'Email:MeetingRequest')!, 'Email:ResponseRequested')).toBe('0');

    for (const [partstat, cls] of [
      ['ACCEPTED', 'IPM.Schedule.Meeting.Resp.Pos'],
      ['DECLINED', 'IPM.Schedule.Meeting.Resp.Neg'],
      ['TENTATIVE', 'IPM.Schedule.Meeting.Resp.Tent'],
    ]) {
      const reply = INVITE.replace('METHOD:REQUEST', 'METHOD:REPLY').replace(
        'PARTSTAT=NEEDS-ACTION',
        `PARTSTAT=${partstat}`,
      );
      const f = render(invitation(reply, 'REPLY'), reply);
      expect((find(f, 'Email:MessageClass')!.children as string[])[0]).toBe(cls);
      expect(find(f, 'Email:MeetingRequest')).toBeUndefined();
    }
  });

  it('falls back to an ordinary message when the invitation cannot be read', () => {
    const m = invitation();
    for (const bodies of [bodiesOf({ '1.1': 'x' }), bodiesOf({ '1.1': 'x', '1.2': 'garbage' })]) {
      const fields = renderEmail(m, bodies, options());
      xmlOf(fields);
      expect((find(fields, 'Email:MessageClass')!.children as string[])[0]).toBe('IPM.Note');
      expect(find(fields, 'Email:MeetingRequest')).toBeUndefined();
    }
  });

  it('does not call a request without a start time a meeting request', () => {
    const ics = INVITE.replace(/DTSTART;TZID=[^\r]*\r\n/, '');
    const fields = render(invitation(ics), ics);
    expect((find(fields, 'Email:MessageClass')!.children as string[])[0]).toBe('IPM.Note');
    expect(find(fields, 'Email:MeetingRequest')).toBeUndefined();
  });

  it('does not list the invitation itself as an attachment, only the .ics file', () => {
    const list = elements(find(render(invitation(), INVITE), 'AirSyncBase:Attachments')!);
    expect(list.map((a) => childText(a, 'AirSyncBase:DisplayName'))).toEqual(['invite.ics']);
  });
});
