import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManageSieveClient } from '../../src/backends/sieve/client.js';
import type { SieveOofConfig } from '../../src/backends/sieve/config.js';
import { SieveOofStore } from '../../src/backends/sieve/sieve-oof-store.js';
import type { OofSettings } from '../../src/model/oof.js';
import { kindOf } from '../support/backend-errors.js';

// Dovecot Pigeonhole from test/env (`bash test/env/setup && bash test/env/start && bash test/env/seed`).
// Everything runs as bob with script names carrying a random suffix. Only one script per user can
// be active, so two runs of this file at once (Node 20 and 24) would see each other's activation:
// a lock directory serialises them, and bob's active script is restored afterwards.
const HOST = process.env.EAS_TEST_SIEVE_HOST ?? '127.0.0.1';
const PORT = Number(process.env.EAS_TEST_SIEVE_PORT ?? '14190');
const PASSWORD = process.env.EAS_TEST_PASSWORD ?? 'password';
const bob = { user: 'bob', password: PASSWORD };
const suffix = randomBytes(4).toString('hex');
const config: SieveOofConfig = {
  host: HOST,
  port: PORT,
  timeoutMs: 5_000,
  scriptName: `eas-it-oof-${suffix}`,
};
const identity = { addresses: ['bob@example.test'] };
const LOCK = join(tmpdir(), `eas-gateway-sieve-test-${HOST}-${PORT}-bob.lock`);
const SIEVE_TEST = '/usr/bin/sieve-test';

let originallyActive: string | undefined;
const scriptsToDelete: string[] = [config.scriptName ?? ''];

async function withBob<T>(use: (client: ManageSieveClient) => Promise<T>): Promise<T> {
  const client = await ManageSieveClient.connect(config, bob);
  try {
    return await use(client);
  } finally {
    await client.logout();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** mkdir is atomic; a lock left by a dead process is taken over. */
async function acquireLock(): Promise<void> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(owner) && !isAlive(owner)) await rm(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`${LOCK} is held by ${owner}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Runs Pigeonhole's own interpreter on a script: which vacation text would this sender get? */
async function vacationReplyFor(script: string, from: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'eas-sieve-test-'));
  try {
    const conf = `mail_uid = nobody\nmail_gid = nogroup\nmail_home = ${dir}\nmail_location = maildir:${dir}/Maildir\n`;
    const message = `From: ${from}\r\nTo: bob@example.test\r\nSubject: hello\r\nMessage-ID: <${suffix}@test>\r\n\r\nHi\r\n`;
    await Promise.all([
      writeFile(join(dir, 'st.conf'), conf),
      writeFile(join(dir, 'oof.sieve'), script),
      writeFile(join(dir, 'mail.eml'), message),
    ]);
    await chmod(dir, 0o777);
    const { stdout } = await promisify(execFile)(SIEVE_TEST, [
      '-c',
      join(dir, 'st.conf'),
      '-a',
      'bob@example.test',
      '-r',
      'bob@example.test',
      '-f',
      from,
      join(dir, 'oof.sieve'),
      join(dir, 'mail.eml'),
    ]);
    const m = /send vacation message:[\s\S]*?START MESSAGE\r?\n([\s\S]*?)\r?\nEND MESSAGE/.exec(stdout);
    return m?.[1];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ourScript(): Promise<string> {
  return withBob((c) => c.getScript(config.scriptName ?? ''));
}

async function activeScript(): Promise<string | undefined> {
  return withBob(async (c) => (await c.listScripts()).find((s) => s.active)?.name);
}

beforeAll(async () => {
  await acquireLock();
  originallyActive = await activeScript();
});

afterAll(async () => {
  try {
    await withBob(async (c) => {
      await c.setActive(originallyActive ?? '');
      for (const name of scriptsToDelete) await c.deleteScript(name).catch(() => undefined);
    });
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
});

describe('ManageSieveClient on Pigeonhole', () => {
  it('reads the capabilities', async () => {
    await withBob(async (c) => {
      expect(c.capabilities.implementation).toContain('Pigeonhole');
      for (const ext of ['vacation', 'date', 'relational', 'include'])
        expect(c.capabilities.extensions).toContain(ext);
      expect(c.capabilities.version).toBe('1.0');
      expect(c.capabilities.sasl).toContain('PLAIN');
    });
  });

  it('writes, reads, checks, activates and deletes scripts', async () => {
    const name = `eas-it-probe-${suffix} "quoted" \\ ü`;
    scriptsToDelete.push(name);
    // Longer than a quoted string may be, with multi-byte characters: literal lengths are octets.
    const script = `# ${'ü'.repeat(700)}\r\nrequire ["fileinto"];\r\nif header :is "X-Probe" "€" { fileinto "Archive"; }\r\n`;
    await withBob(async (c) => {
      await c.checkScript(script);
      await c.putScript(name, script);
      expect(await c.getScript(name)).toBe(script);
      expect(await c.listScripts()).toContainEqual({ name, active: false });
      const invalid = await c.checkScript('this is not sieve').catch((e: unknown) => e);
      expect(invalid).toMatchObject({ kind: 'permanent' });
      expect((invalid as Error).message).toContain('error');
      expect(await kindOf(c.putScript(name, 'keep'))).toBe('permanent');
      expect(await c.getScript(name)).toBe(script);
      expect(await kindOf(c.getScript(`missing-${suffix}`))).toBe('not-found');
      expect(await kindOf(c.setActive(`missing-${suffix}`))).toBe('not-found');
      await c.deleteScript(name);
      expect(await kindOf(c.deleteScript(name))).toBe('not-found');
    });
  });

  it("reports a wrong password as 'auth' and a closed port as 'temporary'", async () => {
    expect(await kindOf(ManageSieveClient.connect(config, { user: 'bob', password: 'wrong' }))).toBe('auth');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise((resolve) => server.close(resolve));
    const port = typeof address === 'object' && address ? address.port : 1;
    expect(await kindOf(ManageSieveClient.connect({ ...config, port }, bob))).toBe('temporary');
  });

  it("gives up on a server that never greets with 'temporary'", async () => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 1;
    try {
      const error = await ManageSieveClient.connect({ ...config, port, timeoutMs: 200 }, bob).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        kind: 'temporary',
        message: 'ManageSieve greeting: no answer in 200 ms',
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects with the reason of an aborted signal', async () => {
    const reason = new Error('client went away');
    const controller = new AbortController();
    const pending = ManageSieveClient.connect(config, bob, controller.signal);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('SieveOofStore on Pigeonhole', () => {
  const store = new SieveOofStore(config, bob, identity);
  const messages = {
    internal: { enabled: true, text: 'Back on Monday, colleagues.\nAsk "Carol" \\ the team.' },
    externalKnown: { enabled: true, text: 'Known sender text' },
    externalUnknown: { enabled: true, text: 'Ich bin nicht im Büro.' },
  };

  it('starts disabled when the gateway has no script', async () => {
    await expect(store.getOof()).resolves.toEqual({ state: 'disabled' });
  });

  it('sets a global reply with internal and external messages and reads it back exactly', async () => {
    const settings: OofSettings = { state: 'global', ...messages };
    await store.setOof(settings);
    await expect(store.getOof()).resolves.toEqual(settings);
    expect(await activeScript()).toBe(config.scriptName);
    const script = await ourScript();
    await withBob((c) => c.checkScript(script));
    if (existsSync(SIEVE_TEST)) {
      expect(await vacationReplyFor(script, 'carol@example.test')).toBe(
        messages.internal.text.replace(/\n/g, '\r\n'),
      );
      // Sieve cannot see the contacts: the unknown-sender text goes to every outsider.
      expect(await vacationReplyFor(script, 'dave@elsewhere.test')).toBe(messages.externalUnknown.text);
    }
  });

  it('sets a time-based reply and reads start and end back', async () => {
    const now = Date.now();
    const settings: OofSettings = {
      state: 'time-based',
      start: new Date(now - 3_600_000),
      end: new Date(now + 3_600_500),
      internal: { enabled: false, text: 'unused' },
      externalKnown: messages.externalKnown,
    };
    await store.setOof(settings);
    await expect(store.getOof()).resolves.toEqual(settings);
    if (existsSync(SIEVE_TEST)) {
      const script = await ourScript();
      expect(await vacationReplyFor(script, 'dave@elsewhere.test')).toBe('Known sender text');
      expect(await vacationReplyFor(script, 'carol@example.test')).toBeUndefined();
      await store.setOof({ ...settings, start: new Date(now + 3_600_000), end: new Date(now + 7_200_000) });
      expect(await vacationReplyFor(await ourScript(), 'dave@elsewhere.test')).toBeUndefined();
    }
  });

  it('disables the reply', async () => {
    await store.setOof({ state: 'disabled', ...messages });
    await expect(store.getOof()).resolves.toEqual({ state: 'disabled', ...messages });
    expect(await activeScript()).not.toBe(config.scriptName);
  });

  it("keeps the user's own active script running and gives it back when the reply ends", async () => {
    const own = `eas-it-own-${suffix}`;
    scriptsToDelete.push(own);
    await withBob(async (c) => {
      await c.putScript(
        own,
        'require ["fileinto"];\r\nif header :is "X-Own" "1" { fileinto "Archive"; }\r\n',
      );
      await c.setActive(own);
    });
    await store.setOof({ state: 'global', internal: messages.internal });
    expect(await activeScript()).toBe(config.scriptName);
    expect(await ourScript()).toContain(`include :personal :optional "${own}";`);
    // A second change while ours is active still remembers the user's script.
    await store.setOof({ state: 'global', externalUnknown: messages.externalUnknown });
    expect(await ourScript()).toContain(`include :personal :optional "${own}";`);
    await store.setOof({ state: 'disabled', externalUnknown: messages.externalUnknown });
    expect(await activeScript()).toBe(own);
    await expect(store.getOof()).resolves.toEqual({
      state: 'disabled',
      externalUnknown: messages.externalUnknown,
    });
  });

  it('reports the reply as disabled when another script was activated since', async () => {
    await store.setOof({ state: 'global', internal: messages.internal });
    await withBob((c) => c.setActive(`eas-it-own-${suffix}`));
    await expect(store.getOof()).resolves.toEqual({ state: 'disabled', internal: messages.internal });
  });

  it("reports a wrong password as 'auth'", async () => {
    const wrong = new SieveOofStore(config, { user: 'bob', password: 'wrong' }, identity);
    expect(await kindOf(wrong.getOof())).toBe('auth');
    expect(await kindOf(wrong.setOof({ state: 'disabled' }))).toBe('auth');
  });
});
