import { readFileSync } from 'node:fs';
import { POLICY_SETTING_NAMES } from './protocol/policy.js';

/** Everything an operator sets. Read from a JSON file (EAS_CONFIG) and EAS_* variables, env winning. */
export interface GatewayConfig {
  listen: { host: string; port: number };
  /** HTTPS with this pair unless `plainHttp` is set (behind a TLS-terminating proxy). */
  tls: { cert: string; key: string };
  plainHttp: boolean;
  /** Honour X-Forwarded-* (only behind a proxy you run). */
  trustProxy: boolean;
  /** The public base URL phones use, when it differs from what the Host header says. */
  publicUrl: string | undefined;
  bodyLimitBytes: number;
  mailDomain: string;
  /** How a device's user name becomes the IMAP login: `alice`, `alice@domain`, or as typed. */
  loginFormat: 'local' | 'email' | 'as-given';
  /** `hideDeleted`: messages marked \Deleted and not yet expunged are gone for devices. */
  imap: { host: string; port: number; secure: boolean; rejectUnauthorized: boolean; hideDeleted: boolean };
  smtp: { host: string; port: number; secure: boolean; savesSent: boolean };
  /** CalDAV/CardDAV base URL; empty to serve mail only. */
  davUrl: string | undefined;
  /** How often a waiting Ping or Sync polls a calendar or address book (DAV has no push). */
  davPollSeconds: number;
  /** The CalDAV server sends meeting messages itself (RFC 6638); else the gateway mails them. 'auto' asks it. */
  caldavSchedules: boolean | 'auto';
  /** The global address list: a shared CardDAV address book read with its own login. */
  gal: { url: string; user: string; password: string } | undefined;
  /** ManageSieve for out-of-office; empty to disable Oof. */
  sieve: { host: string; port: number } | undefined;
  /** SQLite file (one instance), PostgreSQL URL (several instances), or memory (tests). */
  state: { driver: 'sqlite' | 'postgres' | 'memory'; path: string; url?: string };
  provisioning: { required: boolean; policy: Record<string, string | null> };
  /** Display names and aliases by primary address (Settings UserInformation). */
  users: Record<string, { displayName?: string; aliases?: string[] }>;
  authCacheSeconds: number;
  /** Per-user limits, like Exchange's throttling: requests at once (per instance) and devices. */
  limits: { concurrentRequestsPerUser: number; devicesPerUser: number };
  /** Trace capture (src/trace/format.ts): off unless a directory is set. */
  trace: { dir: string | undefined; all: boolean; users: string[]; devices: string[]; redactBodies: boolean };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
}

export const DEFAULT_CONFIG: GatewayConfig = {
  listen: { host: '127.0.0.1', port: 8443 },
  tls: { cert: 'certs/server.crt', key: 'certs/server.key' },
  plainHttp: false,
  trustProxy: false,
  publicUrl: undefined,
  bodyLimitBytes: 50 * 1024 * 1024,
  mailDomain: 'example.test',
  loginFormat: 'local',
  imap: { host: '127.0.0.1', port: 1143, secure: false, rejectUnauthorized: true, hideDeleted: true },
  smtp: { host: '127.0.0.1', port: 1587, secure: false, savesSent: false },
  davUrl: 'http://127.0.0.1:5232/',
  davPollSeconds: 30,
  caldavSchedules: 'auto',
  gal: { url: 'http://127.0.0.1:5232/directory/gal/', user: 'directory', password: 'password' },
  sieve: { host: '127.0.0.1', port: 14190 },
  state: { driver: 'sqlite', path: 'data/eas-gateway.sqlite', url: undefined },
  provisioning: { required: true, policy: {} },
  users: {},
  authCacheSeconds: 60,
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
  const c: GatewayConfig = {
    ...merged,
    listen: { host: r.str('EAS_HOST', merged.listen.host), port: r.port('EAS_PORT', merged.listen.port) },
    tls: { cert: r.str('EAS_TLS_CERT', merged.tls.cert), key: r.str('EAS_TLS_KEY', merged.tls.key) },
    plainHttp: r.bool('EAS_PLAIN_HTTP', merged.plainHttp),
    trustProxy: r.bool('EAS_TRUST_PROXY', merged.trustProxy),
    publicUrl: r.optional('EAS_PUBLIC_URL', merged.publicUrl),
    bodyLimitBytes: r.int('EAS_BODY_LIMIT_BYTES', merged.bodyLimitBytes, 1024),
    mailDomain: r.str('EAS_MAIL_DOMAIN', merged.mailDomain),
    loginFormat: r.oneOf('EAS_LOGIN_FORMAT', merged.loginFormat, ['local', 'email', 'as-given'] as const),
    imap: {
      host: r.str('EAS_IMAP_HOST', merged.imap.host),
      port: r.port('EAS_IMAP_PORT', merged.imap.port),
      secure: r.bool('EAS_IMAP_TLS', merged.imap.secure),
      rejectUnauthorized: r.bool('EAS_IMAP_TLS_VERIFY', merged.imap.rejectUnauthorized),
      hideDeleted: r.bool('EAS_IMAP_HIDE_DELETED', merged.imap.hideDeleted),
    },
    smtp: {
      host: r.str('EAS_SMTP_HOST', merged.smtp.host),
      port: r.port('EAS_SMTP_PORT', merged.smtp.port),
      secure: r.bool('EAS_SMTP_TLS', merged.smtp.secure),
      savesSent: r.bool('EAS_SMTP_SAVES_SENT', merged.smtp.savesSent),
    },
    davUrl: r.optional('EAS_DAV_URL', merged.davUrl),
    davPollSeconds: r.int('EAS_DAV_POLL_SECONDS', merged.davPollSeconds, 5),
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
          },
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
  const unknownPolicy = Object.keys(c.provisioning.policy).filter((k) => !POLICY_SETTING_NAMES.includes(k));
  if (unknownPolicy.length > 0)
    problems.push(`provisioning.policy: unknown settings ${unknownPolicy.join(', ')}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return c;
}

const TRUE_RE = /^(1|true|yes|on)$/i;
const FALSE_RE = /^(0|false|no|off)$/i;

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
