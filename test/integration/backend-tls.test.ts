import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { BackendTlsError } from '../../src/backends/tls.js';
import type { Backends, Credentials } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, loadConfig, type GatewayConfig } from '../../src/config.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { basicAuth } from '../support/eas-client.js';
import { imapAs, message, waitForSubject } from '../support/mail-sync.js';
import { itWith } from '../support/backend-matrix.js';
import { testEnv } from '../support/test-env.js';

// Every backend over real TLS: the TLS twins of Dovecot (STARTTLS and implicit TLS) and Radicale
// (https), with certificates from the test env's own CA; and the plain Dovecot ports, which offer no
// STARTTLS, as the server an attacker would present after stripping it. (Dovecot counts loopback
// as secured and would take a plaintext login even on its TLS twin: imapflow's log says TLS ran.)

const env = testEnv();
const alice: Credentials = { user: 'alice', password: 'password' };
const bob: Credentials = { user: 'bob', password: 'password' };
const tag = randomBytes(4).toString('hex');

/** The gateway's configuration from its environment variables, as an operator writes them. */
function configFrom(vars: Record<string, string>): GatewayConfig {
  return loadConfig({
    EAS_IMAP_PORT: String(env.imapTlsPort),
    EAS_SMTP_PORT: String(env.submissionTlsPort),
    EAS_SIEVE_HOST: env.host,
    EAS_SIEVE_PORT: String(env.sieveTlsPort),
    EAS_DAV_URL: `https://${env.host}:${env.davsPort}/`,
    EAS_GAL_URL: `https://${env.host}:${env.davsPort}/directory/gal/`,
    EAS_GAL_USER: 'directory',
    EAS_GAL_PASSWORD: 'password',
    EAS_STATE_DRIVER: 'memory',
    ...vars,
  });
}

const withCa = { EAS_BACKEND_CA_FILE: env.caFile };
const backendsOf = (vars: Record<string, string>, logger?: Logger): Backends =>
  createBackends(configFrom(vars), logger);

/** A logger keeping what imapflow says, and whether it said that TLS was set up and verified. */
function tlsLog(): { logger: Logger; said: (msg: string) => boolean } {
  const entries: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, said: (msg) => entries.some((e) => e.msg === msg && e.authorized !== false) };
}

async function tlsFailure(work: Promise<unknown>): Promise<BackendTlsError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendTlsError);
  return error as BackendTlsError;
}

describe('IMAP over TLS', () => {
  it('logs in over STARTTLS (the default) and over implicit TLS (port 993 or EAS_IMAP_TLS=implicit)', async () => {
    const starttls = tlsLog();
    await backendsOf(withCa, starttls.logger).verifyLogin(alice);
    expect(starttls.said('Established TLS session')).toBe(true);
    const implicit = tlsLog();
    await backendsOf(
      { ...withCa, EAS_IMAP_PORT: String(env.imapsPort), EAS_IMAP_TLS: 'implicit' },
      implicit.logger,
    ).verifyLogin(alice);
    expect(implicit.said('Established secure TCP connection')).toBe(true);
    // The old boolean setting: true is implicit TLS.
    await backendsOf({ ...withCa, EAS_IMAP_PORT: String(env.imapsPort), EAS_IMAP_TLS: 'true' }).verifyLogin(
      alice,
    );
  });

  it('refuses a certificate it cannot verify, with a typed error naming it', async () => {
    const starttls = await tlsFailure(backendsOf({}).verifyLogin(alice));
    expect(starttls.kind).toBe('temporary');
    expect(starttls.message).toMatch(/TLS required: .*certificate/i);
    const implicit = await tlsFailure(
      backendsOf({ EAS_IMAP_PORT: String(env.imapsPort), EAS_IMAP_TLS: 'implicit' }).verifyLogin(alice),
    );
    expect(implicit.message).toMatch(/certificate/i);
  });

  it('takes any certificate when verification is off (EAS_IMAP_TLS_VERIFY=false)', async () => {
    await backendsOf({ EAS_IMAP_TLS_VERIFY: 'false' }).verifyLogin(alice);
    await backendsOf({
      EAS_IMAP_PORT: String(env.imapsPort),
      EAS_IMAP_TLS: 'implicit',
      EAS_IMAP_TLS_VERIFY: 'false',
    }).verifyLogin(alice);
  });

  it('refuses a server that offers no STARTTLS instead of logging in in plaintext', async () => {
    const error = await tlsFailure(
      backendsOf({ ...withCa, EAS_IMAP_PORT: String(env.imapPort) }).verifyLogin(alice),
    );
    expect(error.message).toMatch(/TLS required: Server does not support STARTTLS/);
    // Plaintext only when asked for (loopback here).
    await backendsOf({ EAS_IMAP_PORT: String(env.imapPort), EAS_IMAP_TLS: 'none' }).verifyLogin(alice);
  });

  it('answers a phone 503 with Retry-After, not 500, when the certificate does not verify', async () => {
    const config = { ...configFrom({}), davUrl: undefined, gal: undefined, sieve: undefined };
    const state = await openStateStore(config);
    const backends = createBackends(config);
    const logs: Record<string, unknown>[] = [];
    const loggerInstance = pino(
      { level: 'info' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const { fastify } = await buildApp({ config, backends, state, server: { loggerInstance } });
    try {
      const res = await fastify.inject({
        method: 'OPTIONS',
        url: '/Microsoft-Server-ActiveSync',
        headers: { authorization: basicAuth('alice', 'password') },
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBeDefined();
      // The operator reads why in the request's log line.
      expect(JSON.stringify(logs)).toMatch(
        /mail server unavailable: IMAP login of alice: TLS required: [^"]*certificate/,
      );
    } finally {
      await fastify.close();
      await backends.close();
      await state.close();
    }
  });
});

describe('submission over TLS', () => {
  let inbox: ImapFlow;
  beforeAll(async () => {
    inbox = await imapAs('bob');
  });
  afterAll(async () => {
    await inbox?.logout();
  });

  const send = (vars: Record<string, string>, subject: string): Promise<void> =>
    backendsOf(vars)
      .forUser(bob)
      .submitter!.submit(message(subject, { from: 'bob@example.test' }), {
        from: 'bob@example.test',
        to: ['bob@example.test'],
      });

  // The mail is looked for in bob's INBOX on the selected IMAP server: only Dovecot's is delivered to.
  itWith(
    ['smtpDelivery'],
    'sends with STARTTLS required (587 style) and with implicit TLS (465 style)',
    async () => {
      const subjects = [`tls-starttls-${tag}`, `tls-implicit-${tag}`];
      await send(withCa, subjects[0]!);
      await send(
        { ...withCa, EAS_SMTP_PORT: String(env.submissionsPort), EAS_SMTP_TLS: 'implicit' },
        subjects[1]!,
      );
      for (const subject of subjects) {
        const uids = await waitForSubject(inbox, 'INBOX', subject);
        expect(uids).toHaveLength(1);
        // Bob's INBOX belongs to the send tests: leave it as it was.
        const lock = await inbox.getMailboxLock('INBOX');
        try {
          await inbox.messageDelete(uids, { uid: true });
        } finally {
          lock.release();
        }
      }
    },
  );

  it('refuses an unverified certificate and a server without STARTTLS', async () => {
    const unverified = await tlsFailure(send({}, `tls-never-${tag}`));
    expect(unverified.message).toMatch(/certificate/i);
    const stripped = await tlsFailure(
      send({ ...withCa, EAS_SMTP_PORT: String(env.submissionPort) }, `tls-never-${tag}`),
    );
    expect(stripped.message).toMatch(/STARTTLS/);
  });
});

describe('ManageSieve over STARTTLS', () => {
  const oofOf = (vars: Record<string, string>) => backendsOf(vars).forUser(alice).oof!.getOof();

  it('reads the out-of-office state over STARTTLS with the CA, or with verification off', async () => {
    expect(await oofOf(withCa)).toHaveProperty('state');
    expect(await oofOf({ EAS_SIEVE_TLS_VERIFY: 'false' })).toHaveProperty('state');
  });

  it('refuses an unverified certificate and a server without STARTTLS', async () => {
    expect((await tlsFailure(oofOf({}))).message).toMatch(/certificate/i);
    expect((await tlsFailure(oofOf({ ...withCa, EAS_SIEVE_PORT: String(env.sievePort) }))).message).toMatch(
      /offers no STARTTLS/,
    );
  });
});

describe('CalDAV/CardDAV over https', () => {
  const calendarsOf = (vars: Record<string, string>) =>
    backendsOf(vars).forUser(alice).calendars!.listCollections();

  it('lists calendars and searches the GAL with the CA, or with verification off', async () => {
    expect((await calendarsOf(withCa)).length).toBeGreaterThan(0);
    expect((await calendarsOf({ EAS_DAV_TLS_VERIFY: 'false' })).length).toBeGreaterThan(0);
    const gal = backendsOf(withCa).forUser(alice).directory!;
    expect((await gal.search('a', 5)).total).toBeGreaterThan(0);
  });

  it('refuses a certificate it cannot verify', async () => {
    expect((await tlsFailure(calendarsOf({}))).message).toMatch(/certificate/i);
  });
});

describe('configuration', () => {
  it('requires TLS by default: STARTTLS, implicit on 993 and 465, verification on', () => {
    const c = loadConfig({ EAS_SIEVE_HOST: 'mail.example.com' });
    expect([c.imap.tls, c.smtp.tls, c.sieve?.tls]).toEqual(['starttls', 'starttls', 'starttls']);
    expect([c.imap.tlsVerify, c.smtp.tlsVerify, c.sieve?.tlsVerify, c.davTlsVerify]).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const ports = loadConfig({ EAS_IMAP_PORT: '993', EAS_SMTP_PORT: '465' });
    expect([ports.imap.tls, ports.smtp.tls]).toEqual(['implicit', 'implicit']);
    expect(DEFAULT_CONFIG.allowPlaintextBackends).toBe(false);
  });

  it('refuses plaintext to a host that is not loopback unless EAS_ALLOW_PLAINTEXT_BACKENDS=true', () => {
    const plain = {
      EAS_IMAP_HOST: 'mail.example.com',
      EAS_IMAP_TLS: 'none',
      EAS_SMTP_HOST: '192.0.2.7',
      EAS_SMTP_TLS: 'none',
      EAS_SIEVE_HOST: 'mail.example.com',
      EAS_SIEVE_TLS: 'none',
      EAS_DAV_URL: 'http://dav.example.com/',
      EAS_GAL_URL: 'http://dav.example.com/gal/',
    };
    expect(() => loadConfig(plain)).toThrow(
      /EAS_IMAP_TLS=none \(imap\.tls\) would send passwords in clear to mail\.example\.com[^]*EAS_SMTP_TLS=none[^]*192\.0\.2\.7[^]*EAS_SIEVE_TLS=none[^]*EAS_DAV_URL=http:[^]*EAS_GAL_URL=http:/,
    );
    expect(loadConfig({ ...plain, EAS_ALLOW_PLAINTEXT_BACKENDS: 'true' }).imap.tls).toBe('none');
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(loadConfig({ EAS_IMAP_HOST: host, EAS_IMAP_TLS: 'none' }).imap.tls).toBe('none');
  });

  it('checks the TLS modes and the CA file', () => {
    expect(() => loadConfig({ EAS_IMAP_TLS: 'ssl', EAS_SIEVE_TLS: 'implicit' })).toThrow(
      /EAS_IMAP_TLS must be one of implicit, starttls, none, got "ssl"[^]*EAS_SIEVE_TLS must be one of starttls, none/,
    );
    expect(() => loadConfig({ EAS_BACKEND_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /EAS_BACKEND_CA_FILE \(backendCaFile\) \/nonexistent\/ca\.pem: ENOENT/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'eas-tls-'));
    expect(() => loadConfig({ EAS_BACKEND_CA_FILE: dir })).toThrow(/EAS_BACKEND_CA_FILE/);
    // The file's values are checked the same way; the environment wins.
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ imap: { port: 993, tls: 'starttls' }, smtp: { tls: true } }));
    const fromFile = loadConfig({ EAS_CONFIG: file });
    expect([fromFile.imap.tls, fromFile.smtp.tls]).toEqual(['starttls', 'implicit']);
    expect(loadConfig({ EAS_CONFIG: file, EAS_IMAP_TLS: 'implicit' }).imap.tls).toBe('implicit');
    writeFileSync(file, JSON.stringify({ imap: { tls: 5 } }));
    expect(() => loadConfig({ EAS_CONFIG: file })).toThrow(
      /imap\.tls in .*config\.json must be one of implicit, starttls, none, got 5/,
    );
    expect(loadConfig({ EAS_BACKEND_CA_FILE: env.caFile }).backendCaFile).toBe(env.caFile);
  });
});
