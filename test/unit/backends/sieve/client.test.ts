import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ManageSieveClient } from '../../../../src/backends/sieve/client.js';
import type { SieveConfig } from '../../../../src/backends/sieve/config.js';
import { BackendTlsError } from '../../../../src/backends/tls.js';
import { startFakeSieve, type FakeSieve, type FakeSieveOptions } from './fake-sieve-server.js';

const alice = { user: 'alice', password: 'password' };
let server: FakeSieve | undefined;

async function start(options: FakeSieveOptions = {}): Promise<SieveConfig> {
  server = await startFakeSieve(options);
  return { host: '127.0.0.1', port: server.port, timeoutMs: 1_000 };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ManageSieveClient', () => {
  it('logs in, lists, reads and writes scripts, even from a server that sends one byte at a time', async () => {
    const config = await start({
      trickle: true,
      scripts: { filters: 'keep;\r\n', 'vacation €': 'x' },
      active: 'filters',
    });
    const client = await ManageSieveClient.connect(config, alice);
    expect(client.capabilities.extensions).toEqual(
      new Set(['fileinto', 'vacation', 'date', 'relational', 'include']),
    );
    expect(await client.listScripts()).toEqual([
      { name: 'filters', active: true },
      { name: 'vacation €', active: false },
    ]);
    expect(await client.getScript('filters')).toBe('keep;\r\n');
    await client.putScript('new', 'stop;\r\n');
    expect(server?.state.scripts.get('new')).toBe('stop;\r\n');
    await client.logout();
    expect(server?.state.commands).toEqual([
      'AUTHENTICATE',
      'LISTSCRIPTS',
      'GETSCRIPT',
      'PUTSCRIPT',
      'LOGOUT',
    ]);
  });

  it('maps NO answers to typed errors and keeps the session usable', async () => {
    const config = await start({ scripts: { a: 'keep;' }, active: 'a' });
    const client = await ManageSieveClient.connect(config, alice);
    await expect(client.getScript('zz')).rejects.toMatchObject({ kind: 'not-found' });
    await expect(client.deleteScript('a')).rejects.toMatchObject({ kind: 'conflict' });
    await expect(client.putScript('b', 'INVALID')).rejects.toMatchObject({
      kind: 'permanent',
      message: 'ManageSieve PUTSCRIPT NO: line 1: bad',
    });
    expect(await client.listScripts()).toHaveLength(1);
    await client.logout();
  });

  it("reports a refused login as 'auth'", async () => {
    const config = await start({ password: 'other' });
    await expect(ManageSieveClient.connect(config, alice)).rejects.toMatchObject({ kind: 'auth' });
  });

  it('refuses to go on without STARTTLS when it is required, or without SASL PLAIN', async () => {
    const config = await start();
    const refused = ManageSieveClient.connect({ ...config, startTls: true }, alice);
    await expect(refused).rejects.toBeInstanceOf(BackendTlsError);
    await expect(refused).rejects.toMatchObject({
      kind: 'temporary',
      message: `ManageSieve 127.0.0.1:${config.port}: TLS required but the server offers no STARTTLS`,
    });
    await server?.close();
    const noPlain = await start({ sasl: 'SCRAM-SHA-256' });
    await expect(ManageSieveClient.connect(noPlain, alice)).rejects.toMatchObject({ kind: 'permanent' });
  });

  it.skipIf(!existsSync('/usr/bin/openssl'))(
    'upgrades with STARTTLS, re-reads the capabilities and verifies the certificate',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'eas-sieve-tls-'));
      try {
        await promisify(execFile)('/usr/bin/openssl', [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ]);
        const [key, cert] = await Promise.all([
          readFile(join(dir, 'key.pem'), 'utf8'),
          readFile(join(dir, 'cert.pem'), 'utf8'),
        ]);
        const config = await start({ tls: { key, cert }, scripts: { a: 'keep;' } });
        // Offered, so used; PLAIN is only offered after the upgrade, as Dovecot does.
        const client = await ManageSieveClient.connect({ ...config, tls: { ca: cert } }, alice);
        expect(client.capabilities.implementation).toBe('fake (TLS)');
        expect(await client.listScripts()).toEqual([{ name: 'a', active: false }]);
        await client.logout();
        expect(server?.state.commands).toEqual(['STARTTLS', 'AUTHENTICATE', 'LISTSCRIPTS', 'LOGOUT']);
        // An untrusted certificate stops the login before the password is sent.
        await expect(ManageSieveClient.connect(config, alice)).rejects.toMatchObject({ kind: 'temporary' });
        expect(server?.state.commands.slice(4)).toEqual(['STARTTLS']);
        await expect(ManageSieveClient.connect({ ...config, startTls: false }, alice)).rejects.toMatchObject({
          message: 'ManageSieve 127.0.0.1: SASL PLAIN not offered',
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('fails a STARTTLS whose handshake goes wrong as temporary', async () => {
    const config = await start({
      startTls: true,
      override: (command, _args, socket) => {
        if (command !== 'STARTTLS') return false;
        socket.write('OK "go"\r\n');
        setTimeout(() => socket.write('this is not TLS\r\n'), 20);
        return true;
      },
    });
    const error = await ManageSieveClient.connect(config, alice).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'temporary' });
    expect((error as Error).message).not.toContain('no answer');
  });

  it('refuses bytes that arrive together with the STARTTLS answer', async () => {
    const config = await start({
      startTls: true,
      override: (command, _args, socket) => {
        if (command !== 'STARTTLS') return false;
        socket.write('OK "go"\r\n"SASL" "PLAIN"\r\n');
        return true;
      },
    });
    await expect(ManageSieveClient.connect(config, alice)).rejects.toMatchObject({
      kind: 'temporary',
      message: `ManageSieve 127.0.0.1:${config.port}: data after the STARTTLS answer`,
    });
  });

  it.each([
    ['a BYE', 'BYE "shutting down"\r\n', 'ManageSieve LISTSCRIPTS BYE: shutting down'],
    ['a closed connection mid-literal', '{100}\r\nabc', 'ManageSieve 127.0.0.1:PORT: connection closed'],
    ['garbage', '{oops}\r\n', 'ManageSieve 127.0.0.1:PORT: unreadable response: malformed literal'],
  ])("reports %s as 'temporary'", async (_what, reply, message) => {
    const config = await start({
      override: (command, _args, socket) => {
        if (command !== 'LISTSCRIPTS') return false;
        socket.end(reply);
        return true;
      },
    });
    const client = await ManageSieveClient.connect(config, alice);
    await expect(client.listScripts()).rejects.toMatchObject({
      kind: 'temporary',
      message: message.replace('PORT', String(config.port)),
    });
    await expect(client.listScripts()).rejects.toMatchObject({ kind: 'temporary' });
    await client.logout();
  });

  it('times out a command the server does not answer', async () => {
    const config = await start({ override: (command) => command === 'LISTSCRIPTS' });
    const client = await ManageSieveClient.connect({ ...config, timeoutMs: 100 }, alice);
    await expect(client.listScripts()).rejects.toMatchObject({
      kind: 'temporary',
      message: 'ManageSieve LISTSCRIPTS: no answer in 100 ms',
    });
    await client.logout();
  });

  it('rejects with the reason of a signal that aborts mid-command', async () => {
    const config = await start({ override: (command) => command === 'GETSCRIPT' });
    const client = await ManageSieveClient.connect(config, alice);
    const controller = new AbortController();
    const reason = new Error('gone');
    const pending = client.getScript('x', controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(client.listScripts()).rejects.toBe(reason);
    await client.logout();
  });
});
