import { randomBytes } from 'node:crypto';

// iMIP (RFC 6047): an iTIP object mailed as text/calendar with its METHOD, beside a short text
// for mailers that show no calendar parts (RFC 6047 2.4: multipart/alternative is the usual shape).

export interface ImipMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** The VCALENDAR with METHOD (REPLY, REQUEST, CANCEL). */
  readonly ics: string;
  readonly method: 'REPLY' | 'REQUEST' | 'CANCEL';
  readonly now: Date;
}

export function imipMessage(m: ImipMessage): Uint8Array {
  const boundary = `=_eas_${randomBytes(9).toString('hex')}`;
  const base64 = (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to.join(', ')}`,
    `Subject: ${encodeWord(m.subject)}`,
    `Date: ${m.now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${m.from.slice(m.from.lastIndexOf('@') + 1) || 'localhost'}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64(m.text),
    `--${boundary}`,
    `Content-Type: text/calendar; charset=utf-8; method=${m.method}`,
    'Content-Transfer-Encoding: base64',
    '',
    base64(m.ics),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** RFC 2047 B-encoding when the subject is not plain ASCII. */
function encodeWord(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}
