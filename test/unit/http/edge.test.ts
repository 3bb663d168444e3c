import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { el, encodeWbxml } from '../../../src/wbxml/index.js';
import { MailDevice } from '../../support/mail-sync.js';
import type { Credentials } from '../../../src/backends/types.js';
import { ConfigError, DEFAULT_CONFIG, loadConfig, type GatewayConfig } from '../../../src/config.js';
import { basicAuth } from '../../support/eas-client.js';
import { fakeBackends } from '../../support/fake-backends.js';
import { testApp, type TestApp } from '../../support/test-app.js';

function problemsOf(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('edge settings', () => {
  it('takes trusted proxies as a validated list of addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ EAS_TRUST_PROXY: 'false' }).trustProxy).toEqual([]);
    expect(
      loadConfig({ EAS_TRUST_PROXY: '10.0.0.5, 192.168.0.0/24,::1,fd00::/8,loopback' }).trustProxy,
    ).toEqual(['10.0.0.5', '192.168.0.0/24', '::1', 'fd00::/8', 'loopback']);
    const dir = mkdtempSync(join(tmpdir(), 'eas-edge-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ trustProxy: ['10.1.2.3'] }));
    expect(loadConfig({ EAS_CONFIG: file }).trustProxy).toEqual(['10.1.2.3']);
  });

  it('refuses `true` (any client could choose its own address) and malformed entries, all at once', () => {
    expect(problemsOf(() => loadConfig({ EAS_TRUST_PROXY: 'true' }))).toEqual([
      expect.stringMatching(/^EAS_TRUST_PROXY must list the proxies' addresses/),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'eas-edge-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ trustProxy: true }));
    expect(problemsOf(() => loadConfig({ EAS_CONFIG: file }))).toHaveLength(1);
    expect(
      problemsOf(() =>
        loadConfig({ EAS_TRUST_PROXY: '10.0.0.0/33,proxy.example,1.2.3.4/8/1', EAS_OPS_PORT: 'x' }),
      ),
    ).toEqual([
      expect.stringContaining('not an address or CIDR: 10.0.0.0/33, proxy.example, 1.2.3.4/8/1'),
      expect.stringContaining('EAS_OPS_PORT'),
    ]);
  });

  it('puts the operations listener on loopback by default, and turns it off with an empty host', () => {
    expect(loadConfig({}).ops).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(loadConfig({ EAS_OPS_HOST: '0.0.0.0', EAS_OPS_PORT: '9100' }).ops).toEqual({
      host: '0.0.0.0',
      port: 9100,
    });
    expect(loadConfig({ EAS_OPS_HOST: '' }).ops).toBeUndefined();
  });

  it('reads the login limits', () => {
    expect(
      loadConfig({ EAS_LOGIN_FAILURES_PER_ADDRESS: '5', EAS_LOGIN_IN_FLIGHT_PER_ACCOUNT: '1' }).logins,
    ).toMatchObject({ failuresPerAddress: 5, inFlightPerAccount: 1, failuresPerAccount: 30 });
    expect(problemsOf(() => loadConfig({ EAS_LOGIN_WINDOW_SECONDS: '0' }))).toHaveLength(1);
  });
});

describe('the EAS listener', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  async function app(overrides: Partial<GatewayConfig> = {}) {
    const world = fakeBackends();
    const seen: Credentials[] = [];
    const verify = world.verifyLogin.bind(world);
    world.verifyLogin = async (c: Credentials) => {
      seen.push(c);
      return verify(c);
    };
    t = await testApp(world, overrides);
    return { app: t.app, ops: t.ops, seen };
  }

  const options = (remoteAddress: string, headers: Record<string, string> = {}, user = 'alice') =>
    t!.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
      remoteAddress,
      headers: { authorization: basicAuth(user, 'password'), ...headers },
    });

  it('serves /healthz but not /readyz nor /metrics; those are on the operations listener', async () => {
    const { app: eas, ops } = await app();
    expect((await eas.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await eas.inject({ url: '/readyz' })).statusCode).toBe(404);
    expect((await eas.inject({ url: '/metrics' })).statusCode).toBe(404);
    expect((await ops.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await ops.inject({ url: '/metrics' })).body).toContain('eas_uptime_seconds');
    expect((await ops.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('takes the client address from X-Forwarded-For only from a trusted proxy', async () => {
    const { seen } = await app({ trustProxy: ['10.9.9.9'] });
    await options('10.9.9.9', { 'x-forwarded-for': '203.0.113.5' });
    await options('10.8.8.8', { 'x-forwarded-for': '203.0.113.6' }, 'bob');
    expect(seen.map((c) => c.clientAddress)).toEqual(['203.0.113.5', '10.8.8.8']);
  });

  it('sends HSTS for requests that came over TLS (here: a trusted proxy says so), nosniff always', async () => {
    await app({ trustProxy: ['10.9.9.9'] });
    const viaProxy = await options('10.9.9.9', { 'x-forwarded-proto': 'https' });
    expect(viaProxy.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(viaProxy.headers['x-content-type-options']).toBe('nosniff');
    const forged = await options('10.8.8.8', { 'x-forwarded-proto': 'https' });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
    expect(forged.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a login in another domain (no second state namespace for the same mailbox)', async () => {
    const { seen } = await app();
    const res = await options('192.0.2.1', {}, 'alice@anything.test');
    expect(res.statusCode).toBe(401);
    expect(seen).toEqual([]);
    expect(await t!.state.listDevices()).toEqual([]);
  });

  it('tells a limited client to come back later, never that its password is wrong', async () => {
    await app({ logins: { ...DEFAULT_CONFIG.logins, failuresPerAddress: 1 } });
    const wrong = await t!.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
      remoteAddress: '198.51.100.1',
      headers: { authorization: basicAuth('alice', 'guess') },
    });
    expect(wrong.statusCode).toBe(401);
    const limited = await options('198.51.100.1');
    expect(limited.statusCode).toBe(503);
    expect(limited.headers['www-authenticate']).toBeUndefined();
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('ends a waiting Ping when its client goes away, and only then', async () => {
    const { ops } = await app({ provisioning: { required: false, policy: {} } });
    const device = new MailDevice(t!.app, 'alice', '14.1', 'EDGEPING1');
    await device.onboard();
    await device.initialSync(device.idOf('Inbox'));
    await t!.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t!.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const waiting = async (): Promise<string | undefined> =>
      /eas_waiting_requests\{command="Ping"\} (\d+)/.exec((await ops.inject({ url: '/metrics' })).body)?.[1];
    const body = Buffer.from(
      encodeWbxml(
        el(
          'Ping:Ping',
          el('Ping:HeartbeatInterval', 600),
          el(
            'Ping:Folders',
            el('Ping:Folder', el('Ping:Id', device.idOf('Inbox')), el('Ping:Class', 'Email')),
          ),
        ),
      ),
    );
    const ping = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/Microsoft-Server-ActiveSync?Cmd=Ping&User=alice&DeviceId=EDGEPING1&DeviceType=test',
      headers: {
        authorization: basicAuth('alice', 'password'),
        'content-type': 'application/vnd.ms-sync.wbxml',
        'ms-asprotocolversion': '14.1',
      },
    });
    ping.on('error', () => undefined);
    ping.end(body);
    // Read and taken in, the Ping waits (the body's end is no sign of the client leaving) ...
    await vi.waitFor(async () => expect(await waiting()).toBe('1'), { timeout: 10_000 });
    // ... until the client closes its connection.
    ping.destroy();
    await vi.waitFor(async () => expect(await waiting()).toBe('0'), { timeout: 10_000 });
  });
});
