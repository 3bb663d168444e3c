import { isValidId, type IdKind } from '../protocol/ids.js';
import {
  parseProtocolVersion,
  versionByte,
  versionFromByte,
  type ProtocolVersion,
} from '../protocol/version.js';

/** The request parameters of MS-ASHTTP 2.2.1.1.1, whichever form the client used. */
export interface EasQuery {
  cmd: string;
  user: string | undefined;
  deviceId: string;
  deviceType: string;
  /** From the base64 form; the plain form sends it in MS-ASProtocolVersion. */
  protocolVersion?: ProtocolVersion;
  /** From the base64 form; the plain form sends it in X-MS-PolicyKey. */
  policyKey?: string;
  locale?: number;
  /** Command parameters: AttachmentName, CollectionId, ItemId, LongId, Occurrence, SaveInSent, … */
  params: Readonly<Record<string, string>>;
  /** MS-ASHTTP 2.2.1.1.1.1.3 Options bits (SaveInSent 0x01, AcceptMultiPart 0x02). */
  options?: number;
}

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

// MS-ASHTTP 2.2.1.1.1.1.2 Command Codes.
const COMMAND_CODES: Readonly<Record<number, string>> = {
  0: 'Sync',
  1: 'SendMail',
  2: 'SmartForward',
  3: 'SmartReply',
  4: 'GetAttachment',
  9: 'FolderSync',
  10: 'FolderCreate',
  11: 'FolderDelete',
  12: 'FolderUpdate',
  13: 'MoveItems',
  14: 'GetItemEstimate',
  15: 'MeetingResponse',
  16: 'Search',
  17: 'Settings',
  18: 'Ping',
  19: 'ItemOperations',
  20: 'Provision',
  21: 'ResolveRecipients',
  22: 'ValidateCert',
  23: 'Find',
};

// The names a plain query may carry: the base64 table's, plus 12.x's GetHierarchy. Anything
// else is not an EAS command at all (400); a real one this server lacks is the HTTP layer's 501.
const COMMAND_NAMES = new Set([...Object.values(COMMAND_CODES), 'GetHierarchy']);

// MS-ASHTTP 2.2.1.1.1.1.3 Command Parameters.
const PARAMETER_TAGS: Readonly<Record<number, string>> = {
  0: 'AttachmentName',
  1: 'CollectionId',
  3: 'ItemId',
  4: 'LongId',
  6: 'Occurrence',
  7: 'Options',
  8: 'User',
};

// The grammar each parameter's value keeps (src/protocol/ids.ts); a value that breaks it is a
// 400, and the message names the parameter, never the value (it may hold control characters).
const PARAMETER_KINDS: Readonly<Record<string, IdKind>> = {
  Cmd: 'Cmd',
  User: 'User',
  DeviceId: 'DeviceId',
  DeviceType: 'DeviceType',
  AttachmentName: 'FileReference',
  CollectionId: 'CollectionId',
  ItemId: 'ServerId',
  LongId: 'LongId',
  Occurrence: 'InstanceId',
};
// Parameters this server does not read (SaveInSent, AcceptMultiPart, …) keep the widest grammar.
const OTHER_PARAMETER: IdKind = 'LongId';

function checkParameter(name: string, value: string): void {
  if (!isValidId(PARAMETER_KINDS[name] ?? OTHER_PARAMETER, value))
    throw new QueryError(`invalid value of query parameter ${name.replace(/[^A-Za-z]/g, '?').slice(0, 32)}`);
}

/**
 * Decodes the request query: plain (`Cmd=…&User=…&DeviceId=…&DeviceType=…`, MS-ASHTTP
 * 2.2.1.1.1.2) or base64 (a single value, 2.2.1.1.1.1). Throws QueryError naming what is wrong.
 */
export function parseEasQuery(rawQuery: string): EasQuery {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  // A plain query always names its command; anything else non-empty is the base64 form.
  if (query === '' || /(^|&)Cmd=/.test(query)) return parsePlainQuery(new URLSearchParams(query));
  return parseBase64Query(query);
}

function parsePlainQuery(q: URLSearchParams): EasQuery {
  const params: Record<string, string> = {};
  for (const [k, v] of q) params[k] = v;
  const cmd = required(params, 'Cmd');
  const deviceId = required(params, 'DeviceId');
  const deviceType = required(params, 'DeviceType');
  for (const [name, value] of Object.entries(params)) checkParameter(name, value);
  if (!COMMAND_NAMES.has(cmd)) throw new QueryError('Cmd names no ActiveSync command');
  const { Cmd: _c, User, DeviceId: _d, DeviceType: _t, ...rest } = params;
  return { cmd, user: User, deviceId, deviceType, params: rest };
}

function required(params: Record<string, string>, name: string): string {
  const v = params[name];
  if (v === undefined || v === '') throw new QueryError(`missing query parameter ${name}`);
  return v;
}

function parseBase64Query(value: string): EasQuery {
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    throw new QueryError('malformed percent-encoding in the base64 query');
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new QueryError('the query is neither plain nor base64');
  const bytes = Buffer.from(text, 'base64');
  let pos = 0;
  const byte = (what: string): number => {
    if (pos >= bytes.length) throw new QueryError(`base64 query ends before ${what}`);
    return bytes[pos++]!;
  };
  const take = (n: number, what: string): Buffer => {
    if (pos + n > bytes.length) throw new QueryError(`base64 query ends inside ${what}`);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const versionByte = byte('protocol version');
  const protocolVersion = versionFromByte(versionByte);
  if (protocolVersion === undefined) throw new QueryError(`unsupported protocol version byte ${versionByte}`);
  const code = byte('command code');
  const cmd = COMMAND_CODES[code];
  if (cmd === undefined) throw new QueryError(`unknown command code ${code}`);
  const locale = take(2, 'locale').readUInt16LE(0);
  const deviceId = deviceIdText(take(byte('device id length'), 'device id'));
  const policyKeyLength = byte('policy key length');
  let policyKey: string | undefined;
  if (policyKeyLength === 4) policyKey = String(take(4, 'policy key').readUInt32LE(0));
  else if (policyKeyLength !== 0)
    throw new QueryError(`policy key length ${policyKeyLength} (must be 0 or 4)`);
  const deviceType = take(byte('device type length'), 'device type').toString('utf8');
  if (deviceId === '') throw new QueryError('missing device id');
  if (deviceType === '') throw new QueryError('missing device type');
  checkParameter('DeviceId', deviceId);
  checkParameter('DeviceType', deviceType);

  const params: Record<string, string> = {};
  let options: number | undefined;
  let user: string | undefined;
  while (pos < bytes.length) {
    const tag = byte('parameter tag');
    const data = take(byte('parameter length'), 'parameter value');
    const name = PARAMETER_TAGS[tag];
    if (name === undefined) throw new QueryError(`unknown command parameter tag ${tag}`);
    if (name === 'Options') options = data[0] ?? 0;
    else {
      const text = data.toString('utf8');
      checkParameter(name, text);
      if (name === 'User') user = text;
      else params[name] = text;
    }
  }
  if (options !== undefined && (options & 0x01) !== 0) params.SaveInSent = 'T';
  return { cmd, user, deviceId, deviceType, protocolVersion, policyKey, locale, params, options };
}

/** Device ids in the base64 form may be raw bytes (a GUID): visible ASCII without comma stays text, others become hex. */
function deviceIdText(b: Buffer): string {
  const printable = b.every((c) => c >= 0x21 && c <= 0x7e && c !== 0x2c);
  return printable ? b.toString('latin1') : b.toString('hex').toUpperCase();
}

export interface Base64QueryInput {
  cmd: string;
  user?: string;
  deviceId: string;
  deviceType: string;
  protocolVersion?: string;
  policyKey?: string;
  locale?: number;
  params: Readonly<Record<string, string>>;
}

/** Writes the base64 form of MS-ASHTTP 2.2.1.1.1.1 (trace replay and tests speak it like iOS). */
export function encodeBase64Query(q: Base64QueryInput): string {
  const version = parseProtocolVersion(q.protocolVersion);
  if (version === undefined)
    throw new QueryError(`the base64 query needs a protocol version, got ${q.protocolVersion}`);
  const code = Object.entries(COMMAND_CODES).find(([, name]) => name === q.cmd)?.[0];
  if (code === undefined) throw new QueryError(`command ${q.cmd} has no base64 command code`);
  const parts: Buffer[] = [Buffer.from([versionByte(version), Number(code)])];
  const locale = Buffer.alloc(2);
  locale.writeUInt16LE(q.locale ?? 0x0409);
  parts.push(locale);
  const field = (b: Buffer): void => {
    parts.push(Buffer.from([b.length]), b);
  };
  // Sent as text: a binary id was read as its hex text, which reads back the same.
  field(Buffer.from(q.deviceId, 'latin1'));
  if (q.policyKey !== undefined && q.policyKey !== '0') {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(Number(q.policyKey));
    field(key);
  } else parts.push(Buffer.from([0]));
  field(Buffer.from(q.deviceType, 'utf8'));
  const tags = Object.fromEntries(Object.entries(PARAMETER_TAGS).map(([tag, name]) => [name, Number(tag)]));
  if (q.user !== undefined) parts.push(Buffer.from([tags.User!]), lengthPrefixed(q.user));
  for (const [name, value] of Object.entries(q.params)) {
    if (name === 'SaveInSent') {
      if (value === 'T') parts.push(Buffer.from([tags.Options!, 1, 0x01]));
      continue;
    }
    const tag = tags[name];
    if (tag === undefined) throw new QueryError(`parameter ${name} has no base64 tag`);
    parts.push(Buffer.from([tag]), lengthPrefixed(value));
  }
  return Buffer.concat(parts).toString('base64');
}

function lengthPrefixed(value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([b.length]), b]);
}
