import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './http/login-limiter.js';
import {
  bool,
  boolOrAuto,
  int,
  list,
  oneOf,
  optionalText,
  optionalUrl,
  policy,
  port,
  proxies,
  text,
  tlsMode,
  users,
  type Kind,
} from './config-kinds.js';

/** Everything an operator sets. Read from a JSON file (EAS_CONFIG) and EAS_* variables, env winning. */
export interface GatewayConfig {
  listen: { host: string; port: number };
  /** HTTPS with this pair unless `plainHttp` is set (behind a TLS-terminating proxy). */
  tls: { cert: string; key: string };
  plainHttp: boolean;
  /** Proxies whose X-Forwarded-* is honoured: addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`. */
  trustProxy: string[];
  /** The public base URL phones use, when it differs from what the Host header says. */
  publicUrl: string | undefined;
  bodyLimitBytes: number;
  mailDomain: string;
  /** How a typed user name becomes the login and the state key (src/http/identity.ts). */
  loginFormat: 'local' | 'email' | 'as-given' | 'as-given-lowercase';
  /** `hideDeleted`: messages marked \Deleted and not yet expunged are gone for devices. */
  imap: { host: string; port: number; tls: BackendTls; tlsVerify: boolean; hideDeleted: boolean };
  smtp: { host: string; port: number; tls: BackendTls; tlsVerify: boolean; savesSent: boolean };
  /** CalDAV/CardDAV base URL; empty to serve mail only. */
  davUrl: string | undefined;
  /** How often a waiting Ping or Sync polls a calendar or address book (DAV has no push). */
  davPollSeconds: number;
  /** How often a user's DAV account is looked for again (users without one get mail only). */
  davRecheckSeconds: number;
  /** The CalDAV server sends meeting messages itself (RFC 6638); else the gateway mails them. 'auto' asks it. */
  caldavSchedules: boolean | 'auto';
  /** The global address list: a shared CardDAV address book read with its own login. */
  gal: { url: string; user: string; password: string } | undefined;
  /** ManageSieve for out-of-office; empty to disable Oof. No implicit-TLS port exists (RFC 5804). */
  sieve: { host: string; port: number; tls: 'starttls' | 'none'; tlsVerify: boolean } | undefined;
  /** Certificate verification towards the DAV server and the GAL (TLS itself follows the URL's scheme). */
  davTlsVerify: boolean;
  /** One more CA (PEM file) trusted for backend certificates, besides Node's roots and NODE_EXTRA_CA_CERTS. */
  backendCaFile: string | undefined;
  /** Plaintext (`tls: none`, http:// DAV) to a host other than loopback; refused unless set. */
  allowPlaintextBackends: boolean;
  /** SQLite file (one instance), PostgreSQL URL (several instances), or memory (tests). */
  state: { driver: 'sqlite' | 'postgres' | 'memory'; path: string; url?: string };
  provisioning: { required: boolean; policy: Record<string, string | null> };
  /** Display names and aliases by primary address (Settings UserInformation). */
  users: Record<string, { displayName?: string; aliases?: string[] }>;
  authCacheSeconds: number;
  /** Password guessing: attempts in flight and failures per window, per client address and per account. */
  logins: LoginLimits;
  /** /readyz and /metrics listen here only (plain HTTP); an empty host turns them off. */
  ops: { host: string; port: number } | undefined;
  /** Per-user limits, like Exchange's throttling: requests at once (per instance) and devices. */
  limits: { concurrentRequestsPerUser: number; devicesPerUser: number };
  /** Trace capture (src/trace/format.ts): off unless a directory is set. */
  trace: { dir: string | undefined; all: boolean; users: string[]; devices: string[]; redactBodies: boolean };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

/**
 * How a backend connection is protected: TLS from the first byte (993, 465), STARTTLS that must
 * succeed (never a fallback to plaintext), or none (plaintext, passwords in clear).
 */
export type BackendTls = 'implicit' | 'starttls' | 'none';

/** Groups of settings: `imap.port` in the file, one level deep. */
type Section =
  | 'listen'
  | 'tls'
  | 'imap'
  | 'smtp'
  | 'gal'
  | 'sieve'
  | 'state'
  | 'provisioning'
  | 'logins'
  | 'ops'
  | 'limits'
  | 'trace';

/** Sections that are off (undefined) while the named setting is empty. */
const OPTIONAL_SECTIONS: Readonly<Partial<Record<Section, string>>> = {
  gal: 'url',
  sieve: 'host',
  ops: 'host',
};

/** Every setting's path: `mailDomain`, `imap.port`, … */
type SettingPath = {
  [K in keyof GatewayConfig]-?: K extends Section
    ? `${K}.${keyof NonNullable<GatewayConfig[K]> & string}`
    : K;
}[keyof GatewayConfig];

/** The type a path holds; a setting of an optional section may be unset. */
type ValueAt<P extends SettingPath> = P extends `${infer S extends Section}.${infer K}`
  ?
      | NonNullable<GatewayConfig[S]>[K & keyof NonNullable<GatewayConfig[S]>]
      | (undefined extends GatewayConfig[S] ? undefined : never)
  : GatewayConfig[P & keyof GatewayConfig];

export interface Setting<P extends SettingPath = SettingPath> {
  /** Where it sits in GatewayConfig and in the JSON file. */
  readonly path: P;
  /** The environment variable, if any (`users` and `provisioning.policy` are file-only). */
  readonly env: string | undefined;
  readonly kind: Kind<ValueAt<P>>;
  readonly default: ValueAt<P>;
  /** Never printed (`config check`, problems): passwords, URLs that may carry credentials. */
  readonly secret: boolean;
}

function setting<P extends SettingPath>(
  path: P,
  env: string | undefined,
  kind: Kind<ValueAt<P>>,
  value: ValueAt<P>,
  options: { secret?: boolean } = {},
): Setting<P> {
  return { path, env, kind, default: value, secret: options.secret ?? false };
}

const httpUrl = optionalUrl(['http:', 'https:'], 'an http(s) URL');
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const BACKEND_TLS = ['implicit', 'starttls', 'none'] as const;

/**
 * Every setting, once: file path, environment variable, kind, default. Adding a setting is one line
 * here plus its field in GatewayConfig (the compiler refuses a field without a line).
 *
 * Defaults are safe for production and name no demo server or credential: the gateway reaches only
 * the IMAP and submission servers of its own host on their standard ports until told otherwise;
 * DAV, the GAL and ManageSieve are off until configured. The demo and the tests set their own.
 */
export const SETTINGS = [
  setting('listen.host', 'EAS_HOST', text, '127.0.0.1'),
  setting('listen.port', 'EAS_PORT', port, 8443),
  setting('tls.cert', 'EAS_TLS_CERT', text, 'certs/server.crt'),
  setting('tls.key', 'EAS_TLS_KEY', text, 'certs/server.key'),
  setting('plainHttp', 'EAS_PLAIN_HTTP', bool, false),
  setting('trustProxy', 'EAS_TRUST_PROXY', proxies, []),
  setting('publicUrl', 'EAS_PUBLIC_URL', httpUrl, undefined),
  setting('bodyLimitBytes', 'EAS_BODY_LIMIT_BYTES', int(1024), 50 * 1024 * 1024),
  // RFC 2606's reserved domain: nobody's real domain, so an unset one refuses real addresses.
  setting('mailDomain', 'EAS_MAIL_DOMAIN', text, 'example.test'),
  setting(
    'loginFormat',
    'EAS_LOGIN_FORMAT',
    oneOf(['local', 'email', 'as-given', 'as-given-lowercase']),
    'local',
  ),
  setting('imap.host', 'EAS_IMAP_HOST', text, '127.0.0.1'),
  setting('imap.port', 'EAS_IMAP_PORT', port, 143),
  // Implicit by default on port 993 (IMPLICIT_TLS_PORTS).
  setting('imap.tls', 'EAS_IMAP_TLS', tlsMode(BACKEND_TLS), 'starttls'),
  setting('imap.tlsVerify', 'EAS_IMAP_TLS_VERIFY', bool, true),
  setting('imap.hideDeleted', 'EAS_IMAP_HIDE_DELETED', bool, true),
  setting('smtp.host', 'EAS_SMTP_HOST', text, '127.0.0.1'),
  setting('smtp.port', 'EAS_SMTP_PORT', port, 587),
  // Implicit by default on port 465 (IMPLICIT_TLS_PORTS).
  setting('smtp.tls', 'EAS_SMTP_TLS', tlsMode(BACKEND_TLS), 'starttls'),
  setting('smtp.tlsVerify', 'EAS_SMTP_TLS_VERIFY', bool, true),
  setting('smtp.savesSent', 'EAS_SMTP_SAVES_SENT', bool, false),
  setting('davUrl', 'EAS_DAV_URL', httpUrl, undefined),
  setting('davTlsVerify', 'EAS_DAV_TLS_VERIFY', bool, true),
  setting('davPollSeconds', 'EAS_DAV_POLL_SECONDS', int(5), 30),
  setting('davRecheckSeconds', 'EAS_DAV_RECHECK_SECONDS', int(0), 300),
  setting('caldavSchedules', 'EAS_CALDAV_SCHEDULES', boolOrAuto, 'auto'),
  setting('gal.url', 'EAS_GAL_URL', httpUrl, undefined),
  setting('gal.user', 'EAS_GAL_USER', text, ''),
  setting('gal.password', 'EAS_GAL_PASSWORD', text, '', { secret: true }),
  setting('sieve.host', 'EAS_SIEVE_HOST', optionalText, undefined),
  setting('sieve.port', 'EAS_SIEVE_PORT', port, 4190),
  setting('sieve.tls', 'EAS_SIEVE_TLS', tlsMode(['starttls', 'none']), 'starttls'),
  setting('sieve.tlsVerify', 'EAS_SIEVE_TLS_VERIFY', bool, true),
  setting('backendCaFile', 'EAS_BACKEND_CA_FILE', optionalText, undefined),
  setting('allowPlaintextBackends', 'EAS_ALLOW_PLAINTEXT_BACKENDS', bool, false),
  setting('state.driver', 'EAS_STATE_DRIVER', oneOf(['sqlite', 'postgres', 'memory']), 'sqlite'),
  setting('state.path', 'EAS_STATE_PATH', text, 'data/eas-gateway.sqlite'),
  setting(
    'state.url',
    'EAS_STATE_URL',
    optionalUrl(['postgres:', 'postgresql:'], 'a postgres:// URL'),
    undefined,
    {
      secret: true,
    },
  ),
  setting('provisioning.required', 'EAS_PROVISIONING_REQUIRED', bool, true),
  setting('provisioning.policy', undefined, policy, {}),
  setting('users', undefined, users, {}),
  setting('authCacheSeconds', 'EAS_AUTH_CACHE_SECONDS', int(0), 60),
  setting('logins.windowSeconds', 'EAS_LOGIN_WINDOW_SECONDS', int(1), DEFAULT_LOGIN_LIMITS.windowSeconds),
  setting(
    'logins.failuresPerAddress',
    'EAS_LOGIN_FAILURES_PER_ADDRESS',
    int(1),
    DEFAULT_LOGIN_LIMITS.failuresPerAddress,
  ),
  setting(
    'logins.failuresPerAccount',
    'EAS_LOGIN_FAILURES_PER_ACCOUNT',
    int(1),
    DEFAULT_LOGIN_LIMITS.failuresPerAccount,
  ),
  setting(
    'logins.inFlightPerAddress',
    'EAS_LOGIN_IN_FLIGHT_PER_ADDRESS',
    int(1),
    DEFAULT_LOGIN_LIMITS.inFlightPerAddress,
  ),
  setting(
    'logins.inFlightPerAccount',
    'EAS_LOGIN_IN_FLIGHT_PER_ACCOUNT',
    int(1),
    DEFAULT_LOGIN_LIMITS.inFlightPerAccount,
  ),
  setting('ops.host', 'EAS_OPS_HOST', optionalText, '127.0.0.1'),
  setting('ops.port', 'EAS_OPS_PORT', port, 9464),
  setting('limits.concurrentRequestsPerUser', 'EAS_MAX_CONCURRENT_REQUESTS_PER_USER', int(1), 20),
  setting('limits.devicesPerUser', 'EAS_MAX_DEVICES_PER_USER', int(1), 100),
  setting('trace.dir', 'EAS_TRACE_DIR', optionalText, undefined),
  setting('trace.all', 'EAS_TRACE_ALL', bool, false),
  setting('trace.users', 'EAS_TRACE_USERS', list, []),
  setting('trace.devices', 'EAS_TRACE_DEVICES', list, []),
  setting('trace.redactBodies', 'EAS_TRACE_REDACT_BODIES', bool, true),
  setting('logLevel', 'EAS_LOG_LEVEL', oneOf(LOG_LEVELS), 'info'),
] as const;

// A GatewayConfig field without a line in SETTINGS does not compile.
type Unlisted = Exclude<SettingPath, (typeof SETTINGS)[number]['path']>;
const _everySettingListed: [Unlisted] extends [never] ? true : Unlisted = true;

/** IMAPS (993) and submissions (465, RFC 8314) speak TLS from the first byte: their TLS default. */
const IMPLICIT_TLS_PORTS = [
  ['imap.tls', 'imap.port', 993],
  ['smtp.tls', 'smtp.port', 465],
] as const;

function implicitOnItsPort(entries: ConfigEntry[]): void {
  for (const [tlsPath, portPath, implicitPort] of IMPLICIT_TLS_PORTS) {
    const i = entries.findIndex((e) => e.setting.path === tlsPath);
    const mode = entries[i];
    const portEntry = entries.find((e) => e.setting.path === portPath);
    if (mode?.source === 'default' && portEntry?.value === implicitPort)
      entries[i] = { ...mode, value: 'implicit' };
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether traffic to this host stays on the machine (where plaintext exposes nothing). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const family = isIP(h);
  if (family === 0) return false;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  return v4 !== undefined ? LOOPBACK.check(v4, 'ipv4') : LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Every backend gets the user's password: plaintext only towards loopback unless the operator
 * says otherwise. `host` gives the host a setting sends plaintext to, if it does.
 */
function plaintextTo(setting: string, host: (c: GatewayConfig) => string | undefined) {
  return (c: GatewayConfig): string | undefined => {
    const h = c.allowPlaintextBackends ? undefined : host(c);
    return h === undefined || isLoopbackHost(h)
      ? undefined
      : `${setting} would send passwords in clear to ${h}: use TLS, or set EAS_ALLOW_PLAINTEXT_BACKENDS=true`;
  };
}

const httpHost = (url: string | undefined): string | undefined =>
  url?.startsWith('http://') ? new URL(url).hostname : undefined;

function caFileProblem(c: GatewayConfig): string | undefined {
  if (c.backendCaFile === undefined) return undefined;
  try {
    return readFileSync(c.backendCaFile, 'utf8').includes('-----BEGIN CERTIFICATE-----')
      ? undefined
      : `EAS_BACKEND_CA_FILE (backendCaFile) ${c.backendCaFile}: no PEM certificate in it`;
  } catch (e) {
    return `EAS_BACKEND_CA_FILE (backendCaFile) ${c.backendCaFile}: ${(e as Error).message}`;
  }
}

/** Checks that involve more than one setting. */
const RULES: readonly ((c: GatewayConfig) => string | undefined)[] = [
  (c) =>
    c.state.driver === 'postgres' && c.state.url === undefined
      ? 'EAS_STATE_URL (state.url) must be a postgres:// URL when EAS_STATE_DRIVER is postgres'
      : undefined,
  plaintextTo('EAS_IMAP_TLS=none (imap.tls)', (c) => (c.imap.tls === 'none' ? c.imap.host : undefined)),
  plaintextTo('EAS_SMTP_TLS=none (smtp.tls)', (c) => (c.smtp.tls === 'none' ? c.smtp.host : undefined)),
  plaintextTo('EAS_SIEVE_TLS=none (sieve.tls)', (c) => (c.sieve?.tls === 'none' ? c.sieve.host : undefined)),
  plaintextTo('EAS_DAV_URL=http://… (davUrl)', (c) => httpHost(c.davUrl)),
  plaintextTo('EAS_GAL_URL=http://… (gal.url)', (c) => httpHost(c.gal?.url)),
  caFileProblem,
];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export type ConfigSource = 'default' | 'file' | 'env';

/** One setting's effective value and where it came from. */
export interface ConfigEntry {
  readonly setting: Setting;
  readonly value: unknown;
  readonly source: ConfigSource;
}

export interface ConfigReport {
  /** The file named by EAS_CONFIG, if any. */
  readonly file: string | undefined;
  readonly entries: readonly ConfigEntry[];
  /** Every problem found, in the order of SETTINGS; empty when the configuration is valid. */
  readonly problems: readonly string[];
  /**
   * EAS_* variables that are no setting (a typo, or a setting of another version): not a problem,
   * since the environment is shared with other tools, but worth a note. The test servers' own
   * EAS_TEST_* are left out.
   */
  readonly unknownEnv: readonly string[];
  readonly config: GatewayConfig;
}

/**
 * Reads DEFAULT values, the JSON file named by EAS_CONFIG and EAS_* variables (the environment
 * wins), checks every value from either source with its setting's kind and reports all problems
 * together. A file value that the environment overrides is still checked.
 */
export function inspectConfig(env: Env = process.env): ConfigReport {
  const problems: string[] = [];
  const file = env.EAS_CONFIG || undefined;
  const fileValues = file === undefined ? new Map<string, unknown>() : readConfigFile(file, problems);
  const entries: ConfigEntry[] = [];
  for (const s of SETTINGS as readonly Setting[]) {
    let value: unknown = structuredClone(s.default);
    let source: ConfigSource = 'default';
    if (fileValues.has(s.path)) {
      const raw = fileValues.get(s.path);
      const checked = s.kind.check(raw);
      if (checked.ok) [value, source] = [checked.value, 'file'];
      else problems.push(problem(`${s.path} in ${file}`, s, checked.why, JSON.stringify(raw)));
    }
    const text = s.env === undefined ? undefined : env[s.env];
    if (text !== undefined) {
      const checked = s.kind.check(s.kind.fromText(text));
      if (checked.ok) [value, source] = [checked.value, 'env'];
      else problems.push(problem(s.env!, s, checked.why, JSON.stringify(text)));
    }
    entries.push({ setting: s, value, source });
  }
  implicitOnItsPort(entries);
  problems.push(...orphans(entries));
  const config = assemble(entries);
  for (const rule of RULES) {
    const p = rule(config);
    if (p !== undefined) problems.push(p);
  }
  const known = new Set<string>([
    'EAS_CONFIG',
    ...SETTINGS.flatMap((s) => (s.env === undefined ? [] : [s.env])),
  ]);
  const unknownEnv = Object.keys(env)
    .filter((name) => name.startsWith('EAS_') && !name.startsWith('EAS_TEST_') && !known.has(name))
    .sort();
  return { file, entries, problems, config, unknownEnv };
}

/** Builds and validates the configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const report = inspectConfig(env);
  if (report.problems.length > 0) throw new ConfigError(report.problems);
  return report.config;
}

export const DEFAULT_CONFIG: GatewayConfig = inspectConfig({}).config;

function problem(name: string, s: Setting, why: string | undefined, shown: string): string {
  if (why !== undefined) return `${name}: ${why}`;
  if (s.secret) return `${name} must ${s.kind.expected}`;
  // A password inside a URL-like value is not repeated either.
  return `${name} must ${s.kind.expected}, got ${shown.replace(/(\/\/[^/:@\s]*:)[^/@\s]*@/g, '$1***@')}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BY_PATH = new Set<string>(SETTINGS.map((s) => s.path));
const SECTIONS = new Set(
  SETTINGS.map((s) => s.path.split('.'))
    .filter((p) => p.length > 1)
    .map(([s]) => s!),
);

/** The file's values by setting path; unknown keys and malformed sections are problems. */
function readConfigFile(file: string, problems: string[]): Map<string, unknown> {
  const values = new Map<string, unknown>();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`EAS_CONFIG ${file}: ${(e as Error).message}`);
    return values;
  }
  if (!isRecord(json)) {
    problems.push(`EAS_CONFIG ${file} must hold a JSON object`);
    return values;
  }
  for (const [key, value] of Object.entries(json)) {
    if (BY_PATH.has(key)) values.set(key, value);
    else if (!SECTIONS.has(key)) problems.push(`unknown setting ${key} in ${file}`);
    else if (value === null && key in OPTIONAL_SECTIONS)
      values.set(`${key}.${OPTIONAL_SECTIONS[key as Section]}`, null);
    else if (!isRecord(value))
      problems.push(`${key} in ${file} must be an object, got ${JSON.stringify(value)}`);
    else
      for (const [name, v] of Object.entries(value)) {
        const path = `${key}.${name}`;
        if (BY_PATH.has(path)) values.set(path, v);
        else problems.push(`unknown setting ${path} in ${file}`);
      }
  }
  return values;
}

/**
 * Settings given for a section that is off: before these defaults ManageSieve was on at 127.0.0.1,
 * so an EAS_SIEVE_PORT alone must not quietly leave out-of-office off.
 */
function orphans(entries: readonly ConfigEntry[]): string[] {
  const out: string[] = [];
  for (const [section, key] of Object.entries(OPTIONAL_SECTIONS)) {
    const inSection = entries.filter((e) => e.setting.path.startsWith(`${section}.`));
    const switchedBy = inSection.find((e) => e.setting.path === `${section}.${key}`)!;
    if (switchedBy.value !== undefined) continue;
    for (const e of inSection.filter((x) => x.source !== 'default' && x !== switchedBy))
      out.push(
        `${e.source === 'env' ? e.setting.env : e.setting.path} is set but ${section} is off: set ${switchedBy.setting.env} (${switchedBy.setting.path}) too, or leave it out`,
      );
  }
  return out;
}

/** The nested GatewayConfig from flat entries; an optional section without its key is undefined. */
function assemble(entries: readonly ConfigEntry[]): GatewayConfig {
  const out: Record<string, unknown> = {};
  for (const { setting: s, value } of entries) {
    const [first, second] = s.path.split('.') as [string, string | undefined];
    if (second === undefined) out[first] = value;
    else ((out[first] ??= {}) as Record<string, unknown>)[second] = value;
  }
  for (const [section, key] of Object.entries(OPTIONAL_SECTIONS)) {
    if ((out[section] as Record<string, unknown>)[key] === undefined) out[section] = undefined;
  }
  return out as unknown as GatewayConfig;
}

/**
 * A value as `config check` may print it: a secret is `***` (a URL keeps scheme, host and path),
 * and a password inside any URL is masked too.
 */
export function printable(entry: ConfigEntry): unknown {
  const v = entry.value;
  if (v === undefined || v === '') return v;
  const url =
    typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && URL.canParse(v) ? new URL(v) : undefined;
  if (entry.setting.secret) {
    if (url === undefined) return '***';
    const who = url.username || url.password ? '***@' : '';
    return `${url.protocol}//${who}${url.host}${url.pathname}${url.search ? '?***' : ''}`;
  }
  if (url?.password) {
    url.password = '***';
    return url.href;
  }
  return v;
}
