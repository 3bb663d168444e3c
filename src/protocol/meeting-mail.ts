import { meetingMessages } from '../model/calendar/index.js';
import { imipMessage } from '../model/imip.js';
import { prepareOutgoing } from '../model/outgoing.js';
import type { CommandContext } from './context.js';
import { submitMessage } from './mail-submission.js';

// RFC 6047 iMIP for meetings the user organizes from the phone: CalDAV servers without RFC 6638
// scheduling (Radicale) send no invitations, so the gateway mails REQUEST and CANCEL itself,
// unless the operator says the CalDAV server schedules (EAS_CALDAV_SCHEDULES=true).

const SUBJECT_PREFIX = { REQUEST: 'Invitation', CANCEL: 'Cancelled' } as const;

/** Mails what the change from `before` to `after` calls for; a failure is logged, the event stays. */
export async function mailMeetingChanges(
  ctx: CommandContext,
  before: string | undefined,
  after: string | undefined,
): Promise<void> {
  if (ctx.settings.caldavSchedules === true || ctx.backends.submitter === undefined) return;
  const now = ctx.now();
  for (const m of meetingMessages(before, after, ctx.principal.email, now)) {
    if (m.recipients.length === 0) continue;
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
