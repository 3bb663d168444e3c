// What the Sync / ItemOperations / Search request asked for, as the Email renderer needs it.

/** MS-ASAIRS 2.2.2.12 BodyPreference, as read from the request Options. */
export interface BodyPreference {
  /** MS-ASAIRS 2.2.2.41.4 Type: 1 plain text, 2 HTML, 3 RTF, 4 MIME. */
  readonly type: number;
  /** MS-ASAIRS 2.2.2.40.2: bytes; absent means the whole body. */
  readonly truncationSize?: number;
  /** MS-ASAIRS 2.2.2.3.2: only meaningful together with truncationSize. */
  readonly allOrNone?: boolean;
  /** MS-ASAIRS 2.2.2.35.4: characters of plain-text preview, 0..255 (14.0+). */
  readonly preview?: number;
}

export interface EmailRenderOptions {
  /** Protocol version as its rank: 120, 121, 140, 141, 160, 161. */
  readonly versionRank: number;
  /** From the Sync/ItemOperations Options, in the client's order (may be empty). */
  readonly bodyPreferences: readonly BodyPreference[];
  /** MS-ASAIRS MIMESupport: 0 never MIME, 1 MIME for S/MIME only, 2 MIME for all messages. */
  readonly mimeSupport: 0 | 1 | 2;
  /** Builds the AirSyncBase:FileReference for an attachment part (the caller knows collection and item). */
  readonly fileReference: (section: string) => string;
}

/** MS-ASAIRS 2.2.2.41.1 Type (Body). RTF (3) is never produced: IMAP mail has no RTF body. */
export const BodyType = { PlainText: 1, Html: 2, Rtf: 3, Mime: 4 } as const;
export type RenderedBodyType = 1 | 2 | 4;

// Version ranks at which elements appear (MS-ASEMAIL / MS-ASAIRS "Protocol Versions" tables).
export const V14_0 = 140;
export const V14_1 = 141;
export const V16_0 = 160;
