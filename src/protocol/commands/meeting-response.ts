import { randomUUID } from 'node:crypto';
import { BackendError, type DavItemStore } from '../../backends/types.js';
import { invitationEvent, meetingReply } from '../../model/calendar/index.js';
import { decodeTransferEncoding } from '../../model/email/index.js';
import { bytesToText } from '../../model/email/decode.js';
import { imipMessage } from '../../model/imip.js';
import { ItemDataError, ItemSourceError } from '../../model/item-codec.js';
import type { MimePart } from '../../model/mail-message.js';
import { prepareOutgoing } from '../../model/outgoing.js';
import { parseItemServerId } from '../../model/server-id.js';
import { readDavSnapshot } from '../../sync/dav-state.js';
import { byKey } from '../../sync/hierarchy.js';
import { collectionScope, loadKnown } from '../../sync/sync-state.js';
import { child, childText, el, elements, type WbxmlElement } from '../../wbxml/index.js';
import { optionalId, requireId } from '../ids.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resourceName } from '../dav-class.js';
import { resolveCollection } from '../mail-collection.js';
import { submitMessage } from '../mail-submission.js';
import { serverSchedules } from '../meeting-mail.js';
import { ProtocolError } from '../status.js';
import { readLastSyncKeys } from '../sync-cache.js';
import { atLeast } from '../version.js';

// MS-ASCMD 2.2.1.11 MeetingResponse: the user accepts, tentatively accepts or declines a meeting,
// named by the invitation mail in a mail folder or by the event in a calendar folder. The event
// lands in (or, declined, leaves) the user's default calendar with the user's PARTSTAT. Before
// 16.0 the device mails the reply itself (SendMail); from 16.0 we do, when SendResponse is there.

// MS-ASCMD 2.2.3.177.9 Status in MeetingResponse.
const MeetingResponseStatus = {
  Success: 1,
  InvalidMeetingRequest: 2,
  MailboxError: 3,
  ServerError: 4,
} as const;

/** The response last mailed per meeting and occurrence, so a retried request mails nothing new. */
const REPLY_SCOPE = 'meeting-replies';

interface ResponseRequest {
  readonly userResponse: 1 | 2 | 3;
  readonly collectionId: string;
  readonly requestId: string;
  readonly instanceId?: string;
  /** 16.x: present means "mail the organizer" (MS-ASCMD 2.2.3.163). */
  readonly sendResponse?: { body?: string; proposedStart?: Date; proposedEnd?: Date };
}

interface ResponseResult {
  readonly requestId: string;
  readonly status: number;
}

class InvalidMeetingRequest extends Error {
  override readonly name = 'InvalidMeetingRequest';
}

const meetingResponse: Command<ResponseRequest[], ResponseResult[]> = {
  parse(input) {
    if (input?.tag !== 'MeetingResponse:MeetingResponse') throw new ProtocolError('expected MeetingResponse');
    return elements(input, 'MeetingResponse:Request').map(parseRequest);
  },

  async handle(requests, ctx) {
    const out: ResponseResult[] = [];
    for (const r of requests) out.push({ requestId: r.requestId, status: await respond(r, ctx) });
    return out;
  },

  render(results) {
    return el(
      'MeetingResponse:MeetingResponse',
      results.map((r) =>
        el(
          'MeetingResponse:Result',
          el('MeetingResponse:RequestId', r.requestId),
          el('MeetingResponse:Status', r.status),
        ),
      ),
    );
  },
};

function parseRequest(r: WbxmlElement): ResponseRequest {
  const response = Number(childText(r, 'MeetingResponse:UserResponse'));
  if (response !== 1 && response !== 2 && response !== 3)
    throw new ProtocolError('MeetingResponse UserResponse must be 1, 2 or 3');
  const requestId = childText(r, 'MeetingResponse:RequestId');
  const collectionId = childText(r, 'MeetingResponse:CollectionId');
  // search:LongId (a Search result) is not offered: our Search results carry ServerIds.
  if (requestId === undefined || collectionId === undefined)
    throw new ProtocolError('MeetingResponse Request needs CollectionId and RequestId');
  // MS-ASCMD 2.2.3.177.9 Status 2: an id that breaks its grammar names no meeting request.
  const invalid = MeetingResponseStatus.InvalidMeetingRequest;
  requireId('ServerId', requestId, invalid); // a RequestId is the ServerId of the invitation
  requireId('CollectionId', collectionId, invalid);
  const instanceId = optionalId('InstanceId', childText(r, 'MeetingResponse:InstanceId'), invalid);
  const send = child(r, 'MeetingResponse:SendResponse');
  const body = send && child(send, 'AirSyncBase:Body');
  const start = send && childText(send, 'MeetingResponse:ProposedStartTime');
  const end = send && childText(send, 'MeetingResponse:ProposedEndTime');
  return {
    userResponse: response,
    collectionId,
    requestId,
    ...(instanceId !== undefined ? { instanceId } : {}),
    ...(send !== undefined
      ? {
          sendResponse: {
            ...(body ? { body: childText(body, 'AirSyncBase:Data') ?? '' } : {}),
            ...(start ? { proposedStart: compactDate(start) } : {}),
            ...(end ? { proposedEnd: compactDate(end) } : {}),
          },
        }
      : {}),
  };
}

/** MS-ASDTYPE 2.7.2 Compact DateTime: yyyyMMddTHHmmssZ. */
function compactDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value.trim());
  if (!m) throw new ProtocolError(`not a Compact DateTime: ${value}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

async function respond(r: ResponseRequest, ctx: CommandContext): Promise<number> {
  try {
    const calendar = await defaultCalendar(ctx);
    if (calendar === undefined) throw new InvalidMeetingRequest('the user has no calendar');
    const source = await meetingSource(r, ctx);
    const options = { versionRank: 0, newUid: () => randomUUID(), now: ctx.now() };
    const invitation = invitationEvent(source, options);
    const name = resourceName(invitation.uid, '.ics');
    const [existing] = await calendar.store.getItems(calendar.key, [name], ctx.signal);
    const reply = meetingReply(existing?.text ?? invitation.text, {
      attendee: ctx.principal.email,
      response: r.userResponse,
      ...(r.instanceId !== undefined ? { instanceId: r.instanceId } : {}),
      ...(r.sendResponse?.proposedStart ? { proposedStart: r.sendResponse.proposedStart } : {}),
      ...(r.sendResponse?.proposedEnd ? { proposedEnd: r.sendResponse.proposedEnd } : {}),
      ...(r.sendResponse?.body ? { comment: r.sendResponse.body } : {}),
      now: ctx.now(),
    });
    if (reply.organizer === undefined) throw new InvalidMeetingRequest('the meeting names no organizer');
    if (r.userResponse === 3 && r.instanceId === undefined) {
      // Declined: the meeting leaves the calendar, as Exchange does.
      if (existing !== undefined)
        await calendar.store.deleteItem(calendar.key, name, existing.etag, ctx.signal);
    } else {
      const condition = existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' as const };
      await calendar.store.putItem(calendar.key, name, reply.updated, condition, ctx.signal);
    }
    // A scheduling CalDAV server sends the REPLY itself when the attendee's PARTSTAT changes.
    if (r.sendResponse !== undefined && atLeast(ctx.request.version, '16.0') && !(await serverSchedules(ctx)))
      await mailReply(r, reply, ctx);
    return MeetingResponseStatus.Success;
  } catch (err) {
    if (
      err instanceof InvalidMeetingRequest ||
      err instanceof ItemSourceError ||
      err instanceof ItemDataError
    ) {
      ctx.log.info(
        { requestId: r.requestId, err: err.message },
        'MeetingResponse to something that is no meeting',
      );
      return MeetingResponseStatus.InvalidMeetingRequest;
    }
    if (err instanceof BackendError) {
      ctx.metrics?.backendError(err.kind);
      ctx.log.warn({ requestId: r.requestId, err: err.message, kind: err.kind }, 'MeetingResponse failed');
      return err.kind === 'not-found'
        ? MeetingResponseStatus.InvalidMeetingRequest
        : MeetingResponseStatus.MailboxError;
    }
    throw err;
  }
}

/** The iTIP REPLY to the organizer, once per meeting, occurrence and answer. */
async function mailReply(
  r: ResponseRequest,
  reply: ReturnType<typeof meetingReply>,
  ctx: CommandContext,
): Promise<void> {
  const key = `${reply.uid}|${r.instanceId ?? ''}`;
  const answer = `${r.userResponse}|${r.sendResponse?.proposedStart?.toISOString() ?? ''}`;
  if ((await ctx.state.lookupClientId(ctx.device, REPLY_SCOPE, key)) === answer) {
    ctx.log.info({ uid: reply.uid }, 'meeting reply already sent; the device retried');
    return;
  }
  const verb = VERB_OF_RESPONSE[r.userResponse];
  const raw = imipMessage({
    from: ctx.principal.email,
    to: [reply.organizer!],
    subject: `${verb}: ${reply.summary}`,
    text:
      r.sendResponse?.body ||
      `${ctx.principal.displayName || ctx.principal.email} ${verb.toLowerCase()} "${reply.summary}".`,
    ics: reply.reply,
    method: 'REPLY',
    now: ctx.now(),
  });
  await submitMessage(ctx, prepareOutgoing(raw, { sender: ctx.principal.email, now: ctx.now() }));
  await ctx.state.recordClientId(ctx.device, REPLY_SCOPE, key, answer);
}

const VERB_OF_RESPONSE = { 1: 'Accepted', 2: 'Tentative', 3: 'Declined' } as const;

/** The iCalendar object the request names: the invitation's text/calendar part, or the event. */
async function meetingSource(r: ResponseRequest, ctx: CommandContext): Promise<string> {
  const ref = await resolveCollection(ctx, r.collectionId);
  const id = parseItemServerId(r.requestId);
  if (ref === undefined || id === undefined || id.collectionId !== r.collectionId)
    throw new InvalidMeetingRequest(`unknown item ${r.requestId}`);
  if (ref.store === 'mail') {
    const store = ctx.backends.mail;
    const [message] = await store.fetchMessages(ref.key, [id.uid], [], ctx.signal);
    const part = message && calendarPart(message.structure);
    if (part === undefined) throw new InvalidMeetingRequest(`${r.requestId} holds no invitation`);
    const bodies = await store.fetchBodies(
      ref.key,
      new Map([[id.uid, [{ section: part.section }]]]),
      ctx.signal,
    );
    const raw = bodies.get(id.uid)?.get(part.section);
    if (raw === undefined) throw new InvalidMeetingRequest(`${r.requestId} is gone`);
    return bytesToText(decodeTransferEncoding(raw, part.encoding), part.params.charset);
  }
  if (ref.store !== 'calendar') throw new InvalidMeetingRequest(`${r.collectionId} is no calendar`);
  // A calendar item: its ServerId is the device's, from its last Sync of that calendar.
  const last = (await readLastSyncKeys(ctx)).get(r.collectionId);
  const known =
    last && (await loadKnown<unknown>(ctx.state, ctx.device, collectionScope(r.collectionId), last.syncKey));
  const held = (known && readDavSnapshot(known.snapshot))?.has[String(id.uid)];
  const store = ctx.backends.calendarItems;
  const [item] = held && store ? await store.getItems(ref.key, [held[0]], ctx.signal) : [];
  if (item === undefined) throw new InvalidMeetingRequest(`unknown calendar item ${r.requestId}`);
  return item.text;
}

function calendarPart(part: MimePart): MimePart | undefined {
  if (part.type === 'text/calendar' || part.type === 'application/ics') return part;
  for (const c of part.children) {
    const found = calendarPart(c);
    if (found) return found;
  }
  return undefined;
}

/** The user's default calendar: the first by key, as FolderSync shows it (src/sync/hierarchy.ts). */
async function defaultCalendar(
  ctx: CommandContext,
): Promise<{ key: string; store: DavItemStore } | undefined> {
  const store = ctx.backends.calendarItems;
  const collections = (await ctx.backends.calendars?.listCollections(ctx.signal)) ?? [];
  const first = collections.filter((c) => c.kind === 'calendar').sort(byKey)[0];
  return store && first ? { key: first.key, store } : undefined;
}

export const meetingResponseCommand = defineCommand({
  name: 'MeetingResponse',
  command: meetingResponse,
  body: 'wbxml',
  needsProvisioning: true,
  root: 'MeetingResponse:MeetingResponse',
  statusTag: 'MeetingResponse:Status',
});
