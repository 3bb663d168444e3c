// Value tables between EAS enumerations and iCalendar properties.

/** MS-ASCAL 2.2.2.40 / MS-ASTASK 2.2.2.26 Sensitivity ⇄ CLASS (RFC 5545 3.8.1.3). */
export const CLASS_OF_SENSITIVITY: Readonly<Record<number, string>> = {
  0: 'PUBLIC',
  // RFC 5545 has no "personal"; readers that do not know an x-name treat it as PRIVATE.
  1: 'X-PERSONAL',
  2: 'PRIVATE',
  3: 'CONFIDENTIAL',
};

export function sensitivityOfClass(cls: string | undefined): number {
  switch ((cls ?? '').trim().toUpperCase()) {
    case 'X-PERSONAL':
      return 1;
    case 'PRIVATE':
      return 2;
    case 'CONFIDENTIAL':
      return 3;
    default:
      return 0;
  }
}

/**
 * MS-ASCAL 2.2.2.10 BusyStatus ⇄ X-MICROSOFT-CDO-BUSYSTATUS (MS-OXCICAL 2.1.3.1.1.20.18) and
 * TRANSP (RFC 5545 3.8.2.7). 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
 */
export const CDO_OF_BUSY: Readonly<Record<number, string>> = {
  0: 'FREE',
  1: 'TENTATIVE',
  2: 'BUSY',
  3: 'OOF',
  4: 'WORKINGELSEWHERE',
};

export const BUSY_OF_CDO: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(CDO_OF_BUSY).map(([k, v]) => [v, Number(k)]),
);

/** MS-ASCAL 2.2.2.29 MeetingStatus values: cancelled ones name a meeting with STATUS:CANCELLED. */
export const MEETING_STATUS = {
  appointment: 0,
  organizer: 1,
  received: 3,
  organizerCancelled: 5,
  receivedCancelled: 7,
} as const;

export const CANCELLED_MEETING_STATUS: ReadonlySet<number> = new Set([5, 7, 13, 15]);

/** MS-ASCAL 2.2.2.39 ResponseType ⇄ the user's PARTSTAT. 1 = the user organizes. */
export const RESPONSE_OF_PARTSTAT: Readonly<Record<string, number>> = {
  TENTATIVE: 2,
  ACCEPTED: 3,
  DECLINED: 4,
  'NEEDS-ACTION': 5,
};

/** MS-ASTASK 2.2.2.14 Importance ⇄ PRIORITY (RFC 5545 3.8.1.9: 1-4 high, 5 medium, 6-9 low, 0 undefined). */
export function importanceOfPriority(priority: number | undefined): number {
  if (priority === undefined || priority === 0 || priority === 5) return 1;
  return priority < 5 ? 2 : 0;
}

export const PRIORITY_OF_IMPORTANCE: Readonly<Record<number, number>> = { 0: 9, 1: 5, 2: 1 };

// Properties we keep EAS-only facts in (no iCalendar equivalent).
export const X_REPLY_TIME = 'x-eas-appointment-reply-time';
export const X_DISALLOW_COUNTER = 'x-microsoft-disallow-counter';
export const X_CONF_LINK = 'x-microsoft-onlinemeetingconflink';
export const X_EXTERNAL_LINK = 'x-microsoft-onlinemeetingexternallink';
export const X_BUSY_STATUS = 'x-microsoft-cdo-busystatus';
export const X_TASK_REGENERATE = 'x-eas-task-regenerate';
export const X_TASK_DEAD_OCCUR = 'x-eas-task-deadoccur';
