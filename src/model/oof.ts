// Out-of-office settings as Settings:Oof carries them (MS-ASCMD 2.2.3.119 OofState, 2.2.3.10 BodyType).
export type OofState = 'disabled' | 'global' | 'time-based';

export interface OofMessage {
  enabled: boolean;
  /** Plain text reply. */
  text: string;
}

export interface OofSettings {
  state: OofState;
  /** Window for 'time-based' (MS-ASCMD 2.2.3.177 StartTime, 2.2.3.64 EndTime). */
  start?: Date;
  end?: Date;
  /** Reply to senders inside the organisation. */
  internal?: OofMessage;
  /** Reply to known external senders (in the user's contacts). */
  externalKnown?: OofMessage;
  /** Reply to unknown external senders. */
  externalUnknown?: OofMessage;
}
