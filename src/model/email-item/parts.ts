import type { MimePart } from '../mail-message.js';

// Which parts of a message are its body and which are attachments (MS-ASEMAIL 3.2.5.1: the body
// is the message text; everything else the user can open is an attachment).

export interface MessageParts {
  readonly plain?: MimePart;
  readonly html?: MimePart;
  /** A text/calendar invitation sent as the message itself (iTIP, RFC 6047). */
  readonly calendar?: MimePart;
  readonly attachments: readonly MimePart[];
  /** S/MIME (RFC 8551): signed or encrypted, which phones verify or decrypt from the MIME. */
  readonly smime: 'signed' | 'encrypted' | undefined;
}

export function splitParts(root: MimePart): MessageParts {
  let plain: MimePart | undefined;
  let html: MimePart | undefined;
  let calendar: MimePart | undefined;
  const attachments: MimePart[] = [];
  const visit = (p: MimePart): void => {
    if (p.type.startsWith('multipart/')) {
      for (const c of p.children) visit(c);
      return;
    }
    const isFile =
      p.disposition === 'attachment' ||
      p.dispositionParams.filename !== undefined ||
      p.params.name !== undefined;
    if (p.type === 'text/plain' && !isFile && plain === undefined) plain = p;
    else if (p.type === 'text/html' && !isFile && html === undefined) html = p;
    else if (p.type === 'text/calendar' && p.disposition !== 'attachment' && calendar === undefined)
      calendar = p;
    else if (!isSignature(p)) attachments.push(p);
  };
  const smime = smimeKind(root);
  if (smime !== 'encrypted') visit(root);
  return { plain, html, calendar, attachments, smime };
}

function smimeKind(root: MimePart): MessageParts['smime'] {
  if (root.type === 'multipart/signed') return 'signed';
  if (root.type === 'application/pkcs7-mime' || root.type === 'application/x-pkcs7-mime') {
    return root.params['smime-type'] === 'signed-data' ? 'signed' : 'encrypted';
  }
  return undefined;
}

function isSignature(p: MimePart): boolean {
  return p.type === 'application/pkcs7-signature' || p.type === 'application/x-pkcs7-signature';
}

/** Decoded size from the encoded one: base64 carries 3 bytes in 4 characters plus line breaks. */
export function decodedSize(p: MimePart): number {
  const size = p.size ?? 0;
  return p.encoding === 'base64' ? Math.floor((size * 3) / 4 / (78 / 76)) : size;
}

/** Encoded bytes to fetch so that decoding yields at least `bytes` bytes. */
export function encodedBytesFor(p: MimePart, bytes: number): number {
  if (p.encoding === 'base64') return Math.ceil((bytes * 4) / 3 + (bytes / 57) * 2) + 8;
  if (p.encoding === 'quoted-printable') return bytes * 3 + 8;
  return bytes + 8;
}
