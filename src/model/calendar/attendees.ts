import ICAL from 'ical.js';
import { childText, el, elements, type WbxmlElement } from '../../wbxml/index.js';
import { addressOf, sameAddress, type Component, type Property } from './icalendar.js';

// MS-ASCAL 2.2.2.3 Attendees ⇄ ATTENDEE (RFC 5545 3.8.4.1) with PARTSTAT, ROLE and CUTYPE;
// OrganizerName/OrganizerEmail ⇄ ORGANIZER.

/** MS-ASCAL 2.2.2.5 AttendeeStatus ⇄ PARTSTAT. */
const STATUS_OF_PARTSTAT: Readonly<Record<string, number>> = {
  ACCEPTED: 3,
  TENTATIVE: 2,
  DECLINED: 4,
  'NEEDS-ACTION': 5,
};
const PARTSTAT_OF_STATUS: Readonly<Record<number, string>> = {
  2: 'TENTATIVE',
  3: 'ACCEPTED',
  4: 'DECLINED',
  5: 'NEEDS-ACTION',
};

/** MS-ASCAL 2.2.2.6 AttendeeType: 1 required, 2 optional, 3 resource. */
function typeOf(p: Property): number {
  const cutype = String(p.getFirstParameter('cutype') ?? '').toUpperCase();
  if (cutype === 'RESOURCE' || cutype === 'ROOM') return 3;
  const role = String(p.getFirstParameter('role') ?? '').toUpperCase();
  return role === 'OPT-PARTICIPANT' || role === 'NON-PARTICIPANT' ? 2 : 1;
}

export function statusOf(p: Property): number {
  return STATUS_OF_PARTSTAT[String(p.getFirstParameter('partstat') ?? '').toUpperCase()] ?? 0;
}

export interface Attendee {
  readonly email: string;
  readonly name: string | undefined;
  readonly status: number;
  readonly type: number;
}

export function attendeesOf(comp: Component): Attendee[] {
  return comp.getAllProperties('attendee').map((p) => {
    const cn = p.getFirstParameter('cn');
    return {
      email: addressOf(p.getFirstValue()),
      name: typeof cn === 'string' && cn !== '' ? cn : undefined,
      status: statusOf(p),
      type: typeOf(p),
    };
  });
}

export function renderAttendees(list: readonly Attendee[]): WbxmlElement | undefined {
  if (list.length === 0) return undefined;
  return el(
    'Calendar:Attendees',
    list.map((a) =>
      el(
        'Calendar:Attendee',
        el('Calendar:Email', a.email),
        el('Calendar:Name', a.name ?? a.email),
        el('Calendar:AttendeeStatus', a.status),
        el('Calendar:AttendeeType', a.type),
      ),
    ),
  );
}

export function parseAttendees(e: WbxmlElement): Attendee[] {
  return elements(e, 'Calendar:Attendee').map((a) => {
    const email = (childText(a, 'Calendar:Email') ?? '').trim();
    const name = childText(a, 'Calendar:Name')?.trim();
    return {
      email,
      name: name === '' ? undefined : name,
      status: Number(childText(a, 'Calendar:AttendeeStatus') ?? 0) || 0,
      type: Number(childText(a, 'Calendar:AttendeeType') ?? 1) || 1,
    };
  });
}

function setRoleAndType(p: Property, type: number): void {
  if (type === 3) {
    p.setParameter('cutype', 'RESOURCE');
    p.setParameter('role', 'NON-PARTICIPANT');
  } else {
    if (String(p.getFirstParameter('cutype') ?? '').toUpperCase() === 'RESOURCE') p.removeParameter('cutype');
    p.setParameter('role', type === 2 ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
  }
}

/**
 * The device's attendee list is the whole list: attendees it left out go, new ones come with
 * PARTSTAT=NEEDS-ACTION; for the others only what differs from what we rendered changes.
 */
export function applyAttendees(comp: Component, sent: readonly Attendee[]): void {
  const existing = [...comp.getAllProperties('attendee')];
  const wanted = sent.filter((a) => a.email !== '');
  for (const p of existing)
    if (!wanted.some((a) => sameAddress(a.email, String(p.getFirstValue())))) comp.removeProperty(p);
  for (const a of wanted) {
    let p = existing.find((q) => sameAddress(a.email, String(q.getFirstValue())));
    if (!p) {
      p = new ICAL.Property('attendee');
      p.setValue(`mailto:${a.email}`);
      p.setParameter('partstat', PARTSTAT_OF_STATUS[a.status] ?? 'NEEDS-ACTION');
      p.setParameter('rsvp', 'TRUE');
      setRoleAndType(p, a.type);
      if (a.name && a.name !== a.email) p.setParameter('cn', a.name);
      comp.addProperty(p);
      continue;
    }
    const cn = p.getFirstParameter('cn');
    if (
      a.name !== undefined &&
      a.name !== (typeof cn === 'string' && cn !== '' ? cn : addressOf(p.getFirstValue()))
    )
      p.setParameter('cn', a.name);
    if (a.status !== 0 && a.status !== statusOf(p) && PARTSTAT_OF_STATUS[a.status])
      p.setParameter('partstat', PARTSTAT_OF_STATUS[a.status]!);
    if (a.type !== typeOf(p)) setRoleAndType(p, a.type);
  }
}

export function organizerOf(comp: Component): { email: string; name: string | undefined } | undefined {
  const p = comp.getFirstProperty('organizer');
  if (!p) return undefined;
  const cn = p.getFirstParameter('cn');
  return { email: addressOf(p.getFirstValue()), name: typeof cn === 'string' && cn !== '' ? cn : undefined };
}

export function setOrganizer(comp: Component, email: string, name: string | undefined): void {
  const current = organizerOf(comp);
  if (current && sameAddress(current.email, email) && (name === undefined || name === current.name)) return;
  comp.removeAllProperties('organizer');
  const p = new ICAL.Property('organizer');
  p.setValue(`mailto:${email}`);
  if (name) p.setParameter('cn', name);
  comp.addProperty(p);
}

/** The ATTENDEE of one of the user's addresses. */
export function userAttendee(comp: Component, user: readonly string[]): Property | undefined {
  return comp
    .getAllProperties('attendee')
    .find((p) => user.some((u) => sameAddress(u, String(p.getFirstValue()))));
}

export const PARTSTAT_OF_RESPONSE: Readonly<Record<number, string>> = PARTSTAT_OF_STATUS;
