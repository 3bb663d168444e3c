import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './http/login-limiter.js';
import { POLICY_SETTING_NAMES } from './protocol/policy.js';

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

export const DEFAULT_CONFIG: GatewayConfig = {
  listen: { host: '127.0.0.1', port: 8443 },
  tls: { cert: 'certs/server.crt', key: 'certs/server.key' },
  plainHttp: false,
  trustProxy: [],
  publicUrl: undefined,
  bodyLimitBytes: 50 * 1024 * 1024,
  mailDomain: 'example.test',
  loginFormat: 'local',
  imap: { host: '127.0.0.1', port: 1143, tls: 'starttls', tlsVerify: true, hideDeleted: true },
  smtp: { host: '127.0.0.1', port: 1587, tls: 'starttls', tlsVerify: true, savesSent: false },
  davUrl: 'http://127.0.0.1:5232/',
  davPollSeconds: 30,
  davRecheckSeconds: 300,
  caldavSchedules: 'auto',
  gal: { url: 'http://127.0.0.1:5232/directory/gal/', user: 'directory', password: 'password' },
  sieve: { host: '127.0.0.1', port: 14190, tls: 'starttls', tlsVerify: true },
  davTlsVerify: true,
  backendCaFile: undefined,
  allowPlaintextBackends: false,
  state: { driver: 'sqlite', path: 'data/eas-gateway.sqlite', url: undefined },
  provisioning: { required: true, policy: {} },
  users: {},
  authCacheSeconds: 60,
  logins: DEFAULT_LOGIN_LIMITS,
  ops: { host: '127.0.0.1', port: 9464 },
  limits: { concurrentRequestsPerUser: 20, devicesPerUser: 100 },
  trace: { dir: undefined, all: false, users: [], devices: [], redactBodies: true },
  logLevel: 'info',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Builds and validates the configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  if (env.EAS_CONFIG) {
    try {
      file = JSON.parse(readFileSync(env.EAS_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      problems.push(`EAS_CONFIG ${env.EAS_CONFIG}: ${(e as Error).message}`);
    }
  }
  const merged = deepMerge(DEFAULT_CONFIG, file, problems) as GatewayConfig;
  const r = new EnvReader(env, problems);
  const imapPort = r.port('EAS_IMAP_PORT', merged.imap.port);
  const smtpPort = r.port('EAS_SMTP_PORT', merged.smtp.port);
  const c: GatewayConfig = {
    ...merged,
    listen: { host: r.str('EAS_HOST', merged.listen.host), port: r.port('EAS_PORT', merged.listen.port) },
    tls: { cert: r.str('EAS_TLS_CERT', merged.tls.cert), key: r.str('EAS_TLS_KEY', merged.tls.key) },
    plainHttp: r.bool('EAS_PLAIN_HTTP', merged.plainHttp),
    trustProxy: r.proxies('EAS_TRUST_PROXY', merged.trustProxy),
    publicUrl: r.optional('EAS_PUBLIC_URL', merged.publicUrl),
    bodyLimitBytes: r.int('EAS_BODY_LIMIT_BYTES', merged.bodyLimitBytes, 1024),
    mailDomain: r.str('EAS_MAIL_DOMAIN', merged.mailDomain),
    loginFormat: r.oneOf('EAS_LOGIN_FORMAT', merged.loginFormat, [
      'local',
      'email',
      'as-given',
      'as-given-lowercase',
    ] as const),
    imap: {
      host: r.str('EAS_IMAP_HOST', merged.imap.host),
      port: imapPort,
      tls: r.tls('EAS_IMAP_TLS', fileValue(file, 'imap', 'tls') ?? defaultTls(imapPort, 993), BACKEND_TLS),
      tlsVerify: r.bool('EAS_IMAP_TLS_VERIFY', merged.imap.tlsVerify),
      hideDeleted: r.bool('EAS_IMAP_HIDE_DELETED', merged.imap.hideDeleted),
    },
    smtp: {
      host: r.str('EAS_SMTP_HOST', merged.smtp.host),
      port: smtpPort,
      tls: r.tls('EAS_SMTP_TLS', fileValue(file, 'smtp', 'tls') ?? defaultTls(smtpPort, 465), BACKEND_TLS),
      tlsVerify: r.bool('EAS_SMTP_TLS_VERIFY', merged.smtp.tlsVerify),
      savesSent: r.bool('EAS_SMTP_SAVES_SENT', merged.smtp.savesSent),
    },
    davUrl: r.optional('EAS_DAV_URL', merged.davUrl),
    davPollSeconds: r.int('EAS_DAV_POLL_SECONDS', merged.davPollSeconds, 5),
    davRecheckSeconds: r.int('EAS_DAV_RECHECK_SECONDS', merged.davRecheckSeconds, 0),
    caldavSchedules: r.boolOrAuto('EAS_CALDAV_SCHEDULES', merged.caldavSchedules),
    gal:
      r.optional('EAS_GAL_URL', merged.gal?.url) === undefined
        ? undefined
        : {
            url: r.str('EAS_GAL_URL', merged.gal?.url ?? ''),
            user: r.str('EAS_GAL_USER', merged.gal?.user ?? ''),
            password: r.str('EAS_GAL_PASSWORD', merged.gal?.password ?? ''),
          },
    sieve:
      r.optional('EAS_SIEVE_HOST', merged.sieve?.host) === undefined
        ? undefined
        : {
            host: r.str('EAS_SIEVE_HOST', merged.sieve?.host ?? ''),
            port: r.port('EAS_SIEVE_PORT', merged.sieve?.port ?? 4190),
            tls: r.tls('EAS_SIEVE_TLS', merged.sieve?.tls ?? 'starttls', SIEVE_TLS),
            tlsVerify: r.bool('EAS_SIEVE_TLS_VERIFY', merged.sieve?.tlsVerify ?? true),
          },
    davTlsVerify: r.bool('EAS_DAV_TLS_VERIFY', merged.davTlsVerify),
    backendCaFile: r.optional('EAS_BACKEND_CA_FILE', merged.backendCaFile),
    allowPlaintextBackends: r.bool('EAS_ALLOW_PLAINTEXT_BACKENDS', merged.allowPlaintextBackends),
    state: {
      driver: r.oneOf('EAS_STATE_DRIVER', merged.state.driver, ['sqlite', 'postgres', 'memory'] as const),
      path: r.str('EAS_STATE_PATH', merged.state.path),
      url: r.optional('EAS_STATE_URL', merged.state.url),
    },
    provisioning: {
      required: r.bool('EAS_PROVISIONING_REQUIRED', merged.provisioning.required),
      policy: merged.provisioning.policy,
    },
    authCacheSeconds: r.int('EAS_AUTH_CACHE_SECONDS', merged.authCacheSeconds, 0),
    logins: {
      windowSeconds: r.int('EAS_LOGIN_WINDOW_SECONDS', merged.logins.windowSeconds, 1),
      failuresPerAddress: r.int('EAS_LOGIN_FAILURES_PER_ADDRESS', merged.logins.failuresPerAddress, 1),
      failuresPerAccount: r.int('EAS_LOGIN_FAILURES_PER_ACCOUNT', merged.logins.failuresPerAccount, 1),
      inFlightPerAddress: r.int('EAS_LOGIN_IN_FLIGHT_PER_ADDRESS', merged.logins.inFlightPerAddress, 1),
      inFlightPerAccount: r.int('EAS_LOGIN_IN_FLIGHT_PER_ACCOUNT', merged.logins.inFlightPerAccount, 1),
    },
    ops:
      r.optional('EAS_OPS_HOST', merged.ops?.host) === undefined
        ? undefined
        : {
            host: r.str('EAS_OPS_HOST', merged.ops?.host ?? ''),
            port: r.port('EAS_OPS_PORT', merged.ops?.port ?? DEFAULT_OPS_PORT),
          },
    limits: {
      concurrentRequestsPerUser: r.int(
        'EAS_MAX_CONCURRENT_REQUESTS_PER_USER',
        merged.limits.concurrentRequestsPerUser,
        1,
      ),
      devicesPerUser: r.int('EAS_MAX_DEVICES_PER_USER', merged.limits.devicesPerUser, 1),
    },
    trace: {
      dir: r.optional('EAS_TRACE_DIR', merged.trace.dir),
      all: r.bool('EAS_TRACE_ALL', merged.trace.all),
      users: r.list('EAS_TRACE_USERS', merged.trace.users),
      devices: r.list('EAS_TRACE_DEVICES', merged.trace.devices),
      redactBodies: r.bool('EAS_TRACE_REDACT_BODIES', merged.trace.redactBodies),
    },
    logLevel: r.oneOf('EAS_LOG_LEVEL', merged.logLevel, [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
    ] as const),
  };
  if (c.state.driver === 'postgres' && !/^postgres(ql)?:\/\//.test(c.state.url ?? '')) {
    problems.push('EAS_STATE_URL must be a postgres:// URL when EAS_STATE_DRIVER is postgres');
  }
  if (c.davUrl !== undefined && !/^https?:\/\//.test(c.davUrl))
    problems.push(`davUrl must be an http(s) URL, got "${c.davUrl}"`);
  if (c.publicUrl !== undefined && !/^https?:\/\//.test(c.publicUrl))
    problems.push(`publicUrl must be an http(s) URL, got "${c.publicUrl}"`);
  problems.push(...backendTlsProblems(c));
  const unknownPolicy = Object.keys(c.provisioning.policy).filter((k) => !POLICY_SETTING_NAMES.includes(k));
  if (unknownPolicy.length > 0)
    problems.push(`provisioning.policy: unknown settings ${unknownPolicy.join(', ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return c;
}

const BACKEND_TLS = ['implicit', 'starttls', 'none'] as const;
const SIEVE_TLS = ['starttls', 'none'] as const;

/** Implicit TLS on its registered port (IMAPS 993, RFC 8314 submissions 465), STARTTLS elsewhere. */
function defaultTls(port: number, implicitPort: number): BackendTls {
  return port === implicitPort ? 'implicit' : 'starttls';
}

/** A value the file sets itself (the default of a TLS mode depends on the port). */
function fileValue(file: Record<string, unknown>, section: string, key: string): unknown {
  const s = file[section];
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>)[key] : undefined;
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
 * Passwords travel to every backend (each user's own login): plaintext only towards loopback
 * unless the operator says otherwise, and a CA file that can be read.
 */
function backendTlsProblems(c: GatewayConfig): string[] {
  const problems: string[] = [];
  const plain: [setting: string, host: string][] = [];
  if (c.imap.tls === 'none') plain.push(['EAS_IMAP_TLS=none', c.imap.host]);
  if (c.smtp.tls === 'none') plain.push(['EAS_SMTP_TLS=none', c.smtp.host]);
  if (c.sieve?.tls === 'none') plain.push(['EAS_SIEVE_TLS=none', c.sieve.host]);
  for (const [setting, url] of [
    ['EAS_DAV_URL', c.davUrl],
    ['EAS_GAL_URL', c.gal?.url],
  ] as const) {
    const host = url?.startsWith('http://') ? new URL(url).hostname : undefined;
    if (host !== undefined) plain.push([`${setting}=http://…`, host]);
  }
  if (!c.allowPlaintextBackends) {
    for (const [setting, host] of plain.filter(([, h]) => !isLoopbackHost(h)))
      problems.push(
        `${setting} would send passwords in clear to ${host}: use TLS, or set EAS_ALLOW_PLAINTEXT_BACKENDS=true`,
      );
  }
  if (c.backendCaFile !== undefined) {
    try {
      if (!readFileSync(c.backendCaFile, 'utf8').includes('-----BEGIN CERTIFICATE-----'))
        problems.push(`EAS_BACKEND_CA_FILE ${c.backendCaFile}: no PEM certificate in it`);
    } catch (e) {
      problems.push(`EAS_BACKEND_CA_FILE ${c.backendCaFile}: ${(e as Error).message}`);
    }
  }
  return problems;
}

const TRUE_RE = /^(1|true|yes|on)$/i;
const FALSE_RE = /^(0|false|no|off)$/i;
const DEFAULT_OPS_PORT = 9464;
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

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  str(name: string, fallback: string): string {
    return this.env[name] ?? fallback;
  }

  optional(name: string, fallback: string | undefined): string | undefined {
    const v = this.env[name] ?? fallback;
    return v === '' ? undefined : v;
  }

  list(name: string, fallback: string[]): string[] {
    const v = this.env[name];
    return v === undefined
      ? fallback
      : v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '');
  }

  /**
   * Trusted proxies. `true` (trust every sender's X-Forwarded-For) is refused: any client could then
   * pick its own address and step around the per-address login limits.
   */
  proxies(name: string, fallback: unknown): string[] {
    const v: unknown = this.env[name] ?? fallback;
    const list =
      v === false || v === undefined
        ? []
        : typeof v === 'string'
          ? v
              .split(',')
              .map((x) => x.trim())
              .filter((x) => x !== '' && !FALSE_RE.test(x))
          : Array.isArray(v) && v.every((x) => typeof x === 'string')
            ? v
            : undefined;
    if (list === undefined || v === true || (typeof v === 'string' && TRUE_RE.test(v.trim()))) {
      this.problems.push(
        `${name} must list the proxies' addresses or CIDRs (e.g. 10.0.0.5,192.168.0.0/24 or loopback), got ${JSON.stringify(v)}`,
      );
      return [];
    }
    const bad = list.filter((p) => !isProxyAddress(p));
    if (bad.length > 0) this.problems.push(`${name}: not an address or CIDR: ${bad.join(', ')}`);
    return list.filter(isProxyAddress);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.env[name];
    if (v === undefined) return fallback;
    if (TRUE_RE.test(v)) return true;
    if (FALSE_RE.test(v)) return false;
    this.problems.push(`${name} must be true or false, got "${v}"`);
    return fallback;
  }

  boolOrAuto(name: string, fallback: boolean | 'auto'): boolean | 'auto' {
    const v = this.env[name] ?? String(fallback);
    if (/^auto$/i.test(v)) return 'auto';
    if (TRUE_RE.test(v)) return true;
    if (FALSE_RE.test(v)) return false;
    this.problems.push(`${name} must be true, false or auto, got "${v}"`);
    return 'auto';
  }

  int(name: string, fallback: number, min: number): number {
    const v = this.env[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      this.problems.push(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return Number.isInteger(n) ? n : fallback;
  }

  port(name: string, fallback: number): number {
    const n = this.int(name, fallback, 0);
    if (n > 65535) this.problems.push(`${name} must be a port number (0–65535), got ${n}`);
    return n;
  }

  /**
   * A TLS mode from the environment or the file. true and false are the old boolean setting:
   * implicit TLS, or STARTTLS (now required, where it used to be taken only when offered).
   */
  tls<const T extends BackendTls>(name: string, fallback: unknown, allowed: readonly T[]): T {
    const v: unknown = this.env[name] ?? fallback;
    const text = typeof v === 'boolean' ? String(v) : v;
    const mode =
      typeof text !== 'string'
        ? undefined
        : TRUE_RE.test(text)
          ? 'implicit'
          : FALSE_RE.test(text)
            ? 'starttls'
            : text;
    if ((allowed as readonly unknown[]).includes(mode)) return mode as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return allowed[0] as T;
  }

  oneOf<const T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const v = this.env[name];
    if (v === undefined) {
      if (!allowed.includes(fallback))
        this.problems.push(`${name}: "${fallback}" is not one of ${allowed.join(', ')}`);
      return fallback;
    }
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
    return fallback;
  }
}

function deepMerge(base: unknown, over: unknown, problems: string[], path = ''): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  if (typeof over !== 'object' || over === null || Array.isArray(over)) {
    problems.push(`${path || 'configuration'} must be an object`);
    return base;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const freeForm = path === 'users' || path === 'provisioning.policy';
  for (const [k, v] of Object.entries(over)) {
    const p = path ? `${path}.${k}` : k;
    if (!freeForm && !(k in out)) {
      problems.push(`unknown setting ${p}`);
      continue;
    }
    out[k] = freeForm ? v : deepMerge(out[k], v, problems, p);
  }
  return out;
}
