import { connect, type Socket } from 'node:net';
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

// The HTTP edge against the real Dovecot, over a real loopback socket: what an anonymous client or
// a password guesser can make the gateway do before it knows who is asking.
const FIFTY_MB = 50 * 1024 * 1024;
const MB = 1024 * 1024;

interface Gateway {
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The gateway over the real Dovecot; `logins` collects the LOGINs that reach it, `atOnce` how
 * many run at once and the most seen.
 */
async function gateway(logins: string[] = [], atOnce = { now: 0, max: 0 }): Promise<Gateway> {
  const env = testEnv();
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort, tls: 'none' },
    davUrl: undefined,
    gal: undefined,
    sieve: undefined,
    state: {
      driver: 'sqlite',
      path: join(mkdtempSync(join(tmpdir(), 'eas-edge-')), 'state.sqlite'),
    },
  };
  const state = await openStateStore(config);
  const real = createBackends(config);
  const backends: Backends = {
    ...real,
    verifyLogin: async (c, signal) => {
      logins.push(c.password);
      atOnce.now++;
      atOnce.max = Math.max(atOnce.max, atOnce.now);
      try {
        return await real.verifyLogin(c, signal);
      } finally {
        atOnce.now--;
      }
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

interface Upload {
  status: number;
  headers: string;
  body: string;
  /** Body bytes the client had written when the answer's status line arrived. */
  writtenAtAnswer: number;
  written: number;
}

/** POSTs `size` bytes of body with backpressure, reading the answer while it still writes. */
function upload(port: number, size: number, headers: Record<string, string>): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let written = 0;
    let writtenAtAnswer = -1;
    let answer = '';
    socket.on('data', (d: Buffer) => {
      if (writtenAtAnswer === -1) writtenAtAnswer = written;
      answer += d.toString('latin1');
    });
    // The gateway closes after its refusal: a write into that socket fails, which is the point.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m === null) reject(new Error(`no answer after ${written} bytes: ${JSON.stringify(answer)}`));
      else
        resolve({
          status: Number(m[1]),
          headers: answer.slice(0, answer.indexOf('\r\n\r\n')),
          body: answer.slice(answer.indexOf('\r\n\r\n') + 4),
          writtenAtAnswer,
          written,
        });
    });
    socket.on('connect', () => {
      const head = Object.entries({
        host: '127.0.0.1',
        'content-type': 'application/vnd.ms-sync.wbxml',
        'content-length': String(size),
        // The server closes after its answer, which ends the exchange here.
        connection: 'close',
        'ms-asprotocolversion': '14.1',
        ...headers,
      })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(
        `POST /Microsoft-Server-ActiveSync?Cmd=FolderSync&User=alice&DeviceId=EDGE1&DeviceType=test HTTP/1.1\r\n${head}\r\n`,
      );
      const pump = (): void => {
        while (written < size && !socket.destroyed && writtenAtAnswer === -1) {
          const part = chunk.subarray(0, Math.min(chunk.length, size - written));
          written += part.length;
          if (!socket.write(part)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}

describe('the HTTP edge', () => {
  let gw: Gateway;
  let port: number;

  beforeAll(async () => {
    gw = await gateway();
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    const address = gw.app.server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => gw?.close());

  it.each([
    ['no credentials', {}],
    ['a wrong password (checked with Dovecot)', { authorization: basicAuth('alice', 'not-the-password') }],
  ])('refuses an unauthenticated 50 MB POST with %s before reading its body', async (_what, headers) => {
    const rssBefore = process.memoryUsage().rss;
    const answer = await upload(port, FIFTY_MB, headers);
    const grew = process.memoryUsage().rss - rssBefore;
    expect(answer.status).toBe(401);
    expect(answer.headers).toMatch(/^www-authenticate: Basic/im);
    expect(answer.headers).toMatch(/^connection: close/im);
    // The answer came while the client was still writing, and the body was never taken in.
    expect(answer.writtenAtAnswer).toBeGreaterThanOrEqual(0);
    expect(answer.writtenAtAnswer).toBeLessThan(FIFTY_MB);
    expect(grew).toBeLessThan(20 * MB);
  });

  it('still takes the body of an authenticated request', async () => {
    const answer = await upload(port, 100, {
      authorization: basicAuth('alice', 'password'),
    });
    // 100 bytes of 'A' are no WBXML: the body was read and decoded, hence 400.
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('malformed WBXML');
  });

  it('answers with nosniff on the EAS listener, and HSTS only over TLS', async () => {
    const res = await gw.app.inject({
      method: 'OPTIONS',
      url: '/Microsoft-Server-ActiveSync',
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('password guessing', () => {
  let gw: Gateway;
  const logins: string[] = [];
  const loginsAtOnce = { now: 0, max: 0 };

  beforeAll(async () => {
    gw = await gateway(logins, loginsAtOnce);
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
    // However the 40 interleave: never more than the account's 3 LOGINs at once, never more than
    // the address's 10 failures; every other guess was told to wait, none reached Dovecot.
    expect(loginsAtOnce.max).toBeLessThanOrEqual(3);
    expect(logins.length).toBeLessThanOrEqual(10);
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
