import ICAL from 'ical.js';
import { ItemSourceError } from '../item-codec.js';

// vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) as a list of properties. ical.js decodes values and
// parameters; every property also keeps its original content line, so a property the codec does
// not touch is written back byte for byte (ical.js's own writer escapes the comma of a data: URI
// and rewrites dates, which a round trip must not do).

/** A jCard value: text, a number, or the components of a structured value. */
export type VValue = string | number | readonly VValue[];

export type VersionString = '3.0' | '4.0';

export interface VProp {
  /** RFC 6350 6.1 / RFC 2426 4: the group prefix (`item1.TEL`), as written. */
  readonly group?: string;
  /** Lower-case property name. */
  readonly name: string;
  /** Lower-case parameter names; a comma list or repeated parameter becomes an array. */
  readonly params: Readonly<Record<string, string | readonly string[]>>;
  /** jCard value type (`text`, `uri`, `binary`, `date`, `unknown` for X- properties…). */
  readonly type: string;
  readonly values: readonly VValue[];
  /** The unfolded content line this property was read from; dropped when the property changes. */
  readonly raw?: string;
}

export interface VCard {
  readonly version: VersionString;
  readonly props: readonly VProp[];
}

// ---- reading ----

/** Parses one vCard; broken text or an unsupported VERSION is an ItemSourceError. */
export function parseVCard(source: string): VCard {
  let text = source.replace(/^\uFEFF/, '');
  const declared = /^VERSION:[ \t]*([^\r\n]*)/im.exec(text)?.[1]?.trim();
  if (declared === '2.1') text = legacyLines(text, true);
  else if (declared !== undefined && declared !== '3.0' && declared !== '4.0')
    throw new ItemSourceError(`unsupported vCard VERSION ${declared}`);
  else if (/[;:]ENCODING=QUOTED-PRINTABLE[;:]/i.test(text)) text = legacyLines(text, false);
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (e) {
    // Some servers store 2.1 habits under VERSION:3.0 (bare TYPEs, quoted-printable): one more try.
    try {
      text = legacyLines(text, false);
      parsed = ICAL.parse(text);
    } catch {
      throw new ItemSourceError(`unreadable vCard: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // A resource holds one contact (RFC 6352 5.1); a multi-card file yields its first.
  const comp = Array.isArray(parsed) && Array.isArray(parsed[0]) ? (parsed[0] as unknown) : parsed;
  if (!Array.isArray(comp) || comp[0] !== 'vcard' || !Array.isArray(comp[1]))
    throw new ItemSourceError('not a vCard');
  const props = (comp[1] as unknown[]).map(toProp);
  const lines = contentLines(text);
  // Keep the original lines only when they pair up with ical.js's properties one to one.
  const paired = lines.length === props.length && lines.every((l, i) => lineName(l) === props[i]!.name);
  const withRaw = paired ? props.map((p, i) => ({ ...p, raw: lines[i]! })) : props;
  return { version: declared === '4.0' ? '4.0' : '3.0', props: withRaw };
}

function toProp(j: unknown): VProp {
  if (!Array.isArray(j) || typeof j[0] !== 'string' || typeof j[2] !== 'string')
    throw new ItemSourceError('malformed vCard property');
  const params: Record<string, string | readonly string[]> = {};
  let group: string | undefined;
  for (const [k, v] of Object.entries((j[1] ?? {}) as Record<string, unknown>)) {
    if (k === 'group' && typeof v === 'string') group = v;
    else if (typeof v === 'string') params[k] = v;
    else if (Array.isArray(v)) params[k] = v.map(String);
  }
  return {
    ...(group !== undefined ? { group } : {}),
    name: j[0].toLowerCase(),
    params,
    type: j[2],
    values: (j.slice(3) as unknown[]).map(toValue),
  };
}

function toValue(v: unknown): VValue {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toValue);
  return String(v);
}

/** Content lines as ical.js sees them: LF-separated, CR stripped, folds joined, blanks skipped. */
function contentLines(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split('\n')) {
    const line = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0)
      out[out.length - 1] += line.slice(1);
    else if (line !== '') out.push(line);
  }
  return out.filter((l) => !/^(BEGIN|END):VCARD\s*$/i.test(l));
}

function lineName(line: string): string {
  const m = /^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)/.exec(line);
  return (m?.[1] ?? '').toLowerCase();
}

// vCard 2.1 (still produced by some phones and old servers): bare TYPE tokens, quoted-printable
// values with soft line breaks, CHARSET. Rewritten as 3.0 before parsing; a Change stores 3.0.
function legacyLines(text: string, from21: boolean): string {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const logical: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i]!;
    if (/ENCODING=QUOTED-PRINTABLE|;QUOTED-PRINTABLE[;:]/i.test(line.split(':')[0] ?? '')) {
      // RFC 2045 6.7: '=' at the end of a line is a soft line break.
      while (line.endsWith('=') && i + 1 < raw.length) line = line.slice(0, -1) + raw[++i]!;
    } else {
      while (i + 1 < raw.length && /^[ \t]/.test(raw[i + 1]!)) line += raw[++i]!.slice(1);
    }
    logical.push(line);
  }
  return logical.map((l) => (from21 && /^VERSION:/i.test(l) ? 'VERSION:3.0' : legacyLine(l))).join('\r\n');
}

function legacyLine(line: string): string {
  const colon = line.indexOf(':');
  if (colon < 0) return line;
  const [name, ...params] = line.slice(0, colon).split(';');
  let value = line.slice(colon + 1);
  let qp = false;
  let charset = 'utf-8';
  const kept: string[] = [];
  for (const p of params) {
    const eq = p.indexOf('=');
    const key = (eq < 0 ? '' : p.slice(0, eq)).toUpperCase();
    const val = eq < 0 ? p : p.slice(eq + 1);
    if (/^quoted-printable$/i.test(val)) qp = true;
    else if (key === 'CHARSET') charset = val;
    else if (/^base64$/i.test(val)) kept.push('ENCODING=b');
    else if (eq < 0) kept.push(`TYPE=${val}`);
    else kept.push(p);
  }
  if (qp) {
    const bytes = Buffer.from(
      value.replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    );
    let decoded: string;
    try {
      decoded = new TextDecoder(charset, { fatal: false }).decode(bytes);
    } catch {
      decoded = bytes.toString('latin1');
    }
    // 2.1 values are not escaped; only the line breaks need it to fit on one content line.
    value = decoded.replace(/\r\n|\r|\n/g, '\\n');
  }
  return [name, ...kept].join(';') + ':' + value;
}

// ---- accessors ----

/** A parameter's values, lower-cased, comma lists split (`TYPE=work,voice` = `TYPE=WORK;TYPE=VOICE`). */
export function paramValues(p: VProp, name: string): string[] {
  const v = p.params[name];
  if (v === undefined) return [];
  const list = typeof v === 'string' ? [v] : v;
  return list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

export function typesOf(p: VProp): Set<string> {
  return new Set(paramValues(p, 'type'));
}

/** RFC 6350 5.3 PREF (1 most preferred) or 3.0 TYPE=pref; unpreferred properties sort last. */
export function prefRank(p: VProp): number {
  const n = Number(paramValues(p, 'pref')[0]);
  if (Number.isInteger(n) && n >= 1 && n <= 100) return n;
  return typesOf(p).has('pref') ? 1 : 101;
}

/** Properties by preference, keeping card order among equals. */
export function byPref(props: readonly VProp[]): VProp[] {
  return props
    .map((p, i) => ({ p, i, r: prefRank(p) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.p);
}

function scalar(v: VValue | undefined): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map(scalar).join(',');
  return String(v);
}

/** The value as one string; X- properties (type `unknown`) arrive escaped and are unescaped here. */
export function textOf(p: VProp): string {
  const s = p.values.map(scalar).join(',');
  return p.type === 'unknown' ? unescapeText(s) : s;
}

/** All values of a multi-valued text property (CATEGORIES, NICKNAME). */
export function listOf(p: VProp): string[] {
  if (p.type === 'unknown') return splitUnescaped(p.values.map(scalar).join(','), ',').map(unescapeText);
  return p.values.map(scalar);
}

/** Components of a structured value (N, ADR, ORG); a multi-valued component is joined with ','. */
export function componentsOf(p: VProp): string[] {
  const first = p.values[0];
  if (Array.isArray(first)) return first.map(scalar);
  const s = scalar(first);
  if (p.type === 'unknown') return splitUnescaped(s, ';').map(unescapeText);
  return [s];
}

export function unescapeText(s: string): string {
  return s.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[++i]!;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

// ---- writing ----

/** A new property; `text` values are escaped on output, other types are written as given. */
export function prop(
  name: string,
  values: readonly VValue[],
  params: Record<string, string | readonly string[]> = {},
  type = 'text',
): VProp {
  return { name, params, type, values };
}

/** The same property (group and parameters kept) with new values. */
export function withValues(p: VProp, values: readonly VValue[], type = p.type): VProp {
  return {
    ...(p.group !== undefined ? { group: p.group } : {}),
    name: p.name,
    params: p.params,
    type,
    values,
  };
}

const TEXT_TYPES = new Set(['text', 'phone-number']);

export function writeVCard(card: VCard): string {
  const lines = ['BEGIN:VCARD'];
  for (const p of card.props) lines.push(...fold(p.raw ?? contentLine(p, card.version)));
  lines.push('END:VCARD');
  return lines.join('\r\n') + '\r\n';
}

function contentLine(p: VProp, version: VersionString): string {
  const upper = version === '3.0';
  let line = (p.group !== undefined ? p.group + '.' : '') + p.name.toUpperCase();
  for (const [k, v] of Object.entries(p.params)) {
    const list = (typeof v === 'string' ? [v] : v).map((s) => (k === 'type' && upper ? s.toUpperCase() : s));
    line += `;${k.toUpperCase()}=${list.map(quoteParam).join(',')}`;
  }
  return line + ':' + valueText(p);
}

function quoteParam(s: string): string {
  return /[;:,"]/.test(s) ? `"${s.replace(/"/g, "'")}"` : s;
}

function valueText(p: VProp): string {
  if (!TEXT_TYPES.has(p.type)) return p.values.map(scalar).join(',');
  const first = p.values[0];
  if (p.values.length === 1 && Array.isArray(first))
    return first
      .map((c) => (Array.isArray(c) ? c.map((x) => escapeText(scalar(x))).join(',') : escapeText(scalar(c))))
      .join(';');
  return p.values.map((v) => escapeText(scalar(v))).join(',');
}

export function escapeText(s: string): string {
  return s.replace(/[\\,;]/g, (c) => '\\' + c).replace(/\r\n|\r|\n/g, '\\n');
}

/** RFC 6350 3.2: lines longer than 75 octets are folded, never inside a UTF-8 sequence. */
function fold(line: string): string[] {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return [line];
  const out: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    while (end < bytes.length && end > start && (bytes[end]! & 0xc0) === 0x80) end--;
    out.push((out.length > 0 ? ' ' : '') + bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74;
  }
  return out;
}
