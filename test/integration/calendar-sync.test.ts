import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavCollectionStore } from '../../src/backends/dav/index.js';
import type { DavCollection } from '../../src/backends/types.js';
import { timeZoneBlob } from '../../src/model/calendar/time-zone.js';
import { ianaZone } from '../../src/model/calendar/zones.js';
import { child, childText, el, elements, type WbxmlElement } from '../../src/wbxml/index.js';
import { writeFolderOptions } from '../../src/sync/folder-options.js';
import { MailDevice } from '../support/mail-sync.js';
import { realGateway, type RealGateway } from '../support/real-gateway.js';
import { testBackends } from '../support/backend-matrix.js';

// Calendars and tasks Sync against Radicale: alice's seeded calendars read as they are (several
// calendars as several folders, a weekly series across DST with a deleted and a moved occurrence),
// and bob's own test calendar and task list written through devices of 14.1 and 16.1.

const davUrl = testBackends().davUrl;
const bobDav = new DavCollectionStore(
  { baseUrl: davUrl, kinds: ['calendar', 'tasks'] },
  { user: 'bob', password: 'password' },
);

let gw: RealGateway;
let cal: DavCollection;
let tasks: DavCollection;
const tag = randomBytes(3).toString('hex');

beforeAll(async () => {
  gw = await realGateway({ davPollSeconds: 1 });
  cal = await bobDav.createCollection('calendar', `Test cal ${tag}`);
  tasks = await bobDav.createCollection('tasks', `Test tasks ${tag}`);
});

afterAll(async () => {
  await bobDav.deleteCollection(cal.key).catch(() => undefined);
  await bobDav.deleteCollection(tasks.key).catch(() => undefined);
  await gw?.close();
});

const CALENDAR = 8;
const USER_CALENDAR = 13;
const TASKS = 7;
const USER_TASKS = 15;
const BERLIN = timeZoneBlob(ianaZone('Europe/Berlin')!, 2026);
const KOLKATA = timeZoneBlob(ianaZone('Asia/Kolkata')!, 2026);

const text = (data: WbxmlElement, tagName: string): string | undefined =>
  childText(data, tagName as 'Calendar:Subject');

async function device(user: string, version: string): Promise<MailDevice> {
  const d = new MailDevice(gw.app, user, version);
  await d.onboard();
  return d;
}

/**
 * The calendar (or, for the test task list, the tasks) folder of that name: a collection that does
 * not say which components it takes (Xandikos) is listed as both.
 */
function folderOf(d: MailDevice, name: string): string {
  return name === tasks.name
    ? d.idNamed(name, [TASKS, USER_TASKS])
    : d.idNamed(name, [CALENDAR, USER_CALENDAR]);
}

/** alice's seeded "Calendar": the default folder on Radicale; Cyrus and Xandikos bring a default of their own. */
const seededCalendar = (d: MailDevice): string => d.idNamed('Calendar', [CALENDAR, USER_CALENDAR]);

describe('Calendar Sync over CalDAV', () => {
  it("shows alice's calendars as several folders and her weekly series with its exceptions", async () => {
    const d = await device('alice', '14.1');
    const calendars = [...d.idsOfType(CALENDAR), ...d.idsOfType(USER_CALENDAR)];
    expect(d.idsOfType(CALENDAR)).toHaveLength(1);
    expect(calendars.length).toBeGreaterThanOrEqual(2);
    const { adds } = await d.initialSync(seededCalendar(d));
    const standup = adds.find((a) => /standup/i.test(text(a.data, 'Calendar:Subject') ?? ''));
    expect(standup).toBeDefined();
    const data = standup!.data;
    const recurrence = child(data, 'Calendar:Recurrence')!;
    expect(childText(recurrence, 'Calendar:Type')).toBe('1');
    expect(childText(recurrence, 'Calendar:DayOfWeek')).toBe('2'); // Monday
    const exceptions = elements(child(data, 'Calendar:Exceptions')!, 'Calendar:Exception');
    expect(exceptions).toHaveLength(2);
    expect(exceptions.some((e) => childText(e, 'Calendar:Deleted') === '1')).toBe(true);
    // Berlin in winter: 09:00 local is 08:00Z on 2025-01-06.
    expect(text(data, 'Calendar:StartTime')).toMatch(/^20250106T0[78]/);
    expect(text(data, 'Calendar:Timezone')).not.toBe(Buffer.alloc(172).toString('base64'));
  });

  it('keeps out events that ended before the FilterType window', async () => {
    const d = await device('alice', '14.1');
    const { adds } = await d.initialSync(seededCalendar(d), { filterType: 4 });
    const subjects = adds.map((a) => text(a.data, 'Calendar:Subject'));
    expect(subjects.some((s) => /standup/i.test(s ?? ''))).toBe(true); // a series without end
    expect(subjects.some((s) => /holiday/i.test(s ?? ''))).toBe(false); // 2025-03-14
  });

  for (const version of ['14.1', '16.1']) {
    it(`stores an event a ${version} device adds and gives the same fields back (device → server → device)`, async () => {
      const d = await device('bob', version);
      const id = folderOf(d, cal.name);
      const { syncKey } = await d.initialSync(id);
      const v16 = version.startsWith('16');
      const fields: WbxmlElement[] = [
        el('Calendar:Timezone', BERLIN),
        el('Calendar:StartTime', '20260330T070000Z'), // after the spring change: 09:00 CEST
        el('Calendar:EndTime', '20260330T080000Z'),
        el('Calendar:Subject', `Weekly ${version}`),
        v16
          ? el('AirSyncBase:Location', el('AirSyncBase:DisplayName', 'Room 1'))
          : el('Calendar:Location', 'Room 1'),
        el('Calendar:Sensitivity', 2),
        el('Calendar:BusyStatus', 2),
        el('Calendar:AllDayEvent', 0),
        el('Calendar:Reminder', 15),
        el('Calendar:MeetingStatus', 0),
        el(
          'Calendar:Recurrence',
          el('Calendar:Type', 1),
          el('Calendar:Interval', 1),
          el('Calendar:DayOfWeek', 2),
          el('Calendar:Occurrences', 10),
        ),
        el('Calendar:Categories', el('Calendar:Category', 'Team')),
      ];
      const add = el(
        'AirSync:Add',
        el('AirSync:ClientId', `c-${version}`),
        el('AirSync:ApplicationData', fields),
      );
      const r = await d.sync([{ syncKey, collectionId: id, commands: [add] }]);
      const response = r.collections.get(id)!.responses[0]!;
      expect(childText(response, 'AirSync:Status')).toBe('1');

      const stored = await bobDav.getItems(
        cal.key,
        (await bobDav.changesSince(cal.key, undefined)).changed.map((c) => c.name),
      );
      const ics = stored.find((i) => i.text.includes(`Weekly ${version}`))!.text;
      expect(ics).toMatch(/DTSTART;TZID=[^:]*:20260330T090000/);
      expect(ics).toMatch(/RRULE:[^\r\n]*FREQ=WEEKLY/);
      expect(ics).toMatch(/CLASS:PRIVATE/);
      expect(ics).toMatch(/TRIGGER[^:]*:-PT15M/);

      const other = await device('bob', version);
      const { adds } = await other.initialSync(folderOf(other, cal.name));
      const back = adds.find((a) => text(a.data, 'Calendar:Subject') === `Weekly ${version}`)!.data;
      for (const t of [
        'Calendar:StartTime',
        'Calendar:EndTime',
        'Calendar:Sensitivity',
        'Calendar:BusyStatus',
        'Calendar:Reminder',
      ])
        expect(text(back, t), t).toBe(
          childText(el('X:Y' as 'Calendar:Subject', fields), t as 'Calendar:Subject'),
        );
      expect(text(back, 'Calendar:Timezone')).toBe(BERLIN);
      const rec = child(back, 'Calendar:Recurrence')!;
      expect([
        childText(rec, 'Calendar:Type'),
        childText(rec, 'Calendar:DayOfWeek'),
        childText(rec, 'Calendar:Occurrences'),
      ]).toEqual(['1', '2', '10']);
      expect(childText(child(back, 'Calendar:Categories')!, 'Calendar:Category')).toBe('Team');
    });
  }

  it('applies a device change to one event in Asia/Kolkata and keeps what the device did not touch', async () => {
    const d = await device('bob', '14.1');
    const id = folderOf(d, cal.name);
    let { syncKey } = await d.initialSync(id);
    const uid = `k-${tag}-${randomBytes(2).toString('hex')}`;
    await bobDav.putItem(
      cal.key,
      `${uid}.ics`,
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        // With a bare TZID, Radicale 3.1.8 (vobject) writes its own VTIMEZONE, at +0500 for Kolkata.
        'BEGIN:VTIMEZONE',
        'TZID:Asia/Kolkata',
        'BEGIN:STANDARD',
        'DTSTART:19700101T000000',
        'TZOFFSETFROM:+0530',
        'TZOFFSETTO:+0530',
        'TZNAME:IST',
        'END:STANDARD',
        'END:VTIMEZONE',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        'DTSTART;TZID=Asia/Kolkata:20261105T100000',
        'DTEND;TZID=Asia/Kolkata:20261105T110000',
        'SUMMARY:Kolkata call',
        'X-CUSTOM-PROP:keep me',
        'URL:https://example.test/call',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
      { ifNoneMatch: '*' },
    );
    let r = await d.sync([{ syncKey, collectionId: id }]);
    const added = r.collections
      .get(id)!
      .adds.find((a) => text(a.data, 'Calendar:Subject') === 'Kolkata call')!;
    expect(text(added.data, 'Calendar:StartTime')).toBe('20261105T043000Z');
    expect(text(added.data, 'Calendar:Timezone')).toBe(KOLKATA);
    syncKey = r.collections.get(id)!.syncKey!;
    // The device moves it one hour later and renames it, sending back what it holds.
    const changed = el(
      'AirSync:ApplicationData',
      added.data.children.map((c) =>
        typeof c === 'object' && 'tag' in c && c.tag === 'Calendar:StartTime'
          ? el('Calendar:StartTime', '20261105T053000Z')
          : typeof c === 'object' && 'tag' in c && c.tag === 'Calendar:EndTime'
            ? el('Calendar:EndTime', '20261105T063000Z')
            : typeof c === 'object' && 'tag' in c && c.tag === 'Calendar:Subject'
              ? el('Calendar:Subject', 'Kolkata call (moved)')
              : c,
      ),
    );
    r = await d.sync([
      {
        syncKey,
        collectionId: id,
        commands: [el('AirSync:Change', el('AirSync:ServerId', added.serverId), changed)],
      },
    ]);
    expect(r.collections.get(id)!.responses).toHaveLength(0);
    const [stored] = await bobDav.getItems(cal.key, [`${uid}.ics`]);
    expect(stored!.text).toMatch(/DTSTART;TZID=Asia\/Kolkata:20261105T110000/);
    expect(stored!.text).toContain('X-CUSTOM-PROP:keep me');
    expect(stored!.text).toContain('URL:https://example.test/call');
    expect(stored!.text).toContain('SUMMARY:Kolkata call (moved)');
  });

  it('deletes one occurrence of a series on a 16.1 Delete with InstanceId', async () => {
    const d = await device('bob', '16.1');
    const id = folderOf(d, cal.name);
    let { syncKey } = await d.initialSync(id);
    const uid = `s-${tag}-${randomBytes(2).toString('hex')}`;
    await bobDav.putItem(
      cal.key,
      `${uid}.ics`,
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20260101T000000Z',
        'DTSTART:20261102T090000Z',
        'DTEND:20261102T093000Z',
        'RRULE:FREQ=DAILY;COUNT=5',
        'SUMMARY:Daily',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
      { ifNoneMatch: '*' },
    );
    let r = await d.sync([{ syncKey, collectionId: id }]);
    const serverId = r.collections
      .get(id)!
      .adds.find((a) => text(a.data, 'Calendar:Subject') === 'Daily')!.serverId;
    syncKey = r.collections.get(id)!.syncKey!;
    const del = el(
      'AirSync:Delete',
      el('AirSync:ServerId', serverId),
      el('AirSyncBase:InstanceId', '2026-11-04T09:00:00.000Z'),
    );
    r = await d.sync([{ syncKey, collectionId: id, commands: [del] }]);
    expect(r.collections.get(id)?.responses ?? []).toHaveLength(0);
    const [stored] = await bobDav.getItems(cal.key, [`${uid}.ics`]);
    expect(stored!.text).toMatch(/EXDATE[^:]*:20261104T090000Z/);
  });

  it('stores a task with a due date and sends completed state back', async () => {
    const d = await device('bob', '14.1');
    const id = folderOf(d, tasks.name);
    const { syncKey } = await d.initialSync(id);
    const add = el(
      'AirSync:Add',
      el('AirSync:ClientId', 'task-1'),
      el(
        'AirSync:ApplicationData',
        el('Tasks:Subject', `File taxes ${tag}`),
        el('Tasks:Importance', 2),
        el('Tasks:UtcDueDate', '2026-12-01T08:00:00.000Z'),
        el('Tasks:DueDate', '2026-12-01T09:00:00.000Z'),
        el('Tasks:Complete', 0),
      ),
    );
    const r = await d.sync([{ syncKey, collectionId: id, commands: [add] }]);
    expect(childText(r.collections.get(id)!.responses[0]!, 'AirSync:Status')).toBe('1');
    const all = await bobDav.getItems(
      tasks.key,
      (await bobDav.changesSince(tasks.key, undefined)).changed.map((c) => c.name),
    );
    const todo = all.find((i) => i.text.includes(`File taxes ${tag}`))!.text;
    expect(todo).toContain('BEGIN:VTODO');
    expect(todo).toMatch(/PRIORITY:1\b/);
    expect(todo).toMatch(/DUE[^:]*:20261201/);

    const other = await device('bob', '14.1');
    const back = (await other.initialSync(folderOf(other, tasks.name))).adds.find(
      (a) => childText(a.data, 'Tasks:Subject') === `File taxes ${tag}`,
    )!.data;
    expect(childText(back, 'Tasks:UtcDueDate')).toBe('2026-12-01T08:00:00.000Z');
    expect(childText(back, 'Tasks:Importance')).toBe('2');
  });

  it('wakes a Ping on the calendar folder when an event changes on the server', async () => {
    const d = await device('bob', '14.1');
    const id = folderOf(d, cal.name);
    await d.initialSync(id);
    const pending = d.call(
      'Ping',
      el(
        'Ping:Ping',
        el('Ping:HeartbeatInterval', 120),
        el('Ping:Folders', el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', 'Calendar'))),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const uid = `p-${tag}-${randomBytes(2).toString('hex')}`;
    await bobDav.putItem(
      cal.key,
      `${uid}.ics`,
      `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T110000Z\r\nSUMMARY:Ping me\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
      { ifNoneMatch: '*' },
    );
    const res = await pending;
    expect(childText(res.body!, 'Ping:Status')).toBe('2');
    expect(
      elements(child(res.body!, 'Ping:Folders')!, 'Ping:Folder').map((f) => f.children.join('')),
    ).toEqual([id]);
  });

  it('shows all calendars as one folder to a device set to merge them', async () => {
    const d = await device('alice', '14.1');
    await writeFolderOptions(
      gw.state,
      { user: 'alice@example.test', deviceId: d.deviceId },
      { merge: ['calendar'] },
    );
    await d.folderSync();
    expect(d.idsOfType(CALENDAR)).toHaveLength(1);
    expect(d.idsOfType(USER_CALENDAR)).toHaveLength(0);
    const { adds } = await d.initialSync(d.idsOfType(CALENDAR)[0]!);
    const subjects = adds.map((a) => text(a.data, 'Calendar:Subject') ?? '');
    expect(subjects.some((s) => /standup/i.test(s))).toBe(true); // from /alice/calendar/
    expect(subjects.some((s) => /sprint/i.test(s))).toBe(true); // from /alice/work/
  });
});
