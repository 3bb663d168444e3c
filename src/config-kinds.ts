import { isIP } from 'node:net';
import { POLICY_SETTING_NAMES } from './protocol/policy.js';

/**
 * The kinds of value a setting can hold. One kind validates a value from the JSON file and the
 * text of an environment variable alike: the text is first read as the JSON type the kind wants
 * (`fromText`), then both go through the same `check`. The file is strict about JSON types, so
 * `"secure": "false"` (a string) is refused instead of becoming true.
 *
 * Written here rather than with TypeBox or Ajv: neither is a direct dependency (fastify brings Ajv
 * only as its own), the rules are few, and environment text needs reading before any JSON schema
 * could check it.
 */
export interface Kind<T> {
  /** What a valid value is, completing "<setting> must …". */
  readonly expected: string;
  /** An environment variable's text as the JSON value it stands for. */
  fromText(text: string): unknown;
  /** The valid value, or why not (`undefined`: only "must <expected>"). */
  check(value: unknown): { ok: true; value: T } | { ok: false; why?: string };
}

const TRUE_RE = /^(1|true|yes|on)$/i;
const FALSE_RE = /^(0|false|no|off)$/i;

const ok = <T>(value: T) => ({ ok: true as const, value });
const bad = (why?: string) => ({ ok: false as const, why });

function kind<T>(
  expected: string,
  check: Kind<T>['check'],
  fromText: (text: string) => unknown = (text) => text,
): Kind<T> {
  return { expected, check, fromText };
}

export const text: Kind<string> = kind('be a string', (v) => (typeof v === 'string' ? ok(v) : bad()));

/** A string where empty (or null in the file) means "not set". */
export const optionalText: Kind<string | undefined> = kind('be a string', (v) =>
  v === null || v === undefined || v === '' ? ok(undefined) : typeof v === 'string' ? ok(v) : bad(),
);

function readInteger(text: string): unknown {
  return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : text;
}

export function int(min: number, max = Number.MAX_SAFE_INTEGER): Kind<number> {
  const expected =
    max === Number.MAX_SAFE_INTEGER ? `be an integer ≥ ${min}` : `be an integer from ${min} to ${max}`;
  return kind(
    expected,
    (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? ok(v) : bad()),
    readInteger,
  );
}

/** A TCP port; 0 lets the system choose (tests). */
export const port: Kind<number> = int(0, 65535);

function readBoolean(text: string): unknown {
  return TRUE_RE.test(text.trim()) ? true : FALSE_RE.test(text.trim()) ? false : text;
}

export const bool: Kind<boolean> = kind(
  'be true or false',
  (v) => (typeof v === 'boolean' ? ok(v) : bad()),
  readBoolean,
);

export const boolOrAuto: Kind<boolean | 'auto'> = kind(
  'be true, false or auto',
  (v) => (typeof v === 'boolean' || v === 'auto' ? ok(v) : bad()),
  (text) => (/^auto$/i.test(text.trim()) ? 'auto' : readBoolean(text)),
);

/**
 * A backend's TLS mode (GatewayConfig's BackendTls). true and false, the boolean setting it
 * replaces, read as implicit and starttls: STARTTLS, once taken only when offered, is now required.
 */
export function tlsMode<const T extends string>(allowed: readonly T[]): Kind<T> {
  return kind(
    `be one of ${allowed.join(', ')}`,
    (v) => {
      const mode = v === true ? 'implicit' : v === false ? 'starttls' : v;
      return (allowed as readonly unknown[]).includes(mode) ? ok(mode as T) : bad();
    },
    readBoolean,
  );
}

export function oneOf<const T extends string>(allowed: readonly T[]): Kind<T> {
  return kind(`be one of ${allowed.join(', ')}`, (v) =>
    (allowed as readonly unknown[]).includes(v) ? ok(v as T) : bad(),
  );
}

/** An optional URL with one of the given schemes; empty means "not set". */
export function optionalUrl(schemes: readonly string[], expected: string): Kind<string | undefined> {
  return kind(`be ${expected}`, (v) => {
    if (v === null || v === undefined || v === '') return ok(undefined);
    if (typeof v !== 'string' || !URL.canParse(v)) return bad();
    return schemes.includes(new URL(v).protocol) ? ok(v) : bad();
  });
}

function readList(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Comma-separated in the environment, an array of strings in the file. */
export const list: Kind<string[]> = kind(
  'be a list of strings',
  (v) => (isStringArray(v) ? ok(v) : bad()),
  readList,
);

// proxy-addr's names for address ranges, accepted by fastify's trustProxy.
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true;
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Trusted proxies. `true` (trust every sender's X-Forwarded-For) is refused: any client could then
 * pick its own address and step around the per-address login limits. `false` means none.
 */
export const proxies: Kind<string[]> = kind(
  "list the proxies' addresses or CIDRs (e.g. 10.0.0.5,192.168.0.0/24 or loopback)",
  (v) => {
    if (v === false || v === null) return ok([]);
    if (!isStringArray(v)) return bad();
    const wanted = v.filter((x) => !FALSE_RE.test(x));
    if (wanted.some((x) => TRUE_RE.test(x))) return bad();
    const wrong = wanted.filter((p) => !isProxyAddress(p));
    return wrong.length > 0 ? bad(`not an address or CIDR: ${wrong.join(', ')}`) : ok(wanted);
  },
  readList,
);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** MS-ASPROV EASProvisionDoc settings by name (src/protocol/policy.ts); null leaves one out. */
export const policy: Kind<Record<string, string | null>> = kind(
  'map policy setting names to strings (or null)',
  (v) => {
    if (!isRecord(v)) return bad();
    const unknown = Object.keys(v).filter((k) => !POLICY_SETTING_NAMES.includes(k));
    if (unknown.length > 0) return bad(`unknown settings ${unknown.join(', ')}`);
    const wrong = Object.entries(v).filter(([, x]) => x !== null && typeof x !== 'string');
    if (wrong.length > 0) return bad(`not a string or null: ${wrong.map(([k]) => k).join(', ')}`);
    return ok(v as Record<string, string | null>);
  },
  (text) => text,
);

type UserInfo = { displayName?: string; aliases?: string[] };

/** Display names and aliases by primary address (Settings UserInformation). */
export const users: Kind<Record<string, UserInfo>> = kind(
  'map addresses to {"displayName": string, "aliases": [strings]}',
  (v) => {
    if (!isRecord(v)) return bad();
    const wrong = Object.entries(v).filter(
      ([, u]) =>
        !isRecord(u) ||
        Object.keys(u).some((k) => k !== 'displayName' && k !== 'aliases') ||
        (u.displayName !== undefined && typeof u.displayName !== 'string') ||
        (u.aliases !== undefined && !isStringArray(u.aliases)),
    );
    if (wrong.length > 0)
      return bad(`not {"displayName": string, "aliases": [strings]}: ${wrong.map(([k]) => k).join(', ')}`);
    return ok(v as Record<string, UserInfo>);
  },
);
