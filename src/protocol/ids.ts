import { EasError } from './status.js';

// The grammar of every id a client sends, in one place (issue 16): checked where a request is
// parsed, before any id reaches a store, a log line or an answer. The exact shape of our own ids
// (`<CollectionId>:<uid>`, `…:<section>`) is checked where they are resolved (model/server-id.ts,
// parseFileReference); this is the outer bound every id must keep:
// - MS-ASCMD 2.2.3.30.2 / 2.2.3.166 / 2.2.3.25: CollectionId, ServerId and the AirSync ClientId
//   are at most 64 characters (DESIGN.md rule 5); 2.2.3.98: LongId at most 256.
// - No control characters (C0, DEL, C1), no lone surrogates, no U+FFFE/U+FFFF: such an id was
//   never handed out by us, cannot be a client's honest counter, and would come back in answers
//   that clients' XML layers reject.
// - MS-ASHTTP 2.2.1.1.1.2.3: a DeviceId "MUST NOT contain commas or special characters".

export type IdKind = keyof typeof GRAMMARS;

// One printable character: no Cc (controls), no Cs (a lone surrogate under the u flag), no
// noncharacters U+FFFE/U+FFFF.
const PRINTABLE = String.raw`[^\p{Cc}\p{Cs}\uFFFE\uFFFF]`;
const opaque = (max: number): RegExp => new RegExp(`^${PRINTABLE}{1,${max}}$`, 'u');

const GRAMMARS = {
  CollectionId: opaque(64),
  ServerId: opaque(64),
  /** MS-ASAIRS 2.2.2.24.2: opaque to the client; ours is `<ServerId>:<section>`. */
  FileReference: opaque(256),
  ClientId: opaque(64),
  LongId: opaque(256),
  /** MS-ASCMD 2.2.3.87: an occurrence's start time (ISO 8601), a short string. */
  InstanceId: opaque(64),
  /** MS-ASCMD 2.2.3.166.x SyncKey: ours are short; clients send them back unchanged. */
  SyncKey: opaque(64),
  /** Visible ASCII without comma; the base64 query's binary ids arrive as hex. */
  DeviceId: /^[\x21-\x2b\x2d-\x7e]{1,64}$/,
  /** Only stored and shown, never a key: any printable text, as devices name themselves. */
  DeviceType: opaque(64),
  /** MS-ASHTTP 2.2.1.1.1.2.1: the command name, letters only. */
  Cmd: /^[A-Za-z]{1,32}$/,
  /** Not an id, but a name a folder is created with: printable, MS-ASCMD 2.2.3.50 caps it at 256. */
  DisplayName: opaque(256),
  /** A login or address (RFC 5321 allows 254 octets for a path). */
  User: opaque(256),
} as const;

/** Whether a client-sent value keeps the grammar of that kind of id. */
export function isValidId(kind: IdKind, value: string): boolean {
  return GRAMMARS[kind].test(value);
}

/**
 * A request whose id breaks its grammar. `status` is the command's own "invalid request" status
 * (MS-ASCMD 2.2.3.177.x, below 100), or a common status (≥ 100) for commands without one; the
 * message never holds the id itself, so nothing hostile reaches an answer.
 */
export class InvalidIdError extends EasError {
  constructor(status: number, kind: IdKind) {
    super(status, `invalid ${kind} in the request`);
  }
}

const NOT_PRINTABLE = new RegExp(PRINTABLE.replace('[^', '['), 'gu');

/**
 * What may be echoed of an id that breaks its grammar, where the answer must name it (MoveItems'
 * SrcMsgId): printable characters only, at most 64 of them.
 */
export function printableId(value: string): string {
  return [...value.replace(NOT_PRINTABLE, '')].slice(0, 64).join('');
}

/** The value when it keeps the grammar; otherwise the command answers `status`. */
export function requireId(kind: IdKind, value: string, status: number): string {
  if (!isValidId(kind, value)) throw new InvalidIdError(status, kind);
  return value;
}

/** Like requireId for an optional element: absent stays undefined. */
export function optionalId(kind: IdKind, value: string | undefined, status: number): string | undefined {
  return value === undefined ? undefined : requireId(kind, value, status);
}
