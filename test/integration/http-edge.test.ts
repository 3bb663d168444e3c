import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Backends } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { basicAuth } from '../support/eas-client.js';
import { testEnv } from '../support/test-env.js';

// The HTTP edge against the real Dovecot: what a password guesser can make the gateway do before
// it knows who is asking.

interface Gateway {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The gateway over the real Dovecot; `logins` collects the LOGINs that reach it. */
async function gateway(logins: string[]): Promise<Gateway> {
  const env = testEnv();
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort },
    davUrl: undefined,
    gal: undefined,
    sieve: undefined,
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-edge-')), 'state.sqlite') },
  };
  const state = await openStateStore(config);
  const real = createBackends(config);
  const backends: Backends = {
    ...real,
    verifyLogin: async (c, signal) => {
      logins.push(c.password);
      return real.verifyLogin(c, signal);
    },
  };
  const { fastify } = await buildApp({ config, backends, state });
  await fastify.ready();
  return {
    app: fastify,
    close: async () => {
      await fastify.close();
      await real.close();
      await state.close();
    },
  };
}

describe('password guessing', () => {
  let gw: Gateway;
  const logins: string[] = [];

  beforeAll(async () => {
    gw = await gateway(logins);
  });
  afterAll(async () => gw?.close());

  const options = (password: string, remoteAddress: string, user = 'alice') =>
    gw.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
      remoteAddress,
      headers: { authorization: basicAuth(user, password) },
    });

  it('stops parallel and repeated guesses before they reach IMAP, without locking the user out', async () => {
    const attacker = '198.51.100.66';
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => options(`guess-${i}`, attacker)));
    const statuses = answers.map((a) => a.statusCode);
    // Only the attempts in flight the limiter allows reached Dovecot; the rest were told to wait.
    expect(logins.length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 401)).toHaveLength(logins.length);
    expect(statuses.filter((s) => s === 503)).toHaveLength(40 - logins.length);
    for (const a of answers.filter((x) => x.statusCode === 503)) {
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(a.headers['www-authenticate']).toBeUndefined();
    }
    // Then one after another, until the address has used its failures.
    for (let i = 0; i < 20; i++) await options(`more-${i}`, attacker);
    expect(logins.length).toBe(10);
    expect((await options('password', attacker)).statusCode).toBe(503);
    // The real user, from their own address, gets in; so does a new address.
    expect((await options('password', '192.0.2.10')).statusCode).toBe(200);
    expect((await options('password', '192.0.2.11')).statusCode).toBe(200);
  });

  it('passes the device address to Dovecot (IMAP ID x-originating-ip; loopback is a trusted network there)', async () => {
    const address = '203.0.113.77';
    // bob: a login not in the cache yet, so this one reaches Dovecot.
    expect((await options('password', address, 'bob')).statusCode).toBe(200);
    const { runDir } = testEnv() as { runDir?: string };
    const log = readFileSync(`${runDir}/log/dovecot.log`, 'utf8');
    expect(log).toMatch(
      new RegExp(`imap-login: Info: Login: user=<bob@example\\.test>.*rip=${address.replace(/\./g, '\\.')}`),
    );
  });
});
