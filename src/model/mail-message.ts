// A mail message as the mail backend reports it, before it becomes an EAS Email item. Built from
// IMAP FETCH (FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, selected header fields)
// without downloading bodies: the Email renderer decides which parts it needs (see BodyFetch).

export interface MailAddress {
  /** Display name, already decoded from RFC 2047 encoded words. */
  readonly name?: string;
  readonly address?: string;
}

export interface MailEnvelope {
  readonly date?: Date;
  readonly subject?: string;
  readonly from: readonly MailAddress[];
  readonly sender: readonly MailAddress[];
  readonly replyTo: readonly MailAddress[];
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly bcc: readonly MailAddress[];
  /** With angle brackets, as in the header. */
  readonly messageId?: string;
  readonly inReplyTo?: string;
}

/** One node of the MIME tree (RFC 3501 BODYSTRUCTURE). */
export interface MimePart {
  /** IMAP section of this part: '1', '2.1'. '' for a multipart root; '1' for a single-part body. */
  readonly section: string;
  /** Lower-case `type/subtype`. */
  readonly type: string;
  /** Content-Type parameters with lower-case names and decoded values (charset, name, method…). */
  readonly params: Readonly<Record<string, string>>;
  /** Lower-case Content-Transfer-Encoding (7bit, 8bit, base64, quoted-printable, binary). */
  readonly encoding?: string;
  /** Size of the encoded part in bytes. */
  readonly size?: number;
  /** Content-ID with its angle brackets. */
  readonly contentId?: string;
  /** Lower-case disposition ('inline', 'attachment'). */
  readonly disposition?: string;
  /** Content-Disposition parameters, lower-case names, decoded values (filename…). */
  readonly dispositionParams: Readonly<Record<string, string>>;
  readonly children: readonly MimePart[];
}

export interface MailMessage {
  readonly uid: number;
  /** IMAP system flags (`\Seen`) and keywords (`$Forwarded`, `Work`), as the server spells them. */
  readonly flags: readonly string[];
  readonly internalDate: Date;
  /** RFC822.SIZE. */
  readonly size: number;
  readonly envelope: MailEnvelope;
  /**
   * The header fields named in EMAIL_HEADER_FIELDS that the message has: lower-case names, values
   * unfolded but not decoded (the renderer decodes what it shows).
   */
  readonly headers: Readonly<Record<string, string>>;
  readonly structure: MimePart;
}

/**
 * A piece of a message the renderer needs besides the structure. `section` is an IMAP section
 * ('1.2'), or undefined for the whole message source. `maxBytes` asks for only the first bytes of
 * the encoded content (IMAP partial fetch `<0.maxBytes>`).
 */
export interface BodyFetch {
  readonly section: string | undefined;
  readonly maxBytes?: number;
}

/** Fetched content, keyed by `bodyFetchKey`: the raw (still transfer-encoded) bytes. */
export type FetchedBodies = ReadonlyMap<string, Uint8Array>;

export function bodyFetchKey(fetch: BodyFetch): string {
  return fetch.section ?? 'SOURCE';
}
