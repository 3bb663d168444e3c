import { isElement, type TagRef, type WbxmlElement } from '../wbxml/index.js';

// What never reaches a trace (secrets), and what reaches it only when the operator allows
// (message bodies and MIME, replaced by their size). Replay applies the same body redaction to a
// live answer when the recording was redacted, so such a trace still compares: sizes must match.

const SECRETS = new Set<string>([
  'Settings:Password',
  'Search:Password',
  'ItemOperations:Password',
] satisfies TagRef[]);
const BODIES = new Set<string>([
  'AirSyncBase:Data',
  'ComposeMail:Mime',
  'Email:Body',
  'Email:MIMEData',
] satisfies TagRef[]);

const REDACTED_BODY = /^\[redacted \d+ bytes\]$/;

export const redactedBody = (bytes: number): string => `[redacted ${bytes} bytes]`;

/** Secrets always, bodies too when asked. */
export function redact(e: WbxmlElement, bodies: boolean): WbxmlElement {
  return {
    tag: e.tag,
    children: e.children.map((c) => {
      if (!isElement(c)) return c;
      if (SECRETS.has(c.tag)) return { tag: c.tag, children: ['[redacted]'] };
      if (bodies && BODIES.has(c.tag)) {
        const size = c.children.reduce(
          (n, x) => n + (typeof x === 'string' ? Buffer.byteLength(x) : isElement(x) ? 0 : x.length),
          0,
        );
        return { tag: c.tag, children: [redactedBody(size)] };
      }
      return redact(c, bodies);
    }),
  };
}

/** Whether a recorded tree had its bodies replaced by their size. */
export function hasRedactedBodies(e: WbxmlElement): boolean {
  return e.children.some(
    (c) =>
      isElement(c) &&
      (BODIES.has(c.tag)
        ? c.children.some((x) => typeof x === 'string' && REDACTED_BODY.test(x))
        : hasRedactedBodies(c)),
  );
}
