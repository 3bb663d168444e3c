import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { openSqliteStateStore } from '../../../src/state/sqlite/index.js';
import { el, encodeWbxml } from '../../../src/wbxml/index.js';

async function cli(args: string[], stdin: Buffer | string = '') {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
}

describe('eas-gateway wbxml', () => {
  const tree = el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0'));

  it('decodes a file to XML and encodes XML from stdin back to the same bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-cli-'));
    const file = join(dir, 'req.wbxml');
    writeFileSync(file, encodeWbxml(tree));
    const decoded = await cli(['wbxml', 'decode', file]);
    expect(decoded.code).toBe(0);
    expect(decoded.stdout.toString()).toContain('<FolderSync xmlns="FolderHierarchy:">');
    const encoded = await cli(['wbxml', 'encode', '-'], decoded.stdout);
    expect(encoded.code).toBe(0);
    expect([...encoded.stdout]).toEqual([...encodeWbxml(tree)]);
  });

  it('says what is wrong with bad input, without a stack trace', async () => {
    const bad = await cli(['wbxml', 'decode', '-'], Buffer.from([3, 1, 0x6a, 0, 0x7f]));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^eas-gateway: unknown tag 0x3f on code page 0 at offset 4\n$/);
    expect((await cli(['wbxml', 'decode', '/no/such/file'])).stderr).toMatch(/ENOENT/);
    expect((await cli(['wbxml', 'shout', '-'])).code).toBe(2);
    expect((await cli(['teleport'])).code).toBe(2);
  });
});

describe('eas-gateway devices', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('lists, wipes, resyncs and removes devices in the configured state store', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'eas-cli-')), 'state.sqlite');
    const store = await openSqliteStateStore(path);
    const device = { user: 'alice@example.test', deviceId: 'PHONE1' };
    await store.touchDevice(device, { deviceType: 'iPhone', userAgent: undefined, protocolVersion: '16.1' });
    await store.commitSyncState(device, 'hierarchy', null, { syncKey: 'k1', snapshot: {} });
    await store.close();
    process.env.EAS_STATE_PATH = path;

    const list = await cli(['devices', 'list', '--user', 'alice']);
    expect(list.stdout.toString()).toMatch(/alice@example\.test\s+PHONE1\s+iPhone\s+16\.1\s+no\s+none/);
    expect((await cli(['devices', 'wipe', 'EXAMPLE\\alice', 'PHONE1', '--account-only'])).code).toBe(0);
    expect((await cli(['devices', 'resync', 'alice', 'PHONE1'])).code).toBe(0);
    const check = await openSqliteStateStore(path);
    expect((await check.getDevice(device))?.wipe).toBe('account-only-requested');
    expect(await check.loadSyncState(device, 'hierarchy', 'k1')).toBeUndefined();
    await check.close();
    expect((await cli(['devices', 'remove', 'alice', 'PHONE1'])).code).toBe(0);
    expect((await cli(['devices', 'list'])).stdout.toString()).not.toContain('PHONE1');
    expect((await cli(['devices', 'wipe', 'alice', 'NOPE'])).code).toBe(1);
  });

  it('lists every configuration problem', async () => {
    process.env.EAS_PORT = 'eighty';
    const res = await cli(['devices', 'list']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/invalid configuration:\n {2}- EAS_PORT must be an integer/);
  });
});

describe('eas-gateway config check', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prints every effective value with its source, secrets masked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-cli-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ imap: { port: 993, tls: 'implicit' }, gal: { password: 'gal-s3cret' } }),
    );
    Object.assign(process.env, {
      EAS_CONFIG: file,
      EAS_IMAP_HOST: 'mail.example.com',
      EAS_GAL_URL: 'https://dav.example.com/directory/gal/',
      EAS_STATE_URL: 'postgres://eas:db-s3cret@db.example.com/eas?sslpassword=x',
      EAS_DAV_URL: 'https://dav:dav-s3cret@dav.example.com/',
      EAS_IMAP_PROT: '993',
    });
    const res = await cli(['config', 'check']);
    expect(res.code).toBe(0);
    const out = res.stdout.toString();
    expect(out).not.toMatch(/s3cret|sslpassword/);
    expect(out).toContain(`file: ${file}`);
    expect(out).toMatch(/^imap\.host += "mail\.example\.com" +# env +EAS_IMAP_HOST$/m);
    expect(out).toMatch(/^imap\.port += 993 +# file +EAS_IMAP_PORT$/m);
    expect(out).toMatch(/^smtp\.port += 587 +# default +EAS_SMTP_PORT$/m);
    expect(out).toMatch(/^gal\.password += \*\*\* +# file +EAS_GAL_PASSWORD$/m);
    expect(out).toMatch(/^state\.url += postgres:\/\/\*\*\*@db\.example\.com\/eas\?\*\*\* +# env/m);
    expect(out).toMatch(/^davUrl += "https:\/\/dav:\*\*\*@dav\.example\.com\/"/m);
    expect(out).toMatch(/^users += \{\} +# default +\(file only\)$/m);
    expect(out).toContain('# EAS_IMAP_PROT is not a setting (ignored)');

    const json = JSON.parse((await cli(['config', 'check', '--json'])).stdout.toString()) as {
      settings: { path: string; value: unknown; source: string }[];
    };
    expect(JSON.stringify(json)).not.toMatch(/s3cret/);
    expect(json.settings.find((s) => s.path === 'gal.password')).toMatchObject({
      value: '***',
      source: 'file',
    });
  });

  it('lists every problem and exits non-zero; a wrong call is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eas-cli-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ imap: { tls: 'false' }, limits: { devicesPerUser: -1 }, gal: { pasword: 'x' } }),
    );
    Object.assign(process.env, { EAS_CONFIG: file, EAS_PORT: 'eighty', EAS_GAL_PASSWORD: 'gal-s3cret' });
    const res = await cli(['config', 'check']);
    expect(res.code).toBe(1);
    expect(res.stdout.toString()).toBe('');
    expect(res.stderr.split('\n').filter((l) => l.startsWith('  - '))).toEqual([
      `  - unknown setting gal.pasword in ${file}`,
      '  - EAS_PORT must be an integer from 0 to 65535, got "eighty"',
      `  - imap.tls in ${file} must be one of implicit, starttls, none, got "false"`,
      `  - limits.devicesPerUser in ${file} must be an integer ≥ 1, got -1`,
      '  - EAS_GAL_PASSWORD is set but gal is off: set EAS_GAL_URL (gal.url) too, or leave it out',
    ]);
    expect(res.stderr).not.toContain('s3cret');
    expect((await cli(['config'])).code).toBe(2);
    expect((await cli(['config', 'check', '--yaml'])).code).toBe(2);
  });
});
