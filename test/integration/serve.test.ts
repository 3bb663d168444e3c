import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicAuth } from '../support/eas-client.js';
import { testEnv } from '../support/test-env.js';
import { testBackends } from '../support/backend-matrix.js';

// The built command as an operator runs it: HTTPS with a self-signed pair, a real login against
// Dovecot, /healthz, the operations listener, and a clean exit on SIGTERM.
const cli = new URL('../../dist/cli.js', import.meta.url).pathname;

describe.skipIf(!existsSync(cli))('eas-gateway serve', () => {
  it('serves HTTPS, checks logins against IMAP and drains on SIGTERM', async () => {
    const env = testEnv();
    const dir = mkdtempSync(join(tmpdir(), 'eas-serve-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: {
        ...process.env,
        EAS_PORT: '0',
        EAS_TLS_CERT: join(dir, 'cert.pem'),
        EAS_TLS_KEY: join(dir, 'key.pem'),
        EAS_IMAP_PORT: String(testBackends().imapPort),
        EAS_DAV_URL: testBackends().davUrl,
        EAS_SIEVE_PORT: String(env.sievePort),
        EAS_STATE_PATH: join(dir, 'state.sqlite'),
        EAS_OPS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const [url, opsUrl] = await new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${log}`)), 15_000);
      child.stdout.on('data', (c: Buffer) => {
        log += c.toString();
        const m = /"url":"([^"]+)","opsUrl":"([^"]+)"/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve([m[1]!, m[2]!]);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${log}`)));
    });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/Microsoft-Server-ActiveSync$/);

    const call = (method: string, path: string, password: string) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = request(
          new URL(path, url),
          { method, rejectUnauthorized: false, headers: { authorization: basicAuth('alice', password) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const options = await call('OPTIONS', '/Microsoft-Server-ActiveSync', 'password');
    expect(options.status).toBe(200);
    expect(options.headers['ms-asprotocolversions']).toBe('12.0,12.1,14.0,14.1,16.0,16.1');
    expect(options.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(options.headers['x-content-type-options']).toBe('nosniff');
    expect((await call('OPTIONS', '/Microsoft-Server-ActiveSync', 'wrong')).status).toBe(401);
    expect((await call('GET', '/healthz', 'password')).status).toBe(200);
    // Readiness and metrics only on the operations listener (plain HTTP, loopback).
    expect((await call('GET', '/readyz', 'password')).status).toBe(404);
    expect((await call('GET', '/metrics', 'password')).status).toBe(404);
    expect(opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${opsUrl}/metrics`)).text()).toMatch(
      /eas_requests_total\{command="OPTIONS",status="200"\} 1/,
    );

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(log).not.toMatch(/cGFzc3dvcmQ|"password"|:password/);
    expect(log).toContain('shutting down');
  });
});
