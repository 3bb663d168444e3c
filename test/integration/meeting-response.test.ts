import { randomBytes } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import type { DavCollection } from '../../src/backends/types.js';
import { childText, el, elements } from '../../src/wbxml/index.js';
import { imapAs, MailDevice } from '../support/mail-sync.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { itWith, testBackends } from '../support/backend-matrix.js';

// An invitation from bob reaches carol's INBOX; carol accepts it on a 16.1 phone. The event lands
// in carol's calendar with her PARTSTAT, and bob gets exactly one iTIP REPLY, even when the
// phone retries the request.

const carolDav = new DavCollectionStore(
  { baseUrl: testBackends().davUrl, kinds: ['calendar', 'tasks'] },
  { user: 'carol', password: 'password' },
);
const tag = randomBytes(4).toString('hex');
const uid = `invite-${tag}`;
const summary = `Design review ${tag}`;

let gw: RealGateway;
let carolImap: ImapFlow;
let bobImap: ImapFlow;
let calendar: DavCollection;

beforeAll(async () => {
  gw = await realGateway();
  calendar = await carolDav.createCollection('calendar', `Carol ${tag}`);
  carolImap = await imapAs('carol@example.test');
  bobImap = await imapAs('bob@example.test');
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261120T090000Z',
    'DTSTART:20261210T140000Z',
    'DTEND:20261210T150000Z',
    `SUMMARY:${summary}`,
    'ORGANIZER;CN=Bob Example:mailto:bob@example.test',
    'ATTENDEE;CN=Carol Example;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:carol@example.test',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const mail = [
    'From: Bob Example <bob@example.test>',
    'To: Carol Example <carol@example.test>',
    `Subject: Invitation: ${summary}`,
    'Date: Fri, 20 Nov 2026 09:00:00 +0000',
    `Message-ID: <${tag}@example.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
    '',
    ics,
  ].join('\r\n');
  await carolImap.append('INBOX', Buffer.from(mail));
});

afterAll(async () => {
  await carolDav.deleteCollection(calendar.key).catch(() => undefined);
  await carolImap?.logout();
  await bobImap?.logout();
  await gw?.close();
});

async function repliesInBob(): Promise<number> {
  await bobImap.mailboxOpen('INBOX');
  const found = await bobImap.search({ subject: `Accepted: ${summary}` }, { uid: true });
  return Array.isArray(found) ? found.length : 0;
}

describe('MeetingResponse', () => {
  itWith(
    ['smtpDelivery'],
    'accepts an invitation: the event is in the calendar and the organizer gets one REPLY',
    async () => {
      const d = new MailDevice(gw.app, 'carol', '16.1');
      await d.onboard();
      const inbox = d.idOf('Inbox');
      const { adds } = await d.initialSync(inbox);
      const invitation = adds.find((a) => childText(a.data, 'Email:Subject') === `Invitation: ${summary}`);
      expect(invitation).toBeDefined();
      const request = el(
        'MeetingResponse:MeetingResponse',
        el(
          'MeetingResponse:Request',
          el('MeetingResponse:UserResponse', 1),
          el('MeetingResponse:CollectionId', inbox),
          el('MeetingResponse:RequestId', invitation!.serverId),
          el('MeetingResponse:SendResponse'),
        ),
      );
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await d.call('MeetingResponse', request);
        expect(res.status).toBe(200);
        const [result] = elements(res.body!, 'MeetingResponse:Result');
        expect(childText(result!, 'MeetingResponse:Status')).toBe('1');
      }

      const delta = await carolDav.changesSince(calendar.key, undefined);
      const items = await carolDav.getItems(
        calendar.key,
        delta.changed.map((c) => c.name),
      );
      // RFC 5545 3.1: long content lines are folded.
      const event = items.find((i) => i.text.includes(`UID:${uid}`))?.text.replace(/\r?\n[ \t]/g, '');
      expect(event).toMatch(/ATTENDEE[^\n]*PARTSTAT=ACCEPTED[^\n]*carol@example\.test/);
      expect(event).not.toContain('METHOD:');

      let replies = 0;
      for (let i = 0; i < 50 && replies === 0; i++) {
        replies = await repliesInBob();
        if (replies === 0) await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500)); // a second reply would have arrived by now
      expect(await repliesInBob()).toBe(1);
    },
  );

  it('answers Status 2 for a mail that is no invitation', async () => {
    const d = new MailDevice(gw.app, 'carol', '16.1');
    await d.onboard();
    const res = await d.call(
      'MeetingResponse',
      el(
        'MeetingResponse:MeetingResponse',
        el(
          'MeetingResponse:Request',
          el('MeetingResponse:UserResponse', 1),
          el('MeetingResponse:CollectionId', d.idOf('Inbox')),
          el('MeetingResponse:RequestId', `${d.idOf('Inbox')}:999999`),
        ),
      ),
    );
    expect(childText(elements(res.body!, 'MeetingResponse:Result')[0]!, 'MeetingResponse:Status')).toBe('2');
  });

  itWith(
    ['smtpDelivery'],
    'mails an invitation to the attendees of a meeting the phone creates',
    async () => {
      const subject = `Planning ${tag}`;
      await addMeetingOnPhone(gw, `meeting-${tag}`, subject, '20261215');
      let found = 0;
      for (let i = 0; i < 50 && found === 0; i++) {
        await bobImap.mailboxOpen('INBOX');
        const hits = await bobImap.search({ subject: `Invitation: ${subject}` }, { uid: true });
        found = Array.isArray(hits) ? hits.length : 0;
        if (found === 0) await new Promise((res) => setTimeout(res, 100));
      }
      expect(found).toBe(1);
    },
  );

  it('leaves meeting mail to a CalDAV server that schedules (RFC 6638 calendar-auto-schedule)', async () => {
    const submitted: string[] = [];
    const scheduling = await realGateway({
      userBackends: (base) => ({
        ...base,
        calendarScheduling: { schedulesMeetings: async () => true },
        submitter: {
          submit: async (message) => {
            submitted.push(Buffer.from(message).toString('utf8'));
          },
        },
      }),
    });
    try {
      await addMeetingOnPhone(scheduling, `scheduled-${tag}`, `Scheduled by the server ${tag}`, '20261216');
      expect(submitted).toEqual([]);
    } finally {
      await scheduling.close();
    }
  });
});

/** Carol's 16.1 phone adds a meeting with bob as required attendee to her test calendar. */
async function addMeetingOnPhone(
  on: RealGateway,
  clientId: string,
  subject: string,
  day: string,
): Promise<void> {
  const d = new MailDevice(on.app, 'carol', '16.1');
  await d.onboard();
  const id = d.folders.get(calendar.name)!;
  const { syncKey } = await d.initialSync(id);
  const add = el(
    'AirSync:Add',
    el('AirSync:ClientId', clientId),
    el(
      'AirSync:ApplicationData',
      el('Calendar:StartTime', `${day}T100000Z`),
      el('Calendar:EndTime', `${day}T110000Z`),
      el('Calendar:Subject', subject),
      el('Calendar:MeetingStatus', 1),
      el(
        'Calendar:Attendees',
        el(
          'Calendar:Attendee',
          el('Calendar:Email', 'bob@example.test'),
          el('Calendar:Name', 'Bob Example'),
          el('Calendar:AttendeeType', 1),
        ),
      ),
    ),
  );
  const r = await d.sync([{ syncKey, collectionId: id, commands: [add] }]);
  expect(childText(r.collections.get(id)!.responses[0]!, 'AirSync:Status')).toBe('1');
}
