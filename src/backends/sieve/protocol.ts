// ManageSieve wire format (RFC 5804 4): lines of atoms, quoted strings, literals and
// parenthesised response codes, ending in CRLF. Pure functions over bytes, no I/O.

export type SieveToken =
  | { readonly type: 'atom'; readonly value: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'list'; readonly items: readonly SieveToken[] };

export type SieveLine = readonly SieveToken[];

export class SieveProtocolError extends Error {
  override readonly name = 'SieveProtocolError';
}

/** Larger than any script a server accepts (Pigeonhole's default sieve_max_script_size is 1 MiB). */
export const MAX_LITERAL_BYTES = 16 * 1024 * 1024;

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x28;
const CLOSE = 0x29;
const BRACE = 0x7b;
const LITERAL_HEAD = /^\{(\d{1,10})\+?\}\r\n/;

/** One complete line starting at `start`, or undefined when more bytes are needed. */
export function parseLine(buf: Buffer, start = 0): { line: SieveLine; end: number } | undefined {
  const stack: SieveToken[][] = [[]];
  let i = start;
  const top = (): SieveToken[] => stack[stack.length - 1] ?? [];
  while (i < buf.length) {
    const c = buf[i];
    if (c === SP) {
      i += 1;
    } else if (c === CR || c === LF) {
      if (c === CR && i + 1 >= buf.length) return undefined;
      if (stack.length !== 1) throw new SieveProtocolError('unbalanced parenthesis');
      return { line: stack[0] ?? [], end: c === CR && buf[i + 1] === LF ? i + 2 : i + 1 };
    } else if (c === OPEN) {
      stack.push([]);
      i += 1;
    } else if (c === CLOSE) {
      const items = stack.pop();
      if (items === undefined || stack.length === 0) throw new SieveProtocolError('unbalanced parenthesis');
      top().push({ type: 'list', items });
      i += 1;
    } else if (c === QUOTE) {
      const quoted = readQuoted(buf, i);
      if (quoted === undefined) return undefined;
      top().push({ type: 'string', value: quoted.value });
      i = quoted.end;
    } else if (c === BRACE) {
      const literal = readLiteral(buf, i);
      if (literal === undefined) return undefined;
      top().push({ type: 'string', value: literal.value });
      i = literal.end;
    } else {
      let end = i;
      while (end < buf.length && ![SP, CR, LF, OPEN, CLOSE].includes(buf[end] ?? SP)) end += 1;
      top().push({ type: 'atom', value: buf.toString('latin1', i, end) });
      i = end;
    }
  }
  return undefined;
}

function readQuoted(buf: Buffer, start: number): { value: string; end: number } | undefined {
  const bytes: number[] = [];
  for (let i = start + 1; i < buf.length; i += 1) {
    const c = buf[i] ?? 0;
    if (c === QUOTE) return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c === CR || c === LF) throw new SieveProtocolError('line break in a quoted string');
    if (c === BACKSLASH) {
      i += 1;
      if (i >= buf.length) return undefined;
      bytes.push(buf[i] ?? 0);
    } else {
      bytes.push(c);
    }
  }
  return undefined;
}

function readLiteral(buf: Buffer, start: number): { value: string; end: number } | undefined {
  const headEnd = buf.indexOf('\n', start);
  if (headEnd < 0) {
    if (buf.length - start > 16) throw new SieveProtocolError('malformed literal');
    return undefined;
  }
  const m = LITERAL_HEAD.exec(buf.toString('latin1', start, headEnd + 1));
  if (!m) throw new SieveProtocolError('malformed literal');
  const size = Number(m[1]);
  if (size > MAX_LITERAL_BYTES) throw new SieveProtocolError(`literal of ${size} bytes is too large`);
  const from = headEnd + 1;
  if (buf.length < from + size) return undefined;
  return { value: buf.toString('utf8', from, from + size), end: from + size };
}

/** A command argument: strings are sent quoted when they can be, as a literal otherwise. */
export type SieveArgument = string | { readonly literal: string };

export function encodeCommand(name: string, ...args: readonly SieveArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(name, 'latin1')];
  for (const arg of args) {
    const text = typeof arg === 'string' ? arg : arg.literal;
    const bytes = Buffer.from(text, 'utf8');
    // RFC 5804 4: quoted strings hold no CR, LF or NUL, and servers may cap their length (1024).
    if (typeof arg === 'string' && bytes.length <= 1024 && !/[\r\n\0]/.test(text)) {
      parts.push(Buffer.from(` "${text.replace(/[\\"]/g, '\\$&')}"`, 'utf8'));
    } else {
      // Non-synchronizing literal: RFC 5804 requires servers to accept {n+} from clients.
      parts.push(Buffer.from(` {${bytes.length}+}\r\n`, 'latin1'), bytes);
    }
  }
  parts.push(Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}

export type SieveStatus = 'OK' | 'NO' | 'BYE';

/** RFC 5804 1.2/1.3: the final line of a response. */
export interface SieveResult {
  readonly status: SieveStatus;
  /** The response code, upper-cased (e.g. 'NONEXISTENT', 'QUOTA/MAXSIZE'), when one was given. */
  readonly code: string | undefined;
  /** The code's arguments, e.g. the SASL data of (SASL "…"). */
  readonly codeArgs: readonly string[];
  readonly text: string;
}

export function resultOf(line: SieveLine): SieveResult | undefined {
  const [first, ...rest] = line;
  if (first?.type !== 'atom') return undefined;
  const status = first.value.toUpperCase();
  if (status !== 'OK' && status !== 'NO' && status !== 'BYE') return undefined;
  let code: string | undefined;
  let codeArgs: string[] = [];
  let text = '';
  for (const token of rest) {
    if (token.type === 'list') {
      const [name, ...args] = token.items;
      code = name?.type === 'atom' ? name.value.toUpperCase() : undefined;
      codeArgs = args.flatMap((a) => (a.type === 'list' ? [] : [a.value]));
    } else {
      text = token.value;
    }
  }
  return { status, code, codeArgs, text };
}

/** The strings of a data line, e.g. ["SIEVE", "fileinto vacation"] or ["filters", ACTIVE]. */
export function valuesOf(line: SieveLine): string[] {
  return line.flatMap((t) => (t.type === 'list' ? [] : [t.value]));
}
