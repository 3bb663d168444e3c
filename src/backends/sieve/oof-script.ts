import type { OofMessage, OofSettings, OofState } from '../../model/oof.js';

// The gateway's out-of-office Sieve script. Its first line holds the settings as JSON, so reading
// them back is exact; the Sieve code below is generated from them and never parsed.

const HEADER_PREFIX = '# eas-gateway-oof: ';
const HEADER_VERSION = 1;
const CRLF = '\r\n';
const STATES: readonly OofState[] = ['disabled', 'global', 'time-based'];
const AUDIENCES = ['internal', 'externalKnown', 'externalUnknown'] as const;

export interface OofScriptState {
  readonly settings: OofSettings;
  /** The script that was active before the gateway activated its own; reactivated on disable. */
  readonly previous?: string;
}

export interface OofScriptOptions {
  /** RFC 5230 4.2. */
  readonly subject: string;
  /** RFC 5230 4.1, at least 1. */
  readonly days: number;
  /** RFC 5230 4.5: the user's addresses, so mail to an alias gets the reply too. */
  readonly addresses: readonly string[];
  /** Senders in these domains get the internal message, all others the external one. */
  readonly internalDomains: readonly string[];
  /** Include `previous` (RFC 6609), so the user's own filters keep running while away. */
  readonly includePrevious: boolean;
}

export class OofScriptError extends Error {
  override readonly name = 'OofScriptError';
}

export interface RenderedOofScript {
  readonly script: string;
  /** Extensions the script requires; the server must list them all in its SIEVE capability. */
  readonly extensions: readonly string[];
}

export function renderOofScript(state: OofScriptState, options: OofScriptOptions): RenderedOofScript {
  const { settings } = state;
  const extensions = new Set<string>();
  const body: string[] = [];

  const replies = settings.state === 'disabled' ? [] : vacationBlock(settings, options);
  if (replies.length > 0) extensions.add('vacation');
  const timeWindow = settings.state === 'time-based' ? windowTests(settings) : [];
  if (timeWindow.length > 0 && replies.length > 0) {
    // RFC 5260 5 currentdate, compared as UTC strings ("iso8601" with :zone "+0000" ends in "Z");
    // :value "ge"/"le" are RFC 5231 relational matches.
    extensions.add('date').add('relational');
    const test = timeWindow.length === 1 ? timeWindow.join('') : `allof (${timeWindow.join(', ')})`;
    body.push(`if ${test} {`, ...replies.map((l) => `  ${l}`), '}');
  } else {
    body.push(...replies);
  }
  if (state.previous !== undefined && options.includePrevious) {
    // After the vacation action, so a `stop` in the user's script cannot skip the reply;
    // :optional keeps the script valid if the user deletes that script later (RFC 6609 3.2).
    extensions.add('include');
    body.push(`include :personal :optional ${quote(state.previous)};`);
  }

  const lines = [
    `${HEADER_PREFIX}${JSON.stringify(toHeader(state))}`,
    '# Written by eas-gateway from the settings above; changes to this script are overwritten.',
  ];
  if (extensions.size > 0) lines.push(`require ${stringList([...extensions])};`);
  lines.push(...body);
  return { script: lines.join(CRLF) + CRLF, extensions: [...extensions] };
}

/** Reads the settings back from a script this module wrote; throws OofScriptError otherwise. */
export function readOofScript(script: string): OofScriptState {
  const line = script.split(/\r?\n/, 1)[0] ?? '';
  if (!line.startsWith(HEADER_PREFIX)) throw new OofScriptError('not written by eas-gateway');
  let json: unknown;
  try {
    json = JSON.parse(line.slice(HEADER_PREFIX.length));
  } catch (err) {
    throw new OofScriptError(`unreadable settings: ${(err as Error).message}`);
  }
  return fromHeader(json);
}

function vacationBlock(settings: OofSettings, options: OofScriptOptions): string[] {
  const internal = enabledText(settings.internal);
  // Sieve cannot tell a known external sender (in the user's contacts) from an unknown one; the
  // message for unknown senders is the wider audience, so it wins when both are enabled.
  const external = enabledText(settings.externalUnknown) ?? enabledText(settings.externalKnown);
  const vacation = (text: string): string => {
    const args = [`:days ${Math.max(1, Math.floor(options.days))}`, `:subject ${quote(options.subject)}`];
    if (options.addresses.length > 0) args.push(`:addresses ${stringList(options.addresses)}`);
    return `vacation ${args.join(' ')} ${quote(text)};`;
  };
  if (options.internalDomains.length === 0) return external === undefined ? [] : [vacation(external)];
  const fromInside = `address :domain :is "from" ${stringList(options.internalDomains)}`;
  if (internal !== undefined && external !== undefined) {
    return [`if ${fromInside} {`, `  ${vacation(internal)}`, '} else {', `  ${vacation(external)}`, '}'];
  }
  if (internal !== undefined) return [`if ${fromInside} {`, `  ${vacation(internal)}`, '}'];
  if (external !== undefined) return [`if not ${fromInside} {`, `  ${vacation(external)}`, '}'];
  return [];
}

function windowTests(settings: OofSettings): string[] {
  const tests: string[] = [];
  const test = (op: 'ge' | 'le', at: Date): string =>
    `currentdate :zone "+0000" :value "${op}" "iso8601" ${quote(sieveUtc(at))}`;
  if (settings.start) tests.push(test('ge', settings.start));
  if (settings.end) tests.push(test('le', settings.end));
  return tests;
}

function enabledText(message: OofMessage | undefined): string | undefined {
  return message?.enabled ? message.text : undefined;
}

/** 2025-01-02T03:04:05Z: Pigeonhole's iso8601 date-part has no fraction of a second. */
function sieveUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 5228 2.4.2: only `"` and `\` are escaped; line breaks inside are CRLF. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/\r\n|\r|\n/g, CRLF)}"`;
}

function stringList(items: readonly string[]): string {
  return `[${items.map(quote).join(', ')}]`;
}

interface HeaderJson {
  v: number;
  state: OofState;
  start?: string;
  end?: string;
  internal?: OofMessage;
  externalKnown?: OofMessage;
  externalUnknown?: OofMessage;
  previous?: string;
}

function toHeader({ settings, previous }: OofScriptState): HeaderJson {
  const header: HeaderJson = { v: HEADER_VERSION, state: settings.state };
  if (settings.start) header.start = settings.start.toISOString();
  if (settings.end) header.end = settings.end.toISOString();
  for (const key of AUDIENCES) {
    const m = settings[key];
    if (m) header[key] = { enabled: m.enabled, text: m.text };
  }
  if (previous !== undefined) header.previous = previous;
  return header;
}

function fromHeader(json: unknown): OofScriptState {
  if (typeof json !== 'object' || json === null) throw new OofScriptError('settings are not an object');
  const h = json as Record<string, unknown>;
  if (h.v !== HEADER_VERSION) throw new OofScriptError(`unknown settings version ${String(h.v)}`);
  const state = STATES.find((s) => s === h.state);
  if (state === undefined) throw new OofScriptError(`unknown state ${String(h.state)}`);
  const settings: OofSettings = { state };
  if (h.start !== undefined) settings.start = dateOf(h.start, 'start');
  if (h.end !== undefined) settings.end = dateOf(h.end, 'end');
  for (const key of AUDIENCES) {
    if (h[key] !== undefined) settings[key] = messageOf(h[key], key);
  }
  if (h.previous !== undefined && typeof h.previous !== 'string') {
    throw new OofScriptError('previous is not a string');
  }
  return h.previous === undefined ? { settings } : { settings, previous: h.previous };
}

function dateOf(value: unknown, what: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new OofScriptError(`${what} is not a date`);
  return date;
}

function messageOf(value: unknown, what: string): OofMessage {
  const m = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (typeof m.enabled !== 'boolean' || typeof m.text !== 'string') {
    throw new OofScriptError(`${what} is not a message`);
  }
  return { enabled: m.enabled, text: m.text };
}
