import { BackendError } from '../backends/types.js';
import { meetingMessages } from '../model/calendar/index.js';
import { imipMessage } from '../model/imip.js';
import { prepareOutgoing } from '../model/outgoing.js';
import type { CommandContext } from './context.js';
import { submitMessage } from './mail-submission.js';

// RFC 6047 iMIP for meetings the user organizes from the phone: CalDAV servers without RFC 6638
// scheduling (Radicale) send no invitations, so the gateway mails REQUEST and CANCEL itself.
// One that schedules (it says so in OPTIONS, or the operator does with EAS_CALDAV_SCHEDULES)
// mails them itself, and a second copy from us would reach every attendee twice.

const SUBJECT_PREFIX = { REQUEST: 'Invitation', CANCEL: 'Cancelled' } as const;

/** Mails what the change from `before` to `after` calls for; a failure is logged, the event stays. */
export async function mailMeetingChanges(
  ctx: CommandContext,
  before: string | undefined,
  after: string | undefined,
): Promise<void> {
  if (ctx.backends.submitter === undefined) return;
  const now = ctx.now();
  const messages = meetingMessages(before, after, ctx.principal.email, now).filter(
    (m) => m.recipients.length > 0,
  );
  // Asked only when there is something to mail: most calendar writes are no meetings.
  if (messages.length === 0 || (await serverSchedules(ctx))) return;
  for (const m of messages) {
    const raw = imipMessage({
      from: ctx.principal.email,
      to: m.recipients,
      subject: `${SUBJECT_PREFIX[m.method]}: ${m.summary}`,
      text: `${SUBJECT_PREFIX[m.method]}: ${m.summary}`,
      ics: m.ics,
      method: m.method,
      now,
    });
    try {
      await submitMessage(ctx, prepareOutgoing(raw, { sender: ctx.principal.email, now }));
    } catch (err) {
      ctx.log.warn(
        { method: m.method, err: err instanceof Error ? err.message : String(err) },
        'meeting stored, but mailing the attendees failed',
      );
    }
  }
}

/** Whether the CalDAV server mails meeting messages itself (RFC 6638), so the gateway must not. */
export async function serverSchedules(ctx: CommandContext): Promise<boolean> {
  const setting = ctx.settings.caldavSchedules ?? 'auto';
  if (setting !== 'auto') return setting;
  const scheduling = ctx.backends.calendarScheduling;
  if (scheduling === undefined) return false;
  try {
    return await scheduling.schedulesMeetings(ctx.signal);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    ctx.log.warn(
      { err: err.message, kind: err.kind },
      'could not ask the CalDAV server whether it schedules meetings; the gateway mails them',
    );
    return false;
  }
}
