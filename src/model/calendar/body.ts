import { Buffer } from 'node:buffer';
import { child, childText, el, type WbxmlElement } from '../../wbxml/index.js';
import { truncateUtf8 } from '../email/body.js';
import { htmlToText, textToHtml } from '../email/html.js';
import type { BodyPreference } from '../email/options.js';
import { setText, textOf, type Component } from './icalendar.js';

// MS-ASAIRS 2.2.2.9 Body of calendar items and tasks (12.0+: always airsyncbase:Body). The text is
// DESCRIPTION; an HTML form, when a producer stored one, is X-ALT-DESC;FMTTYPE=text/html.

const PREVIEW_SINCE = 140;
const MAX_PREVIEW = 255;

export interface BodyText {
  readonly plain: string | undefined;
  readonly html: string | undefined;
}

export function bodyOf(comp: Component): BodyText {
  const alt = comp
    .getAllProperties('x-alt-desc')
    .find((p) => String(p.getFirstParameter('fmttype') ?? '').toLowerCase() === 'text/html');
  const html = alt ? String(alt.getFirstValue() ?? '') : undefined;
  return { plain: textOf(comp, 'description'), html: html === '' ? undefined : html };
}

/** The full text of the body as a type would carry it (1 plain, 2 HTML). */
export function bodyTextFor(body: BodyText, type: 1 | 2): string {
  if (type === 2) return body.html ?? (body.plain === undefined ? '' : textToHtml(body.plain));
  return body.plain ?? (body.html === undefined ? '' : htmlToText(body.html));
}

/** The Body element for the client's preferences: the first plain or HTML one, else plain text. */
export function renderBody(
  body: BodyText,
  prefs: readonly BodyPreference[],
  versionRank: number,
): WbxmlElement {
  const pref = prefs.find((p) => p.type === 1 || p.type === 2) ?? prefs[0] ?? { type: 1 };
  const type = pref.type === 2 ? 2 : 1;
  const text = bodyTextFor(body, type);
  const size = Buffer.byteLength(text, 'utf8');
  const limit = pref.truncationSize;
  const over = limit !== undefined && size > limit;
  const data = !over ? text : pref.allOrNone ? undefined : truncateUtf8(text, limit);
  const chars = versionRank >= PREVIEW_SINCE ? Math.min(pref.preview ?? 0, MAX_PREVIEW) : 0;
  const preview =
    chars > 0 && !(type === 1 && data !== undefined && data !== '')
      ? Array.from(bodyTextFor(body, 1).replace(/\s+/g, ' ').trim()).slice(0, chars).join('')
      : undefined;
  // MS-ASAIRS 2.2.2.9: Type, EstimatedDataSize, Truncated, Data, Preview.
  return el(
    'AirSyncBase:Body',
    el('AirSyncBase:Type', type),
    el('AirSyncBase:EstimatedDataSize', size),
    el('AirSyncBase:Truncated', over ? 1 : 0),
    data !== undefined && el('AirSyncBase:Data', data),
    preview !== undefined && el('AirSyncBase:Preview', preview),
  );
}

/** The device's Body: its type and data; undefined when it sent none or an RTF/MIME body. */
export function parseBody(applicationData: WbxmlElement): { type: 1 | 2; data: string } | undefined {
  const body = child(applicationData, 'AirSyncBase:Body');
  if (!body) return undefined;
  const type = Number(childText(body, 'AirSyncBase:Type') ?? '1');
  if (type !== 1 && type !== 2) return undefined;
  return { type, data: childText(body, 'AirSyncBase:Data') ?? '' };
}

/** Stores a device body unless it is what we would have sent for the stored one. */
export function applyBody(comp: Component, sent: { type: 1 | 2; data: string }): void {
  const current = bodyOf(comp);
  if (bodyTextFor(current, sent.type) === sent.data) return;
  if (sent.type === 2) {
    comp.removeAllProperties('x-alt-desc');
    const p = comp.addPropertyWithValue('x-alt-desc', sent.data);
    p.setParameter('fmttype', 'text/html');
    setText(comp, 'description', htmlToText(sent.data) || undefined);
  } else {
    // The stored HTML form would now say something else: drop it.
    comp.removeAllProperties('x-alt-desc');
    setText(comp, 'description', sent.data === '' ? undefined : sent.data);
  }
}
