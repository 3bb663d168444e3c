import { meetingMessageClass, type Meeting } from './meeting.js';
import type { SmimeKind } from './structure.js';

// MS-ASEMAIL MessageClass and ContentClass: what kind of item the client should show.

/**
 * IPM.Note.SMIME for application/pkcs7-mime (encrypted or opaque-signed, MS-OXOSMIME),
 * IPM.Note.SMIME.MultipartSigned for clear-signed mail, IPM.Schedule.Meeting.* for iTIP
 * requests, cancellations and replies, IPM.Note for everything else. S/MIME comes first: what is
 * inside the envelope is for the client to find out.
 */
export function messageClass(
  smime: SmimeKind,
  meeting: Pick<Meeting, 'method' | 'partstat'> | undefined,
): string {
  if (smime === 'opaque') return 'IPM.Note.SMIME';
  if (smime === 'signed') return 'IPM.Note.SMIME.MultipartSigned';
  return (meeting && meetingMessageClass(meeting)) ?? 'IPM.Note';
}

export function isMeetingClass(cls: string): boolean {
  return cls.startsWith('IPM.Schedule.Meeting.');
}

/** MS-ASEMAIL ContentClass: the DAV content class matching the message class. */
export function contentClass(cls: string): string {
  return isMeetingClass(cls) ? 'urn:content-classes:calendarmessage' : 'urn:content-classes:message';
}
