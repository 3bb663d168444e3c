import { describe, expect, it } from 'vitest';
import {
  calendarCodec,
  createCalendarCodec,
  invitationEvent,
  meetingMessages,
  meetingReply,
} from '../../../src/model/calendar/index.js';
import { ItemSourceError } from '../../../src/model/item-codec.js';
import { el } from '../../../src/wbxml/index.js';
import {
  BERLIN_VTIMEZONE,
  appData,
  applyOptions,
  calendar,
  child,
  elements,
  render,
  semanticLines,
  text,
} from './fixtures.js';

// RFC 5546 iTIP for meetings: replies, invitations, and the organizer's messages.

const INVITE = calendar(
  'METHOD:REQUEST',
  BERLIN_VTIMEZONE,
  'BEGIN:VEVENT',
  'UID:meeting-7@example.test',
  'DTSTAMP:20260301T120000Z',
  'SEQUENCE:2',
  'DTSTART;TZID=Europe/Berlin:20260710T100000',
  'DTEND;TZID=Europe/Berlin:20260710T110000',
  'RRULE:FREQ=WEEKLY;COUNT=4',
  'SUMMARY:Planning',
  'ORGANIZER;CN=Jane:mailto:jane@example.test',
  'ATTENDEE;CN=Jane;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:jane@example.test',
  'ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.test',
  'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test',
  'END:VEVENT',
);

const lines = (ics: string): string[] => semanticLines(ics);
const count = (ics: string, prefix: string): number => lines(ics).filter((l) => l.startsWith(prefix)).length;

describe('invitationEvent', () => {
  it('stores the invitation without METHOD and with its VTIMEZONE', () => {
    const stored = invitationEvent(INVITE, applyOptions(161));
    expect(stored.uid).toBe('meeting-7@example.test');
    expect(stored.text).not.toContain('METHOD:');
    expect(lines(stored.text)).toContain('TZID:Europe/Berlin');
    expect(() => invitationEvent('junk', applyOptions(161))).toThrow(ItemSourceError);
  });
});

describe('meetingReply', () => {
  const stored = invitationEvent(INVITE, applyOptions(161)).text;

  for (const [response, partstat] of [
    [1, 'ACCEPTED'],
    [2, 'TENTATIVE'],
    [3, 'DECLINED'],
  ] as const) {
    it(`answers ${partstat} with exactly one ATTENDEE`, () => {
      const r = meetingReply(stored, {
        attendee: 'Me@Example.test',
        response,
        now: new Date('2026-07-01T08:00:00Z'),
      });
      expect(r.organizer).toBe('jane@example.test');
      expect(r.summary).toBe('Planning');
      expect(r.uid).toBe('meeting-7@example.test');
      expect(lines(r.reply)).toContain('METHOD:REPLY');
      const attendees = lines(r.reply).filter((l) => l.startsWith('ATTENDEE'));
      expect(attendees).toEqual([`ATTENDEE;CN=Me;PARTSTAT=${partstat}:mailto:me@example.test`]);
      expect(lines(r.reply)).toContain('ORGANIZER;CN=Jane:mailto:jane@example.test');
      expect(lines(r.reply)).toContain('SEQUENCE:2');
      expect(r.reply).toContain('DTSTAMP:20260701T080000Z');
      expect(lines(r.reply)).toContain('TZID:Europe/Berlin');
      // The stored copy now says the same for the user, and nothing else changed for the others.
      expect(lines(r.updated)).toContain(`ATTENDEE;CN=Me;PARTSTAT=${partstat}:mailto:me@example.test`);
      expect(lines(r.updated)).toContain('ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.test');
      const codec = createCalendarCodec({ userAddresses: ['me@example.test'] });
      const ad = appData(...codec.render(r.updated, { versionRank: 141, bodyPreferences: [] }));
      expect(text(ad, 'Calendar:ResponseType')).toBe(
        String({ ACCEPTED: 3, TENTATIVE: 2, DECLINED: 4 }[partstat]),
      );
    });
  }

  it('answers one occurrence with a RECURRENCE-ID, leaving the series', () => {
    const r = meetingReply(stored, {
      attendee: 'me@example.test',
      response: 3,
      instanceId: '20260717T080000Z',
      comment: 'On holiday',
      now: new Date('2026-07-01T08:00:00Z'),
    });
    expect(lines(r.reply)).toContain('RECURRENCE-ID;TZID=Europe/Berlin:20260717T100000');
    expect(lines(r.reply)).toContain('COMMENT:On holiday');
    expect(count(r.updated, 'RECURRENCE-ID')).toBe(1);
    expect(lines(r.updated)).toContain(
      'ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.test',
    );
    expect(lines(r.updated)).toContain('ATTENDEE;CN=Me;PARTSTAT=DECLINED:mailto:me@example.test');
  });
});

describe('meetingMessages', () => {
  const organizer = 'me@example.test';
  const meeting = (...attendees: string[]): string =>
    calendar(
      'BEGIN:VEVENT',
      'UID:mine@example.test',
      'DTSTAMP:20260301T120000Z',
      'DTSTART:20260710T080000Z',
      'DTEND:20260710T090000Z',
      'SUMMARY:Sync',
      ...attendees.map((a) => `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:mine',
      'TRIGGER:-PT5M',
      'END:VALARM',
      'END:VEVENT',
    );

  it('invites everyone to a new meeting, as its organizer', () => {
    const [msg, ...rest] = meetingMessages(
      undefined,
      meeting('ann@example.test', 'bob@example.test'),
      organizer,
    );
    expect(rest).toEqual([]);
    expect(msg!.method).toBe('REQUEST');
    expect(msg!.recipients).toEqual(['ann@example.test', 'bob@example.test']);
    expect(msg!.summary).toBe('Sync');
    expect(lines(msg!.ics)).toContain('METHOD:REQUEST');
    expect(lines(msg!.ics)).toContain('ORGANIZER:mailto:me@example.test');
    expect(msg!.ics).not.toContain('VALARM');
  });

  it('sends REQUEST to all for a new attendee and CANCEL to a removed one', () => {
    const msgs = meetingMessages(
      meeting('ann@example.test', 'bob@example.test'),
      meeting('ann@example.test', 'cy@example.test'),
      organizer,
    );
    const cancel = msgs.find((m) => m.method === 'CANCEL')!;
    const request = msgs.find((m) => m.method === 'REQUEST')!;
    expect(cancel.recipients).toEqual(['bob@example.test']);
    expect(lines(cancel.ics)).toContain('METHOD:CANCEL');
    expect(lines(cancel.ics)).toContain('STATUS:CANCELLED');
    expect(lines(cancel.ics).filter((l) => l.startsWith('ATTENDEE'))).toEqual([
      'ATTENDEE:mailto:bob@example.test',
    ]);
    expect(request.recipients).toEqual(['ann@example.test', 'cy@example.test']);
  });

  it('re-sends REQUEST when times change, nothing when nothing scheduling-relevant did', () => {
    const before = meeting('ann@example.test');
    const later = before
      .replace('DTSTART:20260710T080000Z', 'DTSTART:20260710T100000Z')
      .replace('DTEND:20260710T090000Z', 'DTEND:20260710T110000Z');
    expect(meetingMessages(before, later, organizer).map((m) => m.method)).toEqual(['REQUEST']);
    expect(meetingMessages(before, before.replace('SUMMARY:Sync', 'SUMMARY:Sync!'), organizer)).toEqual([]);
  });

  it('cancels a deleted meeting and stays silent for meetings the user only attends', () => {
    const [cancel] = meetingMessages(
      meeting('ann@example.test'),
      undefined,
      organizer,
      new Date('2026-07-01T00:00:00Z'),
    );
    expect(cancel!.method).toBe('CANCEL');
    expect(lines(cancel!.ics)).toContain('SEQUENCE:1');
    expect(meetingMessages(undefined, INVITE, organizer)).toEqual([]);
    expect(meetingMessages(undefined, meeting(), organizer)).toEqual([]);
  });

  it('works on what the device created: attendees added in a Sync Add become a REQUEST', () => {
    const codec = createCalendarCodec({ userAddresses: [organizer] });
    const sent = appData(
      el('Calendar:StartTime', '20260710T080000Z'),
      el('Calendar:EndTime', '20260710T090000Z'),
      el('Calendar:Subject', 'Lunch'),
      el(
        'Calendar:Attendees',
        el(
          'Calendar:Attendee',
          el('Calendar:Email', 'ann@example.test'),
          el('Calendar:Name', 'Ann'),
          el('Calendar:AttendeeType', 1),
        ),
      ),
    );
    const stored = codec.apply(sent, undefined, applyOptions(161)).text;
    expect(lines(stored)).toContain('ORGANIZER:mailto:me@example.test');
    expect(lines(stored)).toContain(
      'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT;CN=Ann:mailto:ann@example.test',
    );
    const [msg] = meetingMessages(undefined, stored, organizer);
    expect(msg!.recipients).toEqual(['ann@example.test']);
    const ad = appData(...codec.render(stored, { versionRank: 161, bodyPreferences: [] }));
    expect(text(ad, 'Calendar:MeetingStatus')).toBe('1');
  });
});

describe('attendees and reminders from the device', () => {
  const base = calendar(
    'BEGIN:VEVENT',
    'UID:a@test',
    'DTSTAMP:20260301T120000Z',
    'DTSTART:20260710T080000Z',
    'DTEND:20260710T090000Z',
    'ORGANIZER:mailto:me@example.test',
    'ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;X-KEEP=1:mailto:ann@example.test',
    'ATTENDEE;PARTSTAT=TENTATIVE:mailto:bob@example.test',
    'BEGIN:VALARM',
    'ACTION:AUDIO',
    'TRIGGER;VALUE=DATE-TIME:20260709T080000Z',
    'END:VALARM',
    'END:VEVENT',
  );

  it('keeps attendees it sent back, drops the ones it left out, adds new ones', () => {
    const ad = render(base, 141);
    const list = elements(child(ad, 'Calendar:Attendees')!);
    const changed = appData(
      ...elements(ad).map((e) =>
        e.tag === 'Calendar:Attendees'
          ? el(
              'Calendar:Attendees',
              list[0]!,
              el(
                'Calendar:Attendee',
                el('Calendar:Email', 'cy@example.test'),
                el('Calendar:Name', 'Cy'),
                el('Calendar:AttendeeType', 2),
              ),
            )
          : e,
      ),
      el('Calendar:Reminder', 20),
    );
    const out = lines(calendarCodec.apply(changed, base, applyOptions(141)).text);
    expect(out).toContain('ATTENDEE;CN=Ann;PARTSTAT=ACCEPTED;X-KEEP=1:mailto:ann@example.test');
    expect(out.some((l) => l.includes('bob@example.test'))).toBe(false);
    expect(out).toContain(
      'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=OPT-PARTICIPANT;CN=Cy:mailto:cy@example.test',
    );
    // The absolute alarm stays; the reminder is a new start-relative one.
    expect(out).toContain('TRIGGER;VALUE=DATE-TIME:20260709T080000Z');
    expect(out).toContain('TRIGGER:-PT20M');
  });
});
