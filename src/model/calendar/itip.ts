import ICAL from 'ical.js';
import { ItemSourceError, type ItemApplyOptions, type StoredItem } from '../item-codec.js';
import { organizerOf } from './attendees.js';
import { isoUtc, parseEasDate } from './dates.js';
import { asDataError, serialize } from './event-codec.js';
import { overrideFor, type ApplyContext } from './event-apply.js';
import { X_REPLY_TIME } from './fields.js';
import {
  addressOf,
  cloneComponent,
  cloneProperty,
  findVtimezoneNames,
  newCalendar,
  parseCalendar,
  sameAddress,
  setStamp,
  splitComponents,
  textOf,
  type Component,
  type Property,
} from './icalendar.js';

// iTIP (RFC 5546) for meetings: the reply when the user answers an invitation (MS-ASCMD
// MeetingResponse), the event an iMIP invitation becomes, and the messages the organizer's own
// changes call for.

export interface MeetingReplyInput {
  /** The user's e-mail address. */
  readonly attendee: string;
  /** MS-ASCMD 2.2.3.185 UserResponse: 1 accepted, 2 tentative, 3 declined. */
  readonly response: 1 | 2 | 3;
  /** One occurrence of a series (MS-ASCMD 2.2.3.89), Compact DateTime or dateTime. */
  readonly instanceId?: string;
  readonly proposedStart?: Date;
  readonly proposedEnd?: Date;
  readonly comment?: string;
  readonly now: Date;
}

export interface MeetingReply {
  /** The stored event with the user's PARTSTAT set (also when declined: the caller decides). */
  readonly updated: string;
  /** VCALENDAR METHOD:REPLY with only the user's ATTENDEE. */
  readonly reply: string;
  /** The organizer's address, mailto: stripped. */
  readonly organizer: string | undefined;
  readonly summary: string;
  readonly uid: string;
}

const PARTSTAT_OF_USER_RESPONSE: Readonly<Record<1 | 2 | 3, string>> = {
  1: 'ACCEPTED',
  2: 'TENTATIVE',
  3: 'DECLINED',
};

function mainEvent(cal: Component): { master: Component | undefined; main: Component } {
  const { master, overrides } = splitComponents(cal, 'vevent');
  const main = master ?? overrides[0];
  if (!main) throw new ItemSourceError('iCalendar object without VEVENT');
  return { master, main };
}

/** The user's ATTENDEE, added when the invitation reached the user by a list address. */
function attendeeFor(comp: Component, address: string): Property {
  const found = comp
    .getAllProperties('attendee')
    .find((p) => sameAddress(String(p.getFirstValue()), address));
  if (found) return found;
  const p = new ICAL.Property('attendee');
  p.setValue(`mailto:${addressOf(address)}`);
  comp.addProperty(p);
  return p;
}

/** Copies the VTIMEZONEs the given components refer to. */
function copyZones(from: Component, to: Component, comps: readonly Component[]): void {
  for (const name of findVtimezoneNames(comps))
    for (const vtz of from.getAllSubcomponents('vtimezone'))
      if (String(vtz.getFirstPropertyValue('tzid') ?? '').trim() === name)
        to.addSubcomponent(cloneComponent(vtz));
}

export function meetingReply(source: string, input: MeetingReplyInput): MeetingReply {
  const cal = parseCalendar(source);
  const { master, main } = mainEvent(cal);
  const now = input.now.getTime();
  const partstat = PARTSTAT_OF_USER_RESPONSE[input.response];
  return asDataError(() => {
    let target = main;
    if (input.instanceId !== undefined && master && master.hasProperty('rrule')) {
      const ctx: ApplyContext = { cal, user: [input.attendee], versionRank: 161, now };
      target = overrideFor(ctx, master, parseEasDate(input.instanceId, 'InstanceId'));
    }
    const mine = attendeeFor(target, input.attendee);
    mine.setParameter('partstat', partstat);
    mine.removeParameter('rsvp');
    setStamp(target, X_REPLY_TIME, now);
    const updated = serialize(cal);

    const reply = newCalendar();
    reply.addPropertyWithValue('method', 'REPLY');
    const event = new ICAL.Component('vevent');
    // RFC 5546 3.2.3: REPLY carries ATTENDEE, DTSTAMP, ORGANIZER, UID, RECURRENCE-ID, SEQUENCE.
    for (const name of [
      'uid',
      'recurrence-id',
      'sequence',
      'organizer',
      'dtstart',
      'dtend',
      'duration',
      'summary',
    ])
      for (const p of target.getAllProperties(name)) event.addProperty(cloneProperty(p));
    const answer = cloneProperty(mine);
    event.addProperty(answer);
    setStamp(event, 'dtstamp', now);
    const comment = [
      input.comment?.trim(),
      input.proposedStart && input.proposedEnd
        ? `Proposed new time: ${isoUtc(input.proposedStart.getTime())} - ${isoUtc(input.proposedEnd.getTime())}`
        : undefined,
    ].filter((s) => s !== undefined && s !== '');
    if (comment.length > 0) event.addPropertyWithValue('comment', comment.join('\n\n'));
    copyZones(cal, reply, [event]);
    reply.addSubcomponent(event);
    const organizer = organizerOf(target)?.email;
    return {
      updated,
      reply: serialize(reply),
      organizer: organizer === '' ? undefined : organizer,
      summary: textOf(main, 'summary') ?? '',
      uid: textOf(main, 'uid') ?? '',
    };
  });
}

/** The object to store for an iMIP invitation (METHOD:REQUEST): METHOD gone, VTIMEZONEs kept. */
export function invitationEvent(ics: string, options: ItemApplyOptions): StoredItem {
  const cal = parseCalendar(ics);
  const { main } = mainEvent(cal);
  cal.removeAllProperties('method');
  if (!cal.hasProperty('version')) cal.addPropertyWithValue('version', '2.0');
  if (!cal.hasProperty('prodid')) cal.addPropertyWithValue('prodid', '-//eas-gateway//EN');
  const uid = textOf(main, 'uid') || options.newUid();
  for (const c of cal.getAllSubcomponents('vevent'))
    if (!textOf(c, 'uid')) c.addPropertyWithValue('uid', uid);
  return { text: serialize(cal), uid };
}

export interface MeetingMessage {
  readonly method: 'REQUEST' | 'CANCEL';
  /** Addresses, mailto: stripped. */
  readonly recipients: string[];
  readonly ics: string;
  readonly summary: string;
}

function attendeeSet(cal: Component | undefined, organizer: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!cal) return out;
  for (const c of cal.getAllSubcomponents('vevent'))
    for (const p of c.getAllProperties('attendee')) {
      const a = addressOf(p.getFirstValue());
      if (a !== '' && !sameAddress(a, organizer)) out.set(a.toLowerCase(), a);
    }
  return out;
}

/** What of a meeting attendees must hear about (RFC 5546 2.1.4): times, recurrence, place. */
function scheduleSignature(cal: Component): string {
  const parts: string[] = [];
  for (const c of cal.getAllSubcomponents('vevent')) {
    const props = [
      'recurrence-id',
      'dtstart',
      'dtend',
      'duration',
      'rrule',
      'rdate',
      'exdate',
      'location',
      'status',
    ]
      .flatMap((n) => c.getAllProperties(n))
      .map((p) => p.toICALString());
    parts.push(props.join('|'));
  }
  return parts.sort().join('\n');
}

/** The user organizes a meeting with an ORGANIZER of theirs or none at all (created on the device). */
function organizedBy(cal: Component, organizer: string): boolean {
  const { main } = mainEvent(cal);
  const org = organizerOf(main);
  return org === undefined || sameAddress(org.email, organizer);
}

function withOrganizer(comp: Component, organizer: string): void {
  if (comp.hasProperty('organizer')) return;
  const p = new ICAL.Property('organizer');
  p.setValue(`mailto:${addressOf(organizer)}`);
  comp.addProperty(p);
}

const PRIVATE_PROPERTIES = /^x-eas-/i;

function requestIcs(after: Component, organizer: string): string {
  const cal = cloneComponent(after);
  cal.removeAllProperties('method');
  cal.addPropertyWithValue('method', 'REQUEST');
  for (const c of cal.getAllSubcomponents('vevent')) {
    withOrganizer(c, organizer);
    // Alarms are the organizer's own (RFC 5546 leaves them out of what others receive).
    c.removeAllSubcomponents('valarm');
    for (const p of [...c.getAllProperties()]) if (PRIVATE_PROPERTIES.test(p.name)) c.removeProperty(p);
  }
  return serialize(cal);
}

function cancelIcs(
  source: Component,
  organizer: string,
  recipients: readonly string[],
  raise: boolean,
  now: number,
): string {
  const { main } = mainEvent(source);
  const cal = newCalendar();
  cal.addPropertyWithValue('method', 'CANCEL');
  const event = new ICAL.Component('vevent');
  for (const name of ['uid', 'organizer', 'dtstart', 'dtend', 'duration', 'rrule', 'summary'])
    for (const p of main.getAllProperties(name)) event.addProperty(cloneProperty(p));
  withOrganizer(event, organizer);
  for (const r of recipients) {
    const p = new ICAL.Property('attendee');
    p.setValue(`mailto:${r}`);
    event.addProperty(p);
  }
  // RFC 5546 3.2.5: a cancellation of the whole meeting raises SEQUENCE.
  const seq = (Number(textOf(main, 'sequence') ?? 0) || 0) + (raise ? 1 : 0);
  event.addPropertyWithValue('sequence', seq);
  event.addPropertyWithValue('status', 'CANCELLED');
  setStamp(event, 'dtstamp', now);
  copyZones(source, cal, [event]);
  cal.addSubcomponent(event);
  return serialize(cal);
}

/**
 * The iTIP mail the organizer sends after the device created (before undefined), changed or
 * deleted (after undefined) a meeting: new attendees or changed times → REQUEST to every attendee;
 * removed attendees or a deleted or cancelled meeting → CANCEL to those concerned. Empty when the
 * user is not the organizer or there are no attendees.
 */
export function meetingMessages(
  before: string | undefined,
  after: string | undefined,
  organizer: string,
  now: Date = new Date(),
): MeetingMessage[] {
  const b = before === undefined ? undefined : parseCalendar(before);
  const a = after === undefined ? undefined : parseCalendar(after);
  const ref = a ?? b;
  if (!ref || !organizedBy(ref, organizer)) return [];
  const summary = textOf(mainEvent(ref).main, 'summary') ?? '';
  const was = attendeeSet(b, organizer);
  const is = attendeeSet(a, organizer);
  const out: MeetingMessage[] = [];
  if (!a) {
    if (b && was.size > 0)
      out.push({
        method: 'CANCEL',
        recipients: [...was.values()],
        ics: cancelIcs(b, organizer, [...was.values()], true, now.getTime()),
        summary,
      });
    return out;
  }
  const cancelled = (textOf(mainEvent(a).main, 'status') ?? '').toUpperCase() === 'CANCELLED';
  if (cancelled) {
    if (is.size > 0)
      out.push({
        method: 'CANCEL',
        recipients: [...is.values()],
        ics: cancelIcs(a, organizer, [...is.values()], false, now.getTime()),
        summary,
      });
    return out;
  }
  const removed = [...was.entries()].filter(([k]) => !is.has(k)).map(([, v]) => v);
  if (removed.length > 0)
    out.push({
      method: 'CANCEL',
      recipients: removed,
      ics: cancelIcs(a, organizer, removed, false, now.getTime()),
      summary,
    });
  const added = [...is.keys()].some((k) => !was.has(k));
  const changed = b !== undefined && scheduleSignature(b) !== scheduleSignature(a);
  if (is.size > 0 && (b === undefined || added || changed))
    out.push({ method: 'REQUEST', recipients: [...is.values()], ics: requestIcs(a, organizer), summary });
  return out;
}
