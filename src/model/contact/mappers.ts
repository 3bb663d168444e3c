import type { TagRef } from '../../wbxml/index.js';
import { ItemDataError } from '../item-codec.js';
import { fromEasDate, parseVCardDate, toEasDate, toVCardDate } from './dates.js';
import {
  ADDRESS_RULES,
  ADDRESS_SLOTS,
  ADR_COMPONENTS,
  CHILD_MATCH,
  CHILD_SHAPE,
  EMAIL_RULES,
  EMAIL_SLOTS,
  IM_PROPS,
  IM_RULES,
  IM_SCHEMES,
  IM_SLOTS,
  PHONE_RULES,
  PHONE_SLOTS,
  PICTURE_MAX_BASE64,
  SINGLE_FIELDS,
  STRUCTURED_FIELDS,
  type PropMatch,
  type SingleFieldRow,
  type SlotDef,
  type SlotRule,
  type StructuredRow,
} from './fields.js';
import {
  byPref,
  componentsOf,
  listOf,
  paramValues,
  prop,
  textOf,
  typesOf,
  withValues,
  type VersionString,
  type VProp,
} from './vcard.js';

// Each mapper owns some vCard properties and some EAS elements. `read` shows a card to the device;
// `write` edits the card with what the device sent: an element it sent replaces the property that
// showed it (parameters and group kept, the line untouched when the value is the same), an element
// it left out removes that property (MS-ASCMD 2.2.3.179: not ghosted unless the client's Supported
// list says so), and properties it was never shown stay as they are.

/** EAS values: text, or the entries of Categories / Children. */
export type FieldValue = string | readonly string[];
export type Fields = Map<TagRef, FieldValue>;

/** The card being edited by a device's Add or Change. */
export interface CardEdit {
  readonly version: VersionString;
  readonly props: VProp[];
}

export interface Mapper {
  read(props: readonly VProp[], out: Fields): void;
  /** `covered(tag)`: the device manages that element, so leaving it out means it is empty. */
  write(edit: CardEdit, device: Fields, covered: (tag: TagRef) => boolean): void;
}

// ---- edit primitives ----

function replace(edit: CardEdit, old: VProp, next: VProp): void {
  const i = edit.props.indexOf(old);
  if (i >= 0) edit.props[i] = next;
}

function remove(edit: CardEdit, old: VProp): void {
  const i = edit.props.indexOf(old);
  if (i >= 0) edit.props.splice(i, 1);
}

/** Inserts after the last property that `near` accepts, or at the end. */
function insert(edit: CardEdit, p: VProp, near: (q: VProp) => boolean): void {
  let at = -1;
  edit.props.forEach((q, i) => {
    if (near(q)) at = i;
  });
  if (at < 0) edit.props.push(p);
  else edit.props.splice(at + 1, 0, p);
}

const matches = (p: VProp, m: PropMatch): boolean =>
  p.name === m.name && (m.type === undefined || m.type.some((t) => typesOf(p).has(t)));

function scalarOf(device: Fields, tag: TagRef): string | undefined {
  const v = device.get(tag);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** RELATED defaults to a URI (RFC 6350 6.6.6); a name needs VALUE=text. */
function textParams(p: VProp): VProp['params'] {
  return p.name === 'related' ? { ...p.params, value: 'text' } : p.params;
}

// ---- one element ⇄ one property ----

function single(row: SingleFieldRow): Mapper {
  const valueOf = (p: VProp): string | undefined => {
    if (row.kind === 'date') {
      const d = parseVCardDate(textOf(p), paramValues(p, 'x-apple-omit-year')[0]);
      return d && toEasDate(d);
    }
    const v = textOf(p).trim();
    return v === '' ? undefined : v;
  };
  const candidates = (props: readonly VProp[]): VProp[] =>
    row.match.flatMap((m) => byPref(props.filter((p) => matches(p, m))));
  const bind = (props: readonly VProp[]): { prop: VProp; value: string } | undefined => {
    for (const p of candidates(props)) {
      const value = valueOf(p);
      if (value !== undefined) return { prop: p, value };
    }
    return undefined;
  };
  const normalize = (v: string): string => (row.kind === 'date' ? toEasDate(fromEasDate(v)) : v);
  const build = (edit: CardEdit, base: VProp | undefined, value: string): VProp => {
    const shape = edit.version === '3.0' ? row.v3 : row.v4;
    if (row.kind === 'date') {
      const d = toVCardDate(fromEasDate(value), edit.version);
      const kept = { ...(base?.params ?? shape.params ?? {}) };
      delete kept['x-apple-omit-year'];
      delete kept['value'];
      return base
        ? { ...withValues(base, [d.value], 'date'), params: { ...kept, ...d.params } }
        : prop(shape.name, [d.value], { ...kept, ...d.params }, 'date');
    }
    const type = row.kind === 'uri' ? 'uri' : 'text';
    if (base) return { ...withValues(base, [value], type), params: textParams(base) };
    return prop(shape.name, [value], { ...(shape.params ?? {}) }, type);
  };
  return {
    read(props, out) {
      const b = bind(props);
      if (b) out.set(row.tag, b.value);
    },
    write(edit, device, covered) {
      const raw = scalarOf(device, row.tag);
      if (raw === undefined && !covered(row.tag)) return;
      const value = raw === undefined ? undefined : normalize(raw);
      const bound = bind(edit.props);
      if (bound) {
        if (value === undefined) {
          for (const p of candidates(edit.props)) if (valueOf(p) !== undefined) remove(edit, p);
        } else if (value !== bound.value) replace(edit, bound.prop, build(edit, bound.prop, value));
        return;
      }
      if (value === undefined) return;
      // A property that could not be shown (a text BDAY, an empty TITLE) gives way to the new value.
      const stale = candidates(edit.props)[0];
      if (stale) replace(edit, stale, build(edit, stale, value));
      else edit.props.push(build(edit, undefined, value));
    },
  };
}

// ---- structured: N, ORG ----

function structured(row: StructuredRow): Mapper {
  const entries = Object.entries(row.components).map(([i, tag]) => [Number(i), tag] as const);
  const width = Math.max(...entries.map(([i]) => i)) + 1;
  const find = (props: readonly VProp[]): VProp | undefined =>
    byPref(props.filter((p) => p.name === row.name))[0];
  return {
    read(props, out) {
      const p = find(props);
      if (!p) return;
      const comps = componentsOf(p);
      for (const [i, tag] of entries) {
        const v = (comps[i] ?? '').trim();
        if (v !== '') out.set(tag, v);
      }
    },
    write(edit, device, covered) {
      if (!entries.some(([, tag]) => covered(tag) || device.has(tag))) return;
      const p = find(edit.props);
      const old = p ? componentsOf(p) : [];
      const next = [...old];
      while (next.length < width) next.push('');
      for (const [i, tag] of entries) {
        const v = scalarOf(device, tag);
        if (v !== undefined || covered(tag)) next[i] = v ?? '';
      }
      if (!row.fixedWidth) while (next.length > 1 && next[next.length - 1] === '') next.pop();
      if (p && next.length === old.length && next.every((c, i) => c.trim() === (old[i] ?? '').trim())) return;
      if (next.every((c) => c === '') && !(row.requiredIn3 && edit.version === '3.0')) {
        if (p) remove(edit, p);
        return;
      }
      if (p) replace(edit, p, withValues(p, [next], 'text'));
      else edit.props.push(prop(row.name, [next]));
    },
  };
}

// ---- lists: Categories, Children ----

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function listFrom(device: Fields, tag: TagRef): string[] | undefined {
  const v = device.get(tag);
  if (v === undefined) return undefined;
  return (typeof v === 'string' ? [v] : v).map((s) => s.trim()).filter((s) => s !== '');
}

const categories: Mapper = {
  read(props, out) {
    const all = [
      ...new Set(
        props
          .filter((p) => p.name === 'categories')
          .flatMap(listOf)
          .map((s) => s.trim()),
      ),
    ];
    const list = all.filter((s) => s !== '');
    if (list.length > 0) out.set('Contacts:Categories', list);
  },
  write(edit, device, covered) {
    const next = listFrom(device, 'Contacts:Categories');
    if (next === undefined && !covered('Contacts:Categories')) return;
    const shown = new Map<TagRef, FieldValue>();
    categories.read(edit.props, shown);
    const old = (shown.get('Contacts:Categories') as readonly string[] | undefined) ?? [];
    const want = [...new Set(next ?? [])];
    if (sameList(old, want)) return;
    const props = edit.props.filter((p) => p.name === 'categories');
    const at = props[0];
    if (want.length > 0) {
      const fresh = prop('categories', want);
      if (at) replace(edit, at, fresh);
      else edit.props.push(fresh);
    }
    for (const p of props) if (p !== at || want.length === 0) remove(edit, p);
  },
};

const children: Mapper = {
  read(props, out) {
    const list = childProps(props).map((p) => textOf(p).trim());
    if (list.length > 0) out.set('Contacts:Children', list);
  },
  write(edit, device, covered) {
    const next = listFrom(device, 'Contacts:Children');
    if (next === undefined && !covered('Contacts:Children')) return;
    const props = childProps(edit.props);
    const want = next ?? [];
    if (
      sameList(
        props.map((p) => textOf(p).trim()),
        want,
      )
    )
      return;
    const shape = CHILD_SHAPE[edit.version];
    const fresh = want.map((name) => prop(shape.name, [name], { ...(shape.params ?? {}) }));
    const at = props[0] ? edit.props.indexOf(props[0]) : edit.props.length;
    for (const p of props) remove(edit, p);
    edit.props.splice(Math.min(at, edit.props.length), 0, ...fresh);
  },
};

/** Children given by name; a RELATED;TYPE=child URI pointing at another card is not shown. */
function childProps(props: readonly VProp[]): VProp[] {
  return props.filter(
    (p) =>
      CHILD_MATCH.some((m) => matches(p, m)) &&
      (p.name !== 'related' || p.type === 'text') &&
      textOf(p).trim() !== '',
  );
}

// ---- slot families: TEL, EMAIL, IM, ADR ----

interface Family {
  readonly slots: readonly SlotDef[];
  readonly rules: readonly SlotRule[];
  member(p: VProp): boolean;
  /** Values for the slot's tags; undefined when the property cannot be shown. */
  valueOf(p: VProp): string[] | undefined;
  /** Device text → the form valueOf gives (an address out of `"Name" <addr>`). */
  normalize(v: string): string;
  create(slot: SlotDef, values: readonly string[], version: VersionString): VProp;
  update(p: VProp, values: readonly string[]): VProp;
}

function ruleFor(rules: readonly SlotRule[], types: Set<string>): SlotRule {
  for (const r of rules) {
    if (r.all && !r.all.every((t) => types.has(t))) continue;
    if (r.any && !r.any.some((t) => types.has(t))) continue;
    return r;
  }
  return rules[rules.length - 1]!;
}

/** Which property shows in which slot (see SlotRule). */
export function assignSlots(family: Family, props: readonly VProp[]): Map<string, VProp> {
  const members = byPref(props.filter((p) => family.member(p) && family.valueOf(p) !== undefined));
  const taken = new Map<string, VProp>();
  const rules = members.map((p) => ruleFor(family.rules, typesOf(p)));
  const left: number[] = [];
  members.forEach((p, i) => {
    const first = rules[i]!.slots[0]!;
    if (!taken.has(first)) taken.set(first, p);
    else left.push(i);
  });
  for (const i of left) {
    const slot = rules[i]!.slots.slice(1).find((s) => !taken.has(s));
    if (slot !== undefined) taken.set(slot, members[i]!);
  }
  return taken;
}

function slotMapper(family: Family): Mapper {
  return {
    read(props, out) {
      const taken = assignSlots(family, props);
      for (const slot of family.slots) {
        const p = taken.get(slot.key);
        const values = p && family.valueOf(p);
        if (!values) continue;
        slot.tags.forEach((tag, i) => {
          const v = values[i] ?? '';
          if (v !== '') out.set(tag, v);
        });
      }
    },
    write(edit, device, covered) {
      const taken = assignSlots(family, edit.props);
      for (const slot of family.slots) {
        if (!slot.tags.some((t) => covered(t) || device.has(t))) continue;
        const p = taken.get(slot.key);
        const old = (p && family.valueOf(p)) ?? slot.tags.map(() => '');
        const next = slot.tags.map((tag, i) => {
          const v = scalarOf(device, tag);
          if (v !== undefined) return family.normalize(v);
          return covered(tag) ? '' : (old[i] ?? '');
        });
        const present = next.some((v) => v !== '');
        if (p) {
          if (!present) remove(edit, p);
          else if (!sameList(next, old)) replace(edit, p, family.update(p, next));
        } else if (present) insert(edit, family.create(slot, next, edit.version), family.member);
      }
    },
  };
}

const typeParam = (types: readonly string[]): Record<string, readonly string[]> =>
  types.length > 0 ? { type: types } : {};

const phones: Family = {
  slots: PHONE_SLOTS,
  rules: PHONE_RULES,
  member: (p) => p.name === 'tel',
  valueOf(p) {
    // RFC 6350 6.4.1: a 4.0 TEL may be a tel: URI.
    const v = textOf(p).trim().replace(/^tel:/i, '');
    return v === '' ? undefined : [v];
  },
  normalize: (v) => v,
  create: (slot, [v]) => prop('tel', [v ?? ''], typeParam(slot.types)),
  // Written as text: a new number typed on a phone is rarely a valid tel: URI.
  update: (p, [v]) => withValues(p, [v ?? ''], 'text'),
};

/** `"Name" <addr>`, `Name <addr>` or a bare address → the address (devices send either form). */
export function emailAddressOf(v: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(v);
  return (angle ? angle[1]! : v).trim().replace(/^mailto:/i, '');
}

const emails: Family = {
  slots: EMAIL_SLOTS,
  rules: EMAIL_RULES,
  member: (p) => p.name === 'email',
  valueOf(p) {
    const v = textOf(p).trim();
    return v === '' ? undefined : [v];
  },
  normalize: emailAddressOf,
  create: (_slot, [v], version) => prop('email', [v ?? ''], version === '3.0' ? { type: ['internet'] } : {}),
  update: (p, [v]) => withValues(p, [v ?? ''], 'text'),
};

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

const ims: Family = {
  slots: IM_SLOTS,
  rules: IM_RULES,
  member: (p) => IM_PROPS.includes(p.name),
  valueOf(p) {
    let v = textOf(p).trim();
    const scheme = SCHEME.exec(v)?.[1]?.toLowerCase();
    if (p.name === 'impp' && scheme !== undefined && IM_SCHEMES.includes(scheme))
      v = v.slice(scheme.length + 1);
    return v === '' ? undefined : [v];
  },
  normalize: (v) => v,
  // A new address without a scheme: xmpp when it looks like one (user@host), else RFC 3860 im:.
  create: (_slot, [v = '']) =>
    prop('impp', [SCHEME.test(v) ? v : (v.includes('@') ? 'xmpp:' : 'im:') + v], {}, 'uri'),
  update(p, [v = '']) {
    if (p.name !== 'impp') return withValues(p, [v], 'text');
    const scheme = SCHEME.exec(textOf(p))?.[1];
    return withValues(p, [SCHEME.test(v) || scheme === undefined ? v : `${scheme}:${v}`], 'uri');
  },
};

const addresses: Family = {
  slots: ADDRESS_SLOTS,
  rules: ADDRESS_RULES,
  member: (p) => p.name === 'adr',
  valueOf(p) {
    const comps = componentsOf(p);
    const v = ADR_COMPONENTS.map((i) => (comps[i] ?? '').trim());
    return v.some((x) => x !== '') ? v : undefined;
  },
  normalize: (v) => v.replace(/\r\n?/g, '\n'),
  create: (slot, v) => prop('adr', [['', '', ...v]], typeParam(slot.types)),
  update(p, v) {
    const comps = componentsOf(p);
    while (comps.length < 7) comps.push('');
    ADR_COMPONENTS.forEach((c, i) => (comps[c] = v[i] ?? ''));
    return withValues(p, [comps], 'text');
  },
};

// ---- Picture ----

/** The base64 of a PHOTO held in the card (3.0 ENCODING=b, 4.0 data: URI); undefined for a URL. */
export function photoOf(p: VProp): { base64: string; mediaType: string } | undefined {
  const v = textOf(p).replace(/\s+/g, '');
  const data = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/i.exec(v);
  if (data) return { base64: data[2]!, mediaType: data[1] || 'image/jpeg' };
  const enc = paramValues(p, 'encoding')[0];
  if (p.type === 'binary' || enc === 'b' || enc === 'base64') {
    const t = [...typesOf(p)].find((x) => x !== 'pref');
    return { base64: v, mediaType: t === undefined ? 'image/jpeg' : t.includes('/') ? t : `image/${t}` };
  }
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function sniffImage(bytes: Buffer): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  if (bytes[0] === 0x47 && bytes[1] === 0x49) return 'gif';
  return 'jpeg';
}

const picture: Mapper = {
  read(props, out) {
    const p = byPref(props.filter((q) => q.name === 'photo'))[0];
    const photo = p && photoOf(p);
    // A photo too large for Sync is not sent; it stays in the card (see write).
    if (
      photo &&
      photo.base64 !== '' &&
      photo.base64.length <= PICTURE_MAX_BASE64 &&
      BASE64.test(photo.base64)
    )
      out.set('Contacts:Picture', photo.base64);
  },
  write(edit, device, covered) {
    const sent = device.get('Contacts:Picture');
    if (sent === undefined && !covered('Contacts:Picture')) return;
    const value = typeof sent === 'string' ? sent.replace(/\s+/g, '') : '';
    const shown = new Map<TagRef, FieldValue>();
    picture.read(edit.props, shown);
    const old = shown.get('Contacts:Picture');
    const photos = byPref(edit.props.filter((q) => q.name === 'photo'));
    if (value === '') {
      if (old !== undefined && photos[0]) remove(edit, photos[0]);
      return;
    }
    if (value === old) return;
    if (!BASE64.test(value)) throw new ItemDataError('Picture is not base64');
    // MS-ASCNTC 2.2.2.58: larger than 48 KB of base64 is a Status 6.
    if (value.length > PICTURE_MAX_BASE64) throw new ItemDataError('Picture larger than 48 KB');
    const kind = sniffImage(Buffer.from(value.slice(0, 16), 'base64'));
    // Radicale cuts `PHOTO:data:…;base64,…` at the comma, so 3.0 cards get the 3.0 form.
    const fresh =
      edit.version === '3.0'
        ? prop('photo', [value], { encoding: 'b', type: kind.toUpperCase() }, 'binary')
        : prop('photo', [`data:image/${kind};base64,${value}`], {}, 'uri');
    if (photos[0]) replace(edit, photos[0], fresh);
    else edit.props.push(fresh);
  },
};

// ---- notes ----

/** MS-ASCNTC 3.1.5.4: a Change without airsyncbase:Body keeps the notes. */
const notes: Mapper = {
  read(props, out) {
    const p = byPref(props.filter((q) => q.name === 'note'))[0];
    const v = p && textOf(p);
    if (v) out.set('AirSyncBase:Body', v);
  },
  write(edit, device) {
    const sent = device.get('AirSyncBase:Body');
    if (typeof sent !== 'string') return;
    const value = sent.replace(/\r\n?/g, '\n');
    const p = byPref(edit.props.filter((q) => q.name === 'note'))[0];
    if (value === '') {
      if (p) remove(edit, p);
    } else if (!p) edit.props.push(prop('note', [value]));
    else if (textOf(p) !== value) replace(edit, p, withValues(p, [value], 'text'));
  },
};

export const PHONE_FAMILY = phones;
export const EMAIL_FAMILY = emails;

/** Every mapper, in the order a new card's properties are written. */
export const MAPPERS: readonly Mapper[] = [
  ...SINGLE_FIELDS.filter((r) => r.tag === 'Contacts:FileAs').map(single),
  ...STRUCTURED_FIELDS.map(structured),
  ...SINGLE_FIELDS.filter((r) => r.tag !== 'Contacts:FileAs').map(single),
  slotMapper(emails),
  slotMapper(phones),
  slotMapper(addresses),
  slotMapper(ims),
  categories,
  children,
  notes,
  picture,
];
