import { el, type WbxmlElement } from '../../wbxml/index.js';
import {
  bodyFetchKey,
  type BodyFetch,
  type FetchedBodies,
  type MailAddress,
  type MailMessage,
} from '../mail-message.js';
import { BodyType, bodyFetches, chooseBody, nativeBodyType, renderBody, type BodyOptions } from './body.js';
import { conversationId, conversationIndex } from './conversation.js';
import { decodeHeaderText, decodeText } from './decode.js';
import { renderEmailFlagFields } from './flags.js';
import { MESSAGE_CLASS_OF_METHOD, parseInvitation } from './meeting.js';
import { decodedSize, splitParts, type MessageParts } from './parts.js';

// An IMAP message as an EAS Email item (MS-ASEMAIL 2.2.2), for Sync Add/Fetch and ItemOperations.

export interface EmailRenderOptions extends BodyOptions {
  /** AirSyncBase:FileReference for an attachment, by MIME section. */
  readonly fileReference: (section: string) => string;
}

/** Header fields the renderer reads beyond the envelope; the backend fetches exactly these. */
export const EMAIL_HEADER_FIELDS: readonly string[] = [
  'references',
  'importance',
  'x-priority',
  'priority',
  'content-class',
  'thread-topic',
];

export function planBodyFetches(msg: MailMessage, opts: EmailRenderOptions): BodyFetch[] {
  const parts = splitParts(msg.structure);
  const choice = chooseBody(parts, opts);
  const fetches = bodyFetches(choice, opts.versionRank >= 140 && (choice.pref.preview ?? 0) > 0);
  if (parts.calendar !== undefined) fetches.push({ section: parts.calendar.section });
  return fetches;
}

export function renderEmail(
  msg: MailMessage,
  bodies: FetchedBodies,
  opts: EmailRenderOptions,
): WbxmlElement[] {
  const parts = splitParts(msg.structure);
  const env = msg.envelope;
  const v = opts.versionRank;
  const invitation = invitationOf(parts, bodies, v);
  const flagFields = renderEmailFlagFields(msg.flags, { versionRank: v });
  const [read, flag, categories] = flagFields;
  const from = env.from[0];
  const sender = env.sender[0];
  return [
    el('Email:To', addressList(env.to)),
    env.cc.length > 0 && el('Email:Cc', addressList(env.cc)),
    el('Email:From', addressList(env.from)),
    el('Email:Subject', env.subject ?? ''),
    env.replyTo.length > 0 && el('Email:ReplyTo', addressList(env.replyTo)),
    el('Email:DateReceived', msg.internalDate.toISOString()),
    el('Email:DisplayTo', env.to.map((a) => a.name || a.address || '').join('; ')),
    el('Email:ThreadTopic', decodeHeaderText(msg.headers['thread-topic']) ?? threadTopic(env.subject ?? '')),
    el('Email:Importance', importanceOf(msg.headers)),
    read,
    parts.attachments.length > 0 &&
      el(
        'AirSyncBase:Attachments',
        parts.attachments.map((p) => renderAttachment(p, opts)),
      ),
    renderBody(msg, parts, chooseBody(parts, opts), bodies, opts),
    el('Email:MessageClass', messageClassOf(parts, invitation?.method)),
    invitation?.fields,
    // We always hand out UTF-8 (MS-ASEMAIL 2.2.2.41: the code page of the message).
    el('Email:InternetCPID', 65001),
    flag,
    el(
      'Email:ContentClass',
      invitation ? 'urn:content-classes:calendarmessage' : 'urn:content-classes:message',
    ),
    el('AirSyncBase:NativeBodyType', nativeBodyType(parts)),
    v >= 140 && el('Email2:ConversationId', conversationId(msg)),
    v >= 140 && el('Email2:ConversationIndex', conversationIndex(msg)),
    v >= 140 && lastVerb(msg.flags) !== undefined && el('Email2:LastVerbExecuted', lastVerb(msg.flags)),
    v >= 140 &&
      sender?.address &&
      from?.address !== sender.address &&
      el('Email2:Sender', addressList(env.sender)),
    categories,
    v >= 160 && el('Email2:IsDraft', msg.flags.includes('\\Draft') ? 1 : 0),
  ].filter((e): e is WbxmlElement => typeof e === 'object' && e !== null);
}

function renderAttachment(p: MessageParts['attachments'][number], opts: EmailRenderOptions): WbxmlElement {
  const name = p.dispositionParams.filename ?? p.params.name ?? defaultName(p.type, p.section);
  const inline = p.disposition === 'inline' && p.contentId !== undefined;
  return el(
    'AirSyncBase:Attachment',
    el('AirSyncBase:DisplayName', name),
    el('AirSyncBase:FileReference', opts.fileReference(p.section)),
    // MS-ASAIRS 2.2.2.31 Method: 1 normal attachment, 5 embedded message.
    el('AirSyncBase:Method', p.type === 'message/rfc822' ? 5 : 1),
    el('AirSyncBase:EstimatedDataSize', decodedSize(p)),
    p.contentId !== undefined && el('AirSyncBase:ContentId', p.contentId.replace(/^<|>$/g, '')),
    inline && el('AirSyncBase:IsInline', 1),
  );
}

function defaultName(type: string, section: string): string {
  if (type === 'message/rfc822') return `message-${section}.eml`;
  const ext = type.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin';
  return `part-${section}.${ext}`;
}

function invitationOf(parts: MessageParts, bodies: FetchedBodies, v: number) {
  const cal = parts.calendar;
  const raw = cal && bodies.get(bodyFetchKey({ section: cal.section }));
  if (cal === undefined || raw === undefined) return undefined;
  try {
    return parseInvitation(decodeText(raw, cal.encoding, cal.params.charset), v);
  } catch {
    return undefined;
  }
}

function messageClassOf(parts: MessageParts, method: string | undefined): string {
  if (parts.smime === 'signed') return 'IPM.Note.SMIME.MultipartSigned';
  if (parts.smime === 'encrypted') return 'IPM.Note.SMIME';
  if (method !== undefined) return MESSAGE_CLASS_OF_METHOD[method] ?? 'IPM.Note';
  return 'IPM.Note';
}

/** MS-ASEMAIL 2.2.2.39: 0 low, 1 normal, 2 high, from Importance, X-Priority or Priority. */
function importanceOf(headers: Readonly<Record<string, string>>): number {
  const importance = headers.importance?.toLowerCase().trim();
  if (importance === 'high') return 2;
  if (importance === 'low') return 0;
  const priority = /^\s*(\d)/.exec(headers['x-priority'] ?? '')?.[1];
  if (priority !== undefined) return Number(priority) <= 2 ? 2 : Number(priority) >= 4 ? 0 : 1;
  const p = headers.priority?.toLowerCase().trim();
  if (p === 'urgent') return 2;
  if (p === 'non-urgent') return 0;
  return 1;
}

/**
 * MS-ASEMAIL 2.2.2.45 LastVerbExecuted: 1 reply to sender, 3 forward. IMAP keeps no order, so a
 * message both answered and forwarded shows as answered.
 */
function lastVerb(flags: readonly string[]): number | undefined {
  if (flags.includes('\\Answered')) return 1;
  if (flags.some((f) => f.toLowerCase() === '$forwarded')) return 3;
  return undefined;
}

function addressList(list: readonly MailAddress[]): string {
  return list
    .map((a) => {
      const addr = a.address ?? '';
      if (!a.name) return addr;
      return `"${a.name.replace(/["\\]/g, '')}" <${addr}>`;
    })
    .filter((s) => s !== '')
    .join(', ');
}

function threadTopic(subject: string): string {
  return subject.replace(/^\s*((re|fw|fwd|aw|wg|sv|vs)\s*:\s*)+/i, '').trim();
}

export { BodyType };
