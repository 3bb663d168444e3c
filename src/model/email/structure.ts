import type { MimePart } from '../mail-message.js';

// Reading a BODYSTRUCTURE the way a mail reader does: which part is the text the user reads,
// which alternative is HTML and which plain, which text/calendar part is the invitation, and what
// is left over as attachments (MS-ASAIRS 2.2.2.7/2.2.2.8).

/** 'signed': multipart/signed (RFC 5751 3.5.3); 'opaque': application/pkcs7-mime, encrypted or opaque-signed. */
export type SmimeKind = 'none' | 'signed' | 'opaque';

export interface AttachmentPart {
  readonly part: MimePart;
  /** Referenced from the HTML body by Content-ID (MS-ASAIRS 2.2.2.26.2 IsInline). */
  readonly inline: boolean;
}

export interface MessageParts {
  readonly plain?: MimePart;
  readonly html?: MimePart;
  /** The iCalendar invitation / reply / cancellation carried by the message (RFC 6047). */
  readonly calendar?: MimePart;
  readonly attachments: readonly AttachmentPart[];
  readonly smime: SmimeKind;
}

const PKCS7_MIME = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime']);
const PKCS7_SIGNATURE = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature']);

export function smimeKind(root: MimePart): SmimeKind {
  if (PKCS7_MIME.has(root.type)) return 'opaque';
  // A PGP/MIME signature (RFC 3156) is multipart/signed too, but is not S/MIME: Exchange clients
  // would look for a PKCS #7 signature and fail.
  if (root.type === 'multipart/signed' && !/pgp/i.test(root.params.protocol ?? '')) return 'signed';
  return 'none';
}

interface State {
  plain?: MimePart;
  html?: MimePart;
  calendar?: MimePart;
  bodyDone: boolean;
  attachments: AttachmentPart[];
}

export function analyseParts(root: MimePart): MessageParts {
  const state: State = { bodyDone: false, attachments: [] };
  visit(root, true, state);
  return {
    ...(state.plain ? { plain: state.plain } : {}),
    ...(state.html ? { html: state.html } : {}),
    ...(state.calendar ? { calendar: state.calendar } : {}),
    attachments: state.attachments,
    smime: smimeKind(root),
  };
}

const isAttachmentDisposition = (p: MimePart): boolean => p.disposition === 'attachment';
const isTextBody = (p: MimePart): boolean =>
  (p.type === 'text/plain' || p.type === 'text/html') && !isAttachmentDisposition(p);

function visit(part: MimePart, asBody: boolean, st: State): void {
  if (part.type.startsWith('multipart/')) {
    visitMultipart(part, asBody, st);
    return;
  }
  if (asBody && !st.bodyDone && isTextBody(part)) {
    if (part.type === 'text/html') st.html = part;
    else st.plain = part;
    st.bodyDone = true;
    return;
  }
  if (part.type === 'text/calendar' && !isAttachmentDisposition(part) && st.calendar === undefined) {
    st.calendar = part;
    return;
  }
  addAttachment(part, st);
}

function visitMultipart(part: MimePart, asBody: boolean, st: State): void {
  const kids = part.children;
  if (part.type === 'multipart/alternative' && asBody && !st.bodyDone) {
    // RFC 2046 5.1.4: alternatives of one content; each body type the client may ask for is
    // taken from its own alternative, so none of them is an attachment.
    for (const c of kids) {
      if (c.type === 'text/plain' && !isAttachmentDisposition(c)) st.plain ??= c;
      else if (c.type === 'text/html' && !isAttachmentDisposition(c)) st.html ??= c;
      else if (c.type === 'text/calendar' && st.calendar === undefined) st.calendar = c;
      else if (c.type.startsWith('multipart/')) {
        const sub: State = { bodyDone: false, attachments: [] };
        visitMultipart(c, true, sub);
        st.plain ??= sub.plain;
        st.html ??= sub.html;
        st.calendar ??= sub.calendar;
        st.attachments.push(...sub.attachments);
      } else addAttachment(c, st);
    }
    st.bodyDone = true;
    return;
  }
  if (part.type === 'multipart/related') {
    // RFC 2387 3.1: the root is named by the start parameter, else it is the first part; the
    // other parts are resources the root refers to.
    const start = part.params.start;
    const root = (start && kids.find((k) => sameContentId(k.contentId, start))) || kids[0];
    for (const c of kids) visit(c, c === root && asBody, st);
    return;
  }
  if (part.type === 'multipart/signed') {
    // RFC 1847 2.1: the first part is the signed content, the second the signature.
    for (const [i, c] of kids.entries()) visit(c, i === 0 && asBody, st);
    return;
  }
  // multipart/mixed and the rest (RFC 2046 5.1.3, 5.1.7): the first readable text is the body.
  for (const c of kids) visit(c, asBody && !st.bodyDone, st);
}

function addAttachment(part: MimePart, st: State): void {
  // The signature or the encrypted envelope only makes sense to a client reading the MIME
  // message, which gets it with Body Type 4; listed on its own it is a file nobody can open.
  if (PKCS7_SIGNATURE.has(part.type) || PKCS7_MIME.has(part.type)) return;
  if (part.section === '') return;
  // IsInline only when the HTML can refer to the part (cid: URL, RFC 2392); an image that is
  // merely "inline" without a Content-ID would be hidden by clients that never show it in place.
  st.attachments.push({ part, inline: part.contentId !== undefined && !isAttachmentDisposition(part) });
}

function sameContentId(a: string | undefined, b: string): boolean {
  return a !== undefined && stripAngles(a) === stripAngles(b);
}

export function stripAngles(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/** Size of a part once its transfer encoding is undone (MS-ASAIRS 2.2.2.23 is only an estimate). */
export function estimateDecodedSize(part: MimePart): number {
  const size = part.size ?? 0;
  return part.encoding === 'base64' ? Math.floor((size * 3) / 4) : size;
}
