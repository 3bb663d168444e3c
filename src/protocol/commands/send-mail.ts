import {
  combineWithOriginal,
  domainOf,
  OutgoingMessageError,
  prepareOutgoing,
  quoteOriginal,
  type OutgoingMessage,
} from '../../model/outgoing.js';
import { parseItemServerId } from '../../model/server-id.js';
import { renderEmailItems } from '../../sync/mail-items.js';
import { child, childText, elements, opaque, type WbxmlElement } from '../../wbxml/index.js';
import { optionalId } from '../ids.js';
import { clientDerivedHex } from '../derived-names.js';
import { defineCommand, type Command } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolveCollection } from '../mail-collection.js';
import { fileInSent, SendStatus, submitMessage } from '../mail-submission.js';
import { CommonStatus, EasError, ProtocolError } from '../status.js';

// MS-ASCMD 2.2.1.16 SendMail, 2.2.1.20 SmartReply, 2.2.1.19 SmartForward. 14.0+ sends ComposeMail
// WBXML with the MIME inside; 12.x sends the MIME itself with SaveInSent, ItemId and CollectionId
// in the query. The message goes out over SMTP as the user, then a copy is stored in Sent.

type Kind = 'SendMail' | 'SmartReply' | 'SmartForward';

interface SendRequest {
  readonly kind: Kind;
  readonly mime: Uint8Array;
  readonly clientId: string | undefined;
  readonly saveInSent: boolean;
  readonly replaceMime: boolean;
  readonly source: { readonly folderId: string | undefined; readonly itemId: string | undefined } | undefined;
  /** MS-ASCMD 2.2.3.76 Forwardees (16.0+): more recipients of a forwarded meeting. */
  readonly forwardees: readonly string[];
}

// Retries of one message (same ClientId, or Message-ID before 14.0) are found here.
const SENT_SCOPE = 'sent-messages';
/** Marks a ClientId whose message was about to be submitted (see `handle`). */
const PENDING = 'pending ';

/** A Message-ID unique to this device and ClientId, the same on every try. */
function messageIdFor(ctx: CommandContext, clientId: string): string {
  return `<${clientDerivedHex(ctx.device, clientId)}@${domainOf(ctx.principal.email)}>`;
}

function sendCommand(kind: Kind): Command<SendRequest, undefined> {
  return {
    parse(input, ctx) {
      if (input !== undefined) return parseComposeMail(kind, input);
      const mime = ctx.request.mime;
      if (mime === undefined || mime.length === 0) throw new ProtocolError(`${kind} without a message`);
      const p = ctx.request.params;
      return {
        kind,
        mime,
        clientId: undefined,
        saveInSent: p.SaveInSent === 'T',
        replaceMime: false,
        source: kind === 'SendMail' ? undefined : { folderId: p.CollectionId, itemId: p.ItemId },
        forwardees: [],
      };
    },

    async handle(req, ctx) {
      const submitter = ctx.backends.submitter;
      if (submitter === undefined)
        throw new EasError(CommonStatus.ServerError, 'no SMTP server is configured');
      const dedupe = req.clientId ?? messageIdOf(req.mime);
      const earlier =
        dedupe === undefined ? undefined : await ctx.state.lookupClientId(ctx.device, SENT_SCOPE, dedupe);
      if (earlier !== undefined && !earlier.startsWith(PENDING)) {
        ctx.log.info({ kind: req.kind, clientId: dedupe }, 'message already sent; the device retried');
        return undefined;
      }
      const original = req.kind === 'SendMail' ? undefined : await loadOriginal(req, ctx);
      // The intent is recorded before the message goes out and the outcome after: a retry that
      // finds only the intent (the gateway stopped in between) sends the message again under the
      // same Message-ID, which recipients' mail programs take for one message.
      const messageId = earlier?.slice(PENDING.length) ?? (req.clientId && messageIdFor(ctx, req.clientId));
      const prepared = prepare(req, original, ctx, messageId || undefined);
      const out = { ...prepared, recipients: [...new Set([...prepared.recipients, ...req.forwardees])] };
      if (dedupe !== undefined)
        await ctx.state.recordClientId(ctx.device, SENT_SCOPE, dedupe, `${PENDING}${out.messageId}`);
      await submitMessage(ctx, out);
      if (dedupe !== undefined) await ctx.state.recordClientId(ctx.device, SENT_SCOPE, dedupe, out.messageId);
      if (req.saveInSent) await fileInSent(ctx, out);
      if (original !== undefined) await markOriginal(req.kind, original, ctx);
      return undefined;
    },

    // MS-ASCMD 2.2.1.16: success is an empty answer.
    render() {
      return undefined;
    },
  };
}

function parseComposeMail(kind: Kind, input: WbxmlElement): SendRequest {
  if (input.tag !== `ComposeMail:${kind}`) throw new ProtocolError(`expected ${kind}, got ${input.tag}`);
  const mime = opaque(child(input, 'ComposeMail:Mime'));
  if (mime === undefined || mime.length === 0) throw new ProtocolError(`${kind} without Mime`);
  const source = child(input, 'ComposeMail:Source');
  return {
    kind,
    mime,
    // MS-ASCMD 2.2.2 common status 106 (InvalidIDs); 12.x clients get HTTP 400.
    clientId: optionalId('ClientId', childText(input, 'ComposeMail:ClientId'), CommonStatus.InvalidIDs),
    saveInSent: child(input, 'ComposeMail:SaveInSentItems') !== undefined,
    replaceMime: child(input, 'ComposeMail:ReplaceMime') !== undefined,
    source: source && {
      folderId: optionalId(
        'CollectionId',
        childText(source, 'ComposeMail:FolderId'),
        CommonStatus.InvalidIDs,
      ),
      itemId: optionalId('ServerId', childText(source, 'ComposeMail:ItemId'), CommonStatus.InvalidIDs),
    },
    forwardees: forwardeesOf(input),
  };
}

function forwardeesOf(input: WbxmlElement): string[] {
  const list = child(input, 'ComposeMail:Forwardees');
  if (list === undefined) return [];
  return elements(list, 'ComposeMail:Forwardee').flatMap((f) => {
    const email = childText(f, 'ComposeMail:ForwardeeEmail');
    return email ? [email] : [];
  });
}

interface Original {
  readonly folderKey: string;
  readonly uid: number;
  readonly source: Uint8Array;
  readonly text: string;
  readonly from: string;
  readonly date: Date | undefined;
  readonly messageId: string | undefined;
  readonly references: string | undefined;
}

async function loadOriginal(req: SendRequest, ctx: CommandContext): Promise<Original> {
  const item = req.source?.itemId === undefined ? undefined : parseItemServerId(req.source.itemId);
  const collectionId = req.source?.folderId ?? item?.collectionId;
  const folder = collectionId === undefined ? undefined : await resolveCollection(ctx, collectionId);
  const notFound = () =>
    new EasError(CommonStatus.ItemNotFound, `${req.kind}: the original message is not found`);
  if (item === undefined || folder?.store !== 'mail') throw notFound();
  const store = ctx.backends.mail;
  const [message] = await store.fetchMessages(folder.key, [item.uid], ['references'], ctx.signal);
  const bodies = await store.fetchBodies(
    folder.key,
    new Map([[item.uid, [{ section: undefined }]]]),
    ctx.signal,
  );
  const source = bodies.get(item.uid)?.get('SOURCE');
  if (message === undefined || source === undefined) throw notFound();
  // The original's text as a phone would show it: the plain-text rendering of the Email model.
  const rendered = await renderEmailItems(
    store,
    folder.key,
    [item.uid],
    () => ({ versionRank: 141, bodyPreferences: [{ type: 1 }], mimeSupport: 0, fileReference: () => '' }),
    ctx.signal,
  );
  const fields = rendered.get(item.uid)?.fields ?? [];
  const body = fields.find((f) => f.tag === 'AirSyncBase:Body');
  const from = message.envelope.from[0];
  return {
    folderKey: folder.key,
    uid: item.uid,
    source,
    text: (body && childText(body, 'AirSyncBase:Data')) ?? '',
    from: from?.name ? `${from.name} <${from.address ?? ''}>` : (from?.address ?? ''),
    date: message.envelope.date,
    messageId: message.envelope.messageId,
    references: message.headers.references,
  };
}

function prepare(
  req: SendRequest,
  original: Original | undefined,
  ctx: CommandContext,
  messageId: string | undefined,
): OutgoingMessage {
  const base = { sender: ctx.principal.email, now: ctx.now(), ...(messageId ? { messageId } : {}) };
  try {
    if (original === undefined) return prepareOutgoing(req.mime, base);
    // RFC 5322 3.6.4: a reply names what it answers, so every client threads it.
    const threading =
      req.kind === 'SmartReply' && original.messageId !== undefined
        ? [
            `In-Reply-To: ${original.messageId}`,
            `References: ${[original.references, original.messageId].filter(Boolean).join(' ')}`,
          ]
        : [];
    // ReplaceMime (14.0+): the device's MIME already holds everything it wants sent.
    const replaceBody = req.replaceMime
      ? undefined
      : combineWithOriginal(
          req.mime,
          req.kind === 'SmartForward'
            ? { kind: 'forward', original: original.source }
            : { kind: 'reply', quoted: quoteOriginal(original.text, original.from, original.date) },
        );
    return prepareOutgoing(req.mime, {
      ...base,
      extraHeaders: threading,
      ...(replaceBody ? { replaceBody } : {}),
    });
  } catch (err) {
    if (!(err instanceof OutgoingMessageError)) throw err;
    throw new EasError(
      err.reason === 'no-recipients' ? SendStatus.MessageHasNoRecipient : CommonStatus.InvalidMIME,
      `${req.kind}: ${err.message}`,
    );
  }
}

/** \Answered or $Forwarded on the original (RFC 5788); the mail is out, so failures only log. */
async function markOriginal(kind: Kind, original: Original, ctx: CommandContext): Promise<void> {
  try {
    const flag = kind === 'SmartReply' ? '\\Answered' : '$Forwarded';
    await ctx.backends.mail.storeFlags(original.folderKey, [original.uid], [flag], [], ctx.signal);
  } catch (err) {
    ctx.log.warn(
      { kind, err: err instanceof Error ? err.message : String(err) },
      'sent, but flagging the original failed',
    );
  }
}

function messageIdOf(mime: Uint8Array): string | undefined {
  const head = Buffer.from(mime.buffer, mime.byteOffset, Math.min(mime.byteLength, 64 * 1024)).toString(
    'latin1',
  );
  return /^message-id:\s*(<[^>\r\n]+>)/im.exec(head.split(/\r?\n\r?\n/)[0] ?? '')?.[1];
}

const composeSpec = (kind: Kind) =>
  defineCommand({
    name: kind,
    command: sendCommand(kind),
    body: 'wbxml-or-mime',
    needsProvisioning: true,
    root: `ComposeMail:${kind}`,
    statusTag: 'ComposeMail:Status',
  });

export const sendMailCommand = composeSpec('SendMail');
export const smartReplyCommand = composeSpec('SmartReply');
export const smartForwardCommand = composeSpec('SmartForward');
