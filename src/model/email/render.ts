import { Buffer } from 'node:buffer';
import type { BodyFetch, FetchedBodies, MailMessage, MimePart } from '../mail-message.js';
import { el, xmlSafeText, type WbxmlElement } from '../../wbxml/index.js';
import { renderAttachments } from './attachments.js';
import { bodyFetches, planBody, readPart, renderBody, type BodyPlan } from './body.js';
import { conversationId, conversationIndex } from './conversation.js';
import { DRAFT, hasFlag, lastVerbExecuted, renderCategories, renderFlag, SEEN } from './flags.js';
import {
  displayTo,
  easDateTime,
  formatAddress,
  formatAddressList,
  importance,
  subjectOf,
  threadTopic,
} from './headers.js';
import { parseMeeting, renderMeetingRequest, type Meeting } from './meeting.js';
import { contentClass, isMeetingClass, messageClass } from './message-class.js';
import { V14_0, V16_0, type EmailRenderOptions } from './options.js';
import { analyseParts, type MessageParts } from './structure.js';

// An IMAP message as the ApplicationData of an MS-ASEMAIL Email item (Sync Add, ItemOperations
// Fetch, Search result).

/** Lower-case header fields the backend must fetch into MailMessage.headers for this renderer. */
export const EMAIL_HEADER_FIELDS: readonly string[] = Object.freeze([
  'references',
  'in-reply-to',
  'importance',
  'x-priority',
  'x-msmail-priority',
  'priority',
  'thread-topic',
  'thread-index',
]);

/** Invitations are small; a text/calendar part beyond this is read only this far. */
const MAX_CALENDAR_BYTES = 256 * 1024;

/** MS-ASEMAIL InternetCPID: the code page of the delivered text, always UTF-8 here. */
const CPID_UTF8 = 65001;

/** Which parts/bytes of the message the renderer will need, never attachments. */
export function planBodyFetches(msg: MailMessage, opts: EmailRenderOptions): BodyFetch[] {
  try {
    const parts = analyseParts(msg.structure);
    const fetches = bodyFetches(planBody(parts, opts), msg.size);
    if (parts.calendar && !fetches.some((f) => f.section === parts.calendar!.section)) {
      fetches.push(calendarFetch(parts.calendar));
    }
    return fetches;
  } catch {
    return [];
  }
}

function calendarFetch(part: MimePart): BodyFetch {
  const big = part.size === undefined || part.size > MAX_CALENDAR_BYTES;
  return big ? { section: part.section, maxBytes: MAX_CALENDAR_BYTES } : { section: part.section };
}

/**
 * The children of AirSync:ApplicationData for a server Add / Fetch of this message. Bodies that
 * were not fetched, broken MIME and unknown charsets never make it throw: the item is rendered
 * with what can be read.
 */
export function renderEmail(
  msg: MailMessage,
  bodies: FetchedBodies,
  opts: EmailRenderOptions,
): WbxmlElement[] {
  try {
    return renderFields(msg, bodies, opts);
  } catch {
    // A bug must cost the client the details of one message, not the whole Sync response.
    return [
      el('Email:DateReceived', easDateTime(msg.internalDate)),
      el('Email:Read', hasFlag(msg.flags, SEEN) ? 1 : 0),
      el(
        'AirSyncBase:Body',
        el('AirSyncBase:Type', 1),
        el('AirSyncBase:EstimatedDataSize', msg.size),
        el('AirSyncBase:Truncated', 1),
      ),
      el('Email:MessageClass', 'IPM.Note'),
    ];
  }
}

function renderFields(msg: MailMessage, bodies: FetchedBodies, opts: EmailRenderOptions): WbxmlElement[] {
  let parts: MessageParts;
  try {
    parts = analyseParts(msg.structure);
  } catch {
    parts = { attachments: [], smime: 'none' };
  }
  const meeting = readMeeting(parts, bodies);
  let cls = messageClass(parts.smime, meeting);
  const v = opts.versionRank;
  const flags = msg.flags;
  const subject = subjectOf(msg);
  const sender = senderIfDifferent(msg);
  const meetingRequest =
    meeting && isMeetingClass(cls)
      ? safely(() => renderMeetingRequest(meeting, v, msg.internalDate))
      : undefined;
  // A request the client cannot show as one (no start time) would only offer buttons that fail.
  if (meeting && (meeting.method === 'REQUEST' || meeting.method === 'CANCEL') && !meetingRequest) {
    cls = messageClass(parts.smime, undefined);
  }
  return [
    field('Email:To', formatAddressList(msg.envelope.to)),
    field('Email:Cc', formatAddressList(msg.envelope.cc)),
    field('Email:From', formatAddressList(msg.envelope.from)),
    field('Email:Subject', subject),
    field('Email:ReplyTo', formatAddressList(msg.envelope.replyTo)),
    el('Email:DateReceived', easDateTime(msg.internalDate)),
    field('Email:DisplayTo', displayTo(msg.envelope.to)),
    field('Email:ThreadTopic', threadTopic(msg)),
    el('Email:Importance', importance(msg)),
    el('Email:Read', hasFlag(flags, SEEN) ? 1 : 0),
    safely(() => renderAttachments(parts.attachments, opts.fileReference)),
    body(msg, parts, bodies, opts, meeting),
    el('Email:MessageClass', cls),
    meetingRequest,
    el('Email:InternetCPID', CPID_UTF8),
    renderFlag(flags),
    el('Email:ContentClass', contentClass(cls)),
    // MS-ASAIRS 2.2.2.32 NativeBodyType: 1 plain text, 2 HTML (RTF never comes from IMAP).
    el('AirSyncBase:NativeBodyType', parts.html ? 2 : 1),
    ...(v >= V14_0 ? conversationFields(msg, flags, sender) : []),
    // MS-ASEMAIL 2.2.2.42 IsDraft (16.0+).
    v >= V16_0 && el('Email2:IsDraft', hasFlag(flags, DRAFT) ? 1 : 0),
  ].filter((e): e is WbxmlElement => e !== undefined && e !== false);
}

function conversationFields(
  msg: MailMessage,
  flags: readonly string[],
  sender: string | undefined,
): WbxmlElement[] {
  const verb = lastVerbExecuted(flags);
  return [
    el('Email2:ConversationId', safely(() => conversationId(msg)) ?? Buffer.alloc(16)),
    el('Email2:ConversationIndex', safely(() => conversationIndex(msg)) ?? Buffer.alloc(5)),
    ...(verb > 0 ? [el('Email2:LastVerbExecuted', verb)] : []),
    renderCategories(flags),
    ...(sender !== undefined ? [el('Email2:Sender', sender)] : []),
  ];
}

/** MS-ASEMAIL Sender (14.0+): only when someone sent the message on behalf of the From address. */
function senderIfDifferent(msg: MailMessage): string | undefined {
  const sender = msg.envelope.sender[0];
  if (sender?.address === undefined) return undefined;
  const from = msg.envelope.from.map((a) => a.address?.toLowerCase());
  return from.includes(sender.address.toLowerCase()) ? undefined : formatAddress(sender);
}

// Header text comes from any sender (an RFC 2047 word may decode to \x01): characters XML 1.0
// forbids become U+FFFD here, where clients' XML layers would reject the whole answer (issue 16).
function field(tag: Parameters<typeof el>[0], value: string | undefined): WbxmlElement | undefined {
  return value === undefined ? undefined : el(tag, xmlSafeText(value));
}

function body(
  msg: MailMessage,
  parts: MessageParts,
  bodies: FetchedBodies,
  opts: EmailRenderOptions,
  meeting: Meeting | undefined,
): WbxmlElement {
  let plan: BodyPlan | undefined;
  try {
    plan = planBody(parts, opts);
    return renderBody({
      plan,
      bodies,
      messageSize: msg.size,
      ...(meeting?.description !== undefined ? { fallbackText: meeting.description } : {}),
    });
  } catch {
    // Whatever went wrong, the item still goes out; the client can fetch the body later.
    return el(
      'AirSyncBase:Body',
      el('AirSyncBase:Type', plan?.type ?? 1),
      el('AirSyncBase:EstimatedDataSize', msg.size),
      el('AirSyncBase:Truncated', 1),
    );
  }
}

function readMeeting(parts: MessageParts, bodies: FetchedBodies): Meeting | undefined {
  const part = parts.calendar;
  if (part === undefined) return undefined;
  return safely(() => {
    const read = readPart(part, bodies);
    return read === undefined ? undefined : parseMeeting(read.text, part.params.method);
  });
}

function safely<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
