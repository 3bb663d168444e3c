import { Buffer } from 'node:buffer';
import {
  child,
  childText,
  elements,
  el,
  isTagValidIn,
  text,
  type ProtocolVersionString,
  type TagRef,
  type WbxmlElement,
} from '../../wbxml/index.js';
import { truncateUtf8 } from '../email/body.js';
import { htmlToText, textToHtml } from '../email/html.js';
import type { BodyPreference } from '../email/options.js';
import {
  type ItemApplyOptions,
  type ItemCodec,
  type ItemRenderOptions,
  type StoredItem,
} from '../item-codec.js';
import { ELEMENT_ORDER } from './fields.js';
import { MAPPERS, type CardEdit, type Fields } from './mappers.js';
import { parseVCard, prop, textOf, writeVCard, type VCard, type VProp } from './vcard.js';

// MS-ASCNTC Contact class ⇄ vCard. The field map is in fields.ts, the per-property rules in
// mappers.ts; this file turns their values into ApplicationData and back.

/** Contacts read `supported` (MS-ASCMD 2.2.3.179 ghosting) from the common options. */
export type ContactApplyOptions = ItemApplyOptions;

const VERSION_OF_RANK: Readonly<Record<number, ProtocolVersionString>> = {
  120: '12.0',
  121: '12.1',
  140: '14.0',
  141: '14.1',
  160: '16.0',
  161: '16.1',
};

const LIST_ITEMS: Partial<Record<TagRef, TagRef>> = {
  'Contacts:Categories': 'Contacts:Category',
  'Contacts:Children': 'Contacts:Child',
};

/** The EAS values a card shows. */
export function contactFields(card: VCard): Fields {
  const out: Fields = new Map();
  for (const m of MAPPERS) m.read(card.props, out);
  return out;
}

function render(source: string, options: ItemRenderOptions): WbxmlElement[] {
  const fields = contactFields(parseVCard(source));
  const version = VERSION_OF_RANK[options.versionRank] ?? '16.1';
  const out: WbxmlElement[] = [];
  for (const tag of ELEMENT_ORDER) {
    const v = fields.get(tag);
    if (v === undefined || !isTagValidIn(tag, version)) continue;
    if (tag === 'AirSyncBase:Body' && typeof v === 'string') out.push(renderBody(v, options.bodyPreferences));
    else if (typeof v === 'string') out.push(el(tag, v));
    else
      out.push(
        el(
          tag,
          v.map((s) => el(LIST_ITEMS[tag]!, s)),
        ),
      );
  }
  return out;
}

/**
 * MS-ASAIRS 2.2.2.9 Body: the notes as plain text (type 1), or as HTML when the client asks only
 * for HTML; cut to TruncationSize bytes (MS-ASCNTC 3.1.5.4), nothing at all with AllOrNone.
 */
function renderBody(note: string, prefs: readonly BodyPreference[]): WbxmlElement {
  const html = !prefs.some((p) => p.type === 1) && prefs.some((p) => p.type === 2);
  const type = html ? 2 : 1;
  const pref = prefs.find((p) => p.type === type) ?? prefs[0] ?? { type };
  const data = html ? textToHtml(note) : note;
  const size = Buffer.byteLength(data, 'utf8');
  const limit = pref.truncationSize;
  const cut = limit !== undefined && size > limit;
  return el(
    'AirSyncBase:Body',
    el('AirSyncBase:Type', type),
    el('AirSyncBase:EstimatedDataSize', size),
    el('AirSyncBase:Truncated', cut ? 1 : 0),
    !(cut && pref.allOrNone) && el('AirSyncBase:Data', cut ? truncateUtf8(data, limit) : data),
  );
}

/** The device's ApplicationData as values; unknown elements (Alias, 2.5 Body…) are ignored. */
export function deviceFields(appData: WbxmlElement): Fields {
  const out: Fields = new Map();
  for (const e of elements(appData)) {
    const item = LIST_ITEMS[e.tag];
    if (item)
      out.set(
        e.tag,
        elements(e, item).map((c) => text(c) ?? ''),
      );
    else if (e.tag === 'AirSyncBase:Body') {
      const body = bodyText(e);
      if (body !== undefined) out.set(e.tag, body);
    } else if (e.tag.startsWith('Contacts:') || e.tag.startsWith('Contacts2:')) out.set(e.tag, text(e) ?? '');
  }
  return out;
}

function bodyText(body: WbxmlElement): string | undefined {
  const type = Number(childText(body, 'AirSyncBase:Type') ?? '1');
  const data = child(body, 'AirSyncBase:Data');
  // RTF (3) and MIME (4) notes are not converted; the stored notes stay.
  if (type !== 1 && type !== 2) return undefined;
  const s = text(data) ?? '';
  return type === 2 ? htmlToText(s) : s;
}

function apply(
  appData: WbxmlElement,
  existing: string | undefined,
  options: ContactApplyOptions,
): StoredItem {
  const device = deviceFields(appData);
  const base: VCard =
    existing === undefined ? { version: '3.0', props: [prop('version', ['3.0'])] } : parseVCard(existing);
  const edit: CardEdit = { version: base.version, props: [...base.props] };
  const supported = existing === undefined ? undefined : options.supported;
  const covered = (tag: TagRef): boolean => supported === undefined || supported.has(tag);
  let uid = uidOf(edit.props);
  if (uid === undefined) {
    uid = options.newUid();
    const at = edit.props.findIndex((p) => p.name === 'version');
    edit.props.splice(at + 1, 0, prop('uid', [uid]));
  }
  for (const m of MAPPERS) m.write(edit, device, covered);
  ensureName(edit);
  stampRevision(edit, options.now);
  return { text: writeVCard(edit), uid };
}

function uidOf(props: readonly VProp[]): string | undefined {
  const p = props.find((q) => q.name === 'uid');
  const v = p && textOf(p).trim();
  return v || undefined;
}

/** FN is required in 3.0 and 4.0, N in 3.0 (RFC 2426 3.1.2, RFC 6350 6.2.1). */
function ensureName(edit: CardEdit): void {
  const fields = new Map() as Fields;
  for (const m of MAPPERS) m.read(edit.props, fields);
  if (!fields.has('Contacts:FileAs')) {
    const get = (t: TagRef): string => {
      const v = fields.get(t);
      return typeof v === 'string' ? v : '';
    };
    const person = [
      'Contacts:Title',
      'Contacts:FirstName',
      'Contacts:MiddleName',
      'Contacts:LastName',
      'Contacts:Suffix',
    ]
      .map((t) => get(t as TagRef))
      .filter((s) => s !== '')
      .join(' ');
    const fn =
      person || get('Contacts:CompanyName') || get('Contacts:Email1Address') || get('Contacts2:NickName');
    for (const p of edit.props.filter((q) => q.name === 'fn')) edit.props.splice(edit.props.indexOf(p), 1);
    const at = edit.props.findIndex((p) => p.name === 'uid');
    edit.props.splice(at + 1, 0, prop('fn', [fn]));
  }
  if (edit.version === '3.0' && !edit.props.some((p) => p.name === 'n')) {
    const at = edit.props.findIndex((p) => p.name === 'fn');
    edit.props.splice(at + 1, 0, prop('n', [['', '', '', '', '']]));
  }
}

/** REV (RFC 6350 6.7.4) says when the card last changed. */
function stampRevision(edit: CardEdit, now: Date): void {
  for (const p of edit.props.filter((q) => q.name === 'rev')) edit.props.splice(edit.props.indexOf(p), 1);
  const iso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const value = edit.version === '4.0' ? iso.replace(/[-:]/g, '') : iso;
  edit.props.push(prop('rev', [value], {}, 'timestamp'));
}

export const contactCodec: ItemCodec = {
  itemClass: 'Contacts',
  contentType: 'text/vcard; charset=utf-8',
  render,
  apply,
};
