import { randomBytes } from 'node:crypto';

// A message a device sends (MS-ASCMD 2.2.1.16 SendMail, 2.2.1.19/20 SmartReply/SmartForward),
// made ready for SMTP: the envelope from To, Cc and Bcc; Bcc removed from what is delivered and
// stored (RFC 5322 3.6.3); Date, Message-ID and From added when the device left them out.
// SmartReply and SmartForward add the original the device may not have downloaded in full.

export class OutgoingMessageError extends Error {
  override readonly name = 'OutgoingMessageError';
  constructor(
    readonly reason: 'invalid-mime' | 'no-recipients',
    message: string,
  ) {
    super(message);
  }
}

interface HeaderField {
  readonly name: string;
  /** The field as it appeared, folded lines included, without the final CRLF. */
  readonly raw: string;
}

interface ParsedMessage {
  readonly headers: HeaderField[];
  readonly body: Buffer;
}

export interface OutgoingMessage {
  readonly message: Uint8Array;
  readonly from: string;
  readonly recipients: string[];
  readonly messageId: string;
}

export function parseMessage(raw: Uint8Array): ParsedMessage {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const text = buf.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  if (m === null || !/^[!-9;-~]+:/.test(text))
    throw new OutgoingMessageError('invalid-mime', 'no header block');
  const headerText = text.slice(0, m.index);
  const headers: HeaderField[] = [];
  for (const line of headerText.split(/\r?\n/)) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last)
      headers[headers.length - 1] = { name: last.name, raw: `${last.raw}\r\n${line}` };
    else {
      const colon = line.indexOf(':');
      if (colon <= 0)
        throw new OutgoingMessageError('invalid-mime', `malformed header line "${line.slice(0, 40)}"`);
      headers.push({ name: line.slice(0, colon).trim().toLowerCase(), raw: line });
    }
  }
  return { headers, body: buf.subarray(m.index + m[0].length) };
}

export function headerValue(p: ParsedMessage, name: string): string | undefined {
  const h = p.headers.find((f) => f.name === name);
  return h === undefined
    ? undefined
    : h.raw
        .slice(h.raw.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim();
}

/** Addresses of an address-list header: what sits in <…>, or bare addr-specs. */
export function addressesOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  const noComments = value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\([^)]*\)/g, '');
  const out: string[] = [];
  for (const item of noComments.split(/[,;]/)) {
    const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(item);
    const bare = /([^\s<>:"]+@[^\s<>:"]+)/.exec(item);
    const addr = angle?.[1] ?? bare?.[1];
    if (addr) out.push(addr);
  }
  return out;
}

export interface PrepareOptions {
  /** The user's address, for a missing From and for the envelope sender. */
  readonly sender: string;
  readonly now: Date;
  /** Extra header fields (threading for replies), replacing fields of the same name. */
  readonly extraHeaders?: readonly string[];
  /** Replaces the body (and its Content-* fields) when set: SmartReply/SmartForward. */
  readonly replaceBody?: { readonly contentFields: readonly string[]; readonly body: Buffer };
  /** The Message-ID when the device's message has none (a retry must send the same one). */
  readonly messageId?: string;
}

export function prepareOutgoing(raw: Uint8Array, opts: PrepareOptions): OutgoingMessage {
  const parsed = parseMessage(raw);
  const recipients = [...new Set(['to', 'cc', 'bcc'].flatMap((h) => addressesOf(headerValue(parsed, h))))];
  if (recipients.length === 0) throw new OutgoingMessageError('no-recipients', 'no To, Cc or Bcc address');
  const extraNames = new Set(
    (opts.extraHeaders ?? []).map((h) => h.slice(0, h.indexOf(':')).trim().toLowerCase()),
  );
  const dropped = new Set(['bcc', ...extraNames]);
  if (opts.replaceBody)
    for (const n of ['content-type', 'content-transfer-encoding', 'mime-version']) dropped.add(n);
  const kept = parsed.headers.filter((h) => !dropped.has(h.name)).map((h) => h.raw);
  const has = (name: string) => parsed.headers.some((h) => h.name === name);
  const messageId =
    headerValue(parsed, 'message-id') ??
    opts.messageId ??
    `<${randomBytes(12).toString('hex')}@${domainOf(opts.sender)}>`;
  const added = [
    !has('from') && `From: ${opts.sender}`,
    !has('date') && `Date: ${opts.now.toUTCString().replace('GMT', '+0000')}`,
    !has('message-id') && `Message-ID: ${messageId}`,
    ...(opts.extraHeaders ?? []),
    ...(opts.replaceBody ? ['MIME-Version: 1.0', ...opts.replaceBody.contentFields] : []),
  ].filter((h): h is string => typeof h === 'string');
  const head = Buffer.from([...kept, ...added].join('\r\n') + '\r\n\r\n', 'latin1');
  const body = opts.replaceBody?.body ?? parsed.body;
  const from = addressesOf(headerValue(parsed, 'from'))[0] ?? opts.sender;
  return { message: Buffer.concat([head, body]), from, recipients, messageId };
}

/** The domain of an address; 'localhost' for a bare name. */
export function domainOf(address: string): string {
  return address.includes('@') ? address.slice(address.lastIndexOf('@') + 1) : 'localhost';
}

/**
 * The device's new message and the original, as one multipart/mixed body: the device's own body
 * part first, then (forward) the original as an attached message (RFC 2046 5.2.1) or (reply) the
 * original's text quoted.
 */
export function combineWithOriginal(
  deviceMessage: Uint8Array,
  addition:
    | { readonly kind: 'forward'; readonly original: Uint8Array }
    | { readonly kind: 'reply'; readonly quoted: string },
): { contentFields: string[]; body: Buffer } {
  const parsed = parseMessage(deviceMessage);
  const boundary = `=_eas_${randomBytes(12).toString('hex')}`;
  const ownFields = parsed.headers
    .filter((h) => h.name === 'content-type' || h.name === 'content-transfer-encoding')
    .map((h) => h.raw);
  const first = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\n${(ownFields.length ? ownFields : ['Content-Type: text/plain; charset=utf-8']).join('\r\n')}\r\n\r\n`,
      'latin1',
    ),
    parsed.body,
  ]);
  const second =
    addition.kind === 'forward'
      ? Buffer.concat([
          Buffer.from(
            `\r\n--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="forwarded.eml"\r\n\r\n`,
            'latin1',
          ),
          Buffer.from(addition.original),
        ])
      : Buffer.from(
          `\r\n--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(addition.quoted, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n')}`,
          'latin1',
        );
  return {
    contentFields: [`Content-Type: multipart/mixed; boundary="${boundary}"`],
    body: Buffer.concat([first, second, Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1')]),
  };
}

/** "On <date>, <from> wrote:" and the text with "> " before each line (RFC 3676 quoting). */
export function quoteOriginal(text: string, from: string, date: Date | undefined): string {
  const intro = `On ${(date ?? new Date(0)).toUTCString()}, ${from} wrote:`;
  return `${intro}\n${text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n')}\n`;
}
