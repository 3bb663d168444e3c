import { Buffer } from 'node:buffer';
import type { MailMessage, MimePart } from '../../../src/model/mail-message.js';
import type { EmailRenderOptions } from '../../../src/model/email/index.js';
import { el, encodeWbxml, toXml, type WbxmlElement } from '../../../src/wbxml/index.js';

// Hand-built MailMessages (what the IMAP backend reports) for the Email renderer tests.

export function leaf(section: string, type: string, extra: Partial<MimePart> = {}): MimePart {
  return { section, type, params: {}, dispositionParams: {}, children: [], ...extra };
}

export function multi(
  type: string,
  children: MimePart[],
  section = '',
  params: Record<string, string> = {},
): MimePart {
  return { section, type, params, dispositionParams: {}, children };
}

/** A text leaf whose size matches `raw`. */
export function textLeaf(
  section: string,
  type: string,
  raw: string | Buffer,
  extra: Partial<MimePart> = {},
): MimePart {
  return leaf(section, type, {
    params: { charset: 'utf-8' },
    encoding: '7bit',
    size: bytes(raw).length,
    ...extra,
  });
}

export function bytes(raw: string | Uint8Array): Buffer {
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
}

export function message(structure: MimePart, over: Partial<MailMessage> = {}): MailMessage {
  return {
    uid: 42,
    flags: [],
    internalDate: new Date('2026-03-04T05:06:07.890Z'),
    size: 4000,
    envelope: {
      date: new Date('2026-03-04T05:00:00Z'),
      subject: 'Quarterly report',
      from: [{ name: 'Ann Sender', address: 'ann@example.test' }],
      sender: [],
      replyTo: [],
      to: [{ name: 'Bob', address: 'bob@example.test' }, { address: 'carol@example.test' }],
      cc: [],
      bcc: [],
      messageId: '<root@example.test>',
    },
    headers: {},
    structure,
    ...over,
  };
}

export function options(over: Partial<EmailRenderOptions> = {}): EmailRenderOptions {
  return {
    versionRank: 141,
    bodyPreferences: [{ type: 1 }],
    mimeSupport: 0,
    fileReference: (section) => `5:42:${section}`,
    ...over,
  };
}

export function bodiesOf(entries: Record<string, string | Uint8Array>): Map<string, Uint8Array> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, bytes(v)]));
}

/** The rendered item as XML, after proving that every tag encodes as WBXML. */
export function xmlOf(fields: WbxmlElement[]): string {
  const root = el('AirSync:ApplicationData', fields);
  encodeWbxml(root);
  return toXml(root);
}
