import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults for the local demo', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
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
