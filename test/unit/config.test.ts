import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, inspectConfig, loadConfig, SETTINGS } from '../../src/config.js';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'eas-config-')), 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration', () => {
  it('starts from the defaults, which name no credential and no demo server', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.gal).toBeUndefined();
    expect(DEFAULT_CONFIG.sieve).toBeUndefined();
    expect(DEFAULT_CONFIG.davUrl).toBeUndefined();
    expect(DEFAULT_CONFIG.state.url).toBeUndefined();
    expect({ imap: DEFAULT_CONFIG.imap.port, smtp: DEFAULT_CONFIG.smtp.port }).toEqual({
      imap: 143,
      smtp: 587,
    });
    expect(JSON.stringify(DEFAULT_CONFIG)).not.toMatch(/password|directory|5232|1143|1587|14190/);
    for (const s of SETTINGS.filter((x) => x.secret)) expect([undefined, '']).toContain(s.default);
  });

  it('reads a file and lets the environment win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port: 9443 },
        mailDomain: 'corp.test',
        provisioning: { policy: { AllowCamera: '0' } },
      }),
    );
    const c = loadConfig({ EAS_CONFIG: file, EAS_MAIL_DOMAIN: 'env.test', EAS_PLAIN_HTTP: 'true' });
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 9443 });
    expect(c.mailDomain).toBe('env.test');
    expect(c.plainHttp).toBe(true);
    expect(c.provisioning.policy).toEqual({ AllowCamera: '0' });
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        EAS_PORT: 'abc',
        EAS_PLAIN_HTTP: 'maybe',
        EAS_LOGIN_FORMAT: 'upn',
        EAS_DAV_URL: 'ftp://x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/EAS_PORT.*abc/);
    expect(problems.join('\n')).toMatch(/EAS_PLAIN_HTTP/);
    expect(problems.join('\n')).toMatch(/EAS_LOGIN_FORMAT must be one of local, email, as-given/);
    expect(problems.join('\n')).toMatch(/EAS_DAV_URL must be an http\(s\) URL, got "ftp:\/\/x"/);
  });

  it('asks the CalDAV server about scheduling unless told (EAS_CALDAV_SCHEDULES auto, true, false)', () => {
    expect(loadConfig({}).caldavSchedules).toBe('auto');
    expect(loadConfig({ EAS_CALDAV_SCHEDULES: 'true' }).caldavSchedules).toBe(true);
    expect(loadConfig({ EAS_CALDAV_SCHEDULES: 'no' }).caldavSchedules).toBe(false);
    expect(loadConfig({ EAS_CALDAV_SCHEDULES: 'AUTO' }).caldavSchedules).toBe('auto');
    expect(() => loadConfig({ EAS_CALDAV_SCHEDULES: 'sometimes' })).toThrow(
      /EAS_CALDAV_SCHEDULES must be true, false or auto, got "sometimes"/,
    );
  });

  it('rejects unknown settings and policy names from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ lisen: {}, provisioning: { policy: { AllowTeleport: '1' } } }));
    expect(() => loadConfig({ EAS_CONFIG: file })).toThrow(/unknown setting lisen[\s\S]*AllowTeleport/);
  });
});

describe('one schema for the file and the environment', () => {
  it('checks the JSON types of file values: a string is not a boolean, a negative limit is refused', () => {
    const file = configFile({
      listen: { port: '9443' },
      imap: { tls: 'false', port: 99999 },
      limits: { devicesPerUser: -1 },
      logLevel: 'loud',
      trustProxy: true,
      trace: { users: 'alice' },
      users: { 'alice@example.test': { displayName: 3 } },
      provisioning: { policy: { AllowCamera: 0 } },
    });
    expect(problemsOf({ EAS_CONFIG: file })).toEqual([
      `listen.port in ${file} must be an integer from 0 to 65535, got "9443"`,
      `trustProxy in ${file} must list the proxies' addresses or CIDRs (e.g. 10.0.0.5,192.168.0.0/24 or loopback), got true`,
      `imap.port in ${file} must be an integer from 0 to 65535, got 99999`,
      `imap.tls in ${file} must be one of implicit, starttls, none, got "false"`,
      `provisioning.policy in ${file}: not a string or null: AllowCamera`,
      `users in ${file}: not {"displayName": string, "aliases": [strings]}: alice@example.test`,
      `limits.devicesPerUser in ${file} must be an integer ≥ 1, got -1`,
      `trace.users in ${file} must be a list of strings, got "alice"`,
      `logLevel in ${file} must be one of fatal, error, warn, info, debug, trace, got "loud"`,
    ]);
  });

  it('lists the problems of the file, the environment and between settings together', () => {
    const file = configFile({ imap: { port: 'imaps' }, listen: 8443, lisen: {}, smtp: { secure: true } });
    expect(
      problemsOf({
        EAS_CONFIG: file,
        EAS_IMAP_PORT: '993',
        EAS_MAX_DEVICES_PER_USER: '-5',
        EAS_IMAP_TLS: 'sure',
        EAS_PORT: '',
        EAS_STATE_DRIVER: 'postgres',
      }),
    ).toEqual([
      `listen in ${file} must be an object, got 8443`,
      `unknown setting lisen in ${file}`,
      `unknown setting smtp.secure in ${file}`,
      'EAS_PORT must be an integer from 0 to 65535, got ""',
      // Overridden by EAS_IMAP_PORT, and still wrong in the file.
      `imap.port in ${file} must be an integer from 0 to 65535, got "imaps"`,
      'EAS_IMAP_TLS must be one of implicit, starttls, none, got "sure"',
      'EAS_MAX_DEVICES_PER_USER must be an integer ≥ 1, got "-5"',
      'EAS_STATE_URL (state.url) must be a postgres:// URL when EAS_STATE_DRIVER is postgres',
    ]);
    expect(problemsOf({ EAS_CONFIG: configFile('{"listen": ') })).toEqual([
      expect.stringMatching(/^EAS_CONFIG .*config\.json: .*JSON/),
    ]);
    expect(problemsOf({ EAS_CONFIG: configFile([1]) })).toEqual([
      expect.stringMatching(/must hold a JSON object$/),
    ]);
  });

  it('reads the same setting from either source to the same value', () => {
    const file = configFile({
      imap: { port: 993, tls: true },
      trustProxy: ['10.0.0.1'],
      trace: { users: ['alice'] },
      caldavSchedules: false,
    });
    const env = {
      EAS_IMAP_PORT: '993',
      EAS_IMAP_TLS: 'true',
      EAS_TRUST_PROXY: '10.0.0.1',
      EAS_TRACE_USERS: 'alice',
      EAS_CALDAV_SCHEDULES: 'false',
    };
    const fromFile = inspectConfig({ EAS_CONFIG: file });
    const fromEnv = inspectConfig(env);
    expect(fromFile.config).toEqual(fromEnv.config);
    expect(fromFile.entries.find((e) => e.setting.path === 'imap.port')?.source).toBe('file');
    expect(fromEnv.entries.find((e) => e.setting.path === 'imap.port')?.source).toBe('env');
  });

  it('turns optional sections off with an empty key or null, and on with their key', () => {
    expect(loadConfig({ EAS_CONFIG: configFile({ ops: null, sieve: { host: '' } }) })).toMatchObject({
      ops: undefined,
      sieve: undefined,
    });
    expect(
      loadConfig({
        EAS_GAL_URL: 'https://dav.example.com/gal/',
        EAS_GAL_USER: 'gal',
        EAS_SIEVE_HOST: 'mail',
      }),
    ).toMatchObject({
      gal: { url: 'https://dav.example.com/gal/', user: 'gal', password: '' },
      sieve: { host: 'mail', port: 4190 },
    });
  });

  it('refuses settings of a section that is off', () => {
    expect(problemsOf({ EAS_SIEVE_PORT: '4190', EAS_GAL_PASSWORD: 'x', EAS_OPS_HOST: '' })).toEqual([
      'EAS_GAL_PASSWORD is set but gal is off: set EAS_GAL_URL (gal.url) too, or leave it out',
      'EAS_SIEVE_PORT is set but sieve is off: set EAS_SIEVE_HOST (sieve.host) too, or leave it out',
    ]);
    expect(problemsOf({ EAS_CONFIG: configFile({ ops: { host: '', port: 9100 } }) })).toEqual([
      'ops.port is set but ops is off: set EAS_OPS_HOST (ops.host) too, or leave it out',
    ]);
  });

  it('never repeats a secret in a problem', () => {
    const file = configFile({ gal: { password: 12345 }, state: { url: 'mysql://eas:s3cret@db/eas' } });
    const problems = problemsOf({ EAS_CONFIG: file, EAS_STATE_URL: 'http://eas:t0psecret@db/' });
    expect(problems).toEqual([
      `gal.password in ${file} must be a string`,
      `state.url in ${file} must be a postgres:// URL`,
      'EAS_STATE_URL must be a postgres:// URL',
    ]);
    expect(problemsOf({ EAS_DAV_URL: 'ftp://dav:pa55@dav.example.com/' })).toEqual([
      'EAS_DAV_URL must be an http(s) URL, got "ftp://dav:***@dav.example.com/"',
    ]);
  });

  it('knows each environment variable once, and the README documents every one', () => {
    const names = SETTINGS.flatMap((s) => (s.env === undefined ? [] : [s.env]));
    expect(new Set(names).size).toBe(names.length);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(names.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });

  it('notes EAS_* variables that are no setting', () => {
    expect(
      inspectConfig({ EAS_IMAP_PROT: '993', EAS_TEST_IMAP_PORT: '1', EAS_CONFIG: '' }).unknownEnv,
    ).toEqual(['EAS_IMAP_PROT']);
  });

  it("the demo sets every backend and the GAL's login itself, over TLS with the test env's CA", () => {
    // The export lines of scripts/demo, run by bash with the test servers' ports it reads.
    const demo = readFileSync(new URL('../../scripts/demo', import.meta.url), 'utf8');
    const exports = demo.split('\n').filter((l) => l.startsWith('export EAS_'));
    const ca = configFile('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    const out = execFileSync('bash', ['-c', `${exports.join('\n')}\nenv -0`], {
      env: {
        PATH: process.env.PATH,
        EAS_TEST_IMAP_TLS_PORT: '2146',
        EAS_TEST_DAVS_PORT: '6235',
        EAS_TEST_CA_FILE: ca,
      },
    }).toString();
    const env = Object.fromEntries(
      out
        .split('\0')
        .filter((l) => l.startsWith('EAS_'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const c = loadConfig(env);
    expect(c.imap).toMatchObject({ port: 2146, tls: 'starttls', tlsVerify: true });
    expect(c.gal).toEqual({
      url: 'https://127.0.0.1:6235/directory/gal/',
      user: 'directory',
      password: 'password',
    });
    expect(c.sieve).toEqual({ host: '127.0.0.1', port: 14191, tls: 'starttls', tlsVerify: true });
    expect(c.davUrl).toBe('https://127.0.0.1:6235/');
    expect(c.smtp).toMatchObject({ port: 1588, tls: 'starttls' });
    expect(c.backendCaFile).toBe(ca);
  });
});
