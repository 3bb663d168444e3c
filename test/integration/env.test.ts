// Proves that the loopback test servers of test/env work: Dovecot (IMAP, Submission, ManageSieve),
// Postfix (delivery to Dovecot LMTP), Radicale (CalDAV/CardDAV), PostgreSQL, and the TLS twins.
// Needs `test/env/start` and `test/env/seed` to have run. Raw protocols over node:net, DAV over fetch.
import { describe, it, expect, beforeAll } from 'vitest';
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runDir =
  process.env.EAS_TEST_RUN_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../env/run');
const readJson = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, file), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};
const recorded = readJson('env.json') ?? {};
const port = (envName: string, key: string, dflt: number): number =>
  Number(process.env[envName] ?? recorded[key] ?? dflt);
const HOST = '127.0.0.1';
const PORTS = {
  imap: port('EAS_TEST_IMAP_PORT', 'imapPort', 1143),
  submission: port('EAS_TEST_SUBMISSION_PORT', 'submissionPort', 1587),
  smtp: port('EAS_TEST_SMTP_PORT', 'smtpPort', 1025),
  lmtp: port('EAS_TEST_LMTP_PORT', 'lmtpPort', 1024),
  sieve: port('EAS_TEST_SIEVE_PORT', 'sievePort', 14190),
  dav: port('EAS_TEST_DAV_PORT', 'davPort', 5232),
  pg: port('EAS_TEST_PG_PORT', 'pgPort', 15432),
};
const PASSWORD = 'password';
const DAV = `http://${HOST}:${PORTS.dav}`;

interface SeedSummary {
  mail: { alice: Record<string, number>; bob: Record<string, number> };
  dav: { alice: Record<string, number>; directory: Record<string, number> };
}

// ---------------------------------------------------------------- tiny line-protocol client
class LineConn {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private closed = false;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    sock.on('error', () => {});
  }
  static open(p: number): Promise<LineConn> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(p, HOST, () => resolve(new LineConn(sock)));
      sock.once('error', reject);
      sock.setTimeout(15_000, () => sock.destroy(new Error(`timeout on port ${p}`)));
    });
  }
  write(s: string): void {
    this.sock.write(s);
  }
  /** Reads until `done(text)` says the accumulated text is a complete response; returns it. */
  read(done: (text: string) => number): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const text = this.buf.toString('utf8');
        const end = done(text);
        if (end >= 0) {
          this.waiter = undefined;
          this.buf = this.buf.subarray(Buffer.byteLength(text.slice(0, end)));
          resolve(text.slice(0, end));
        } else if (this.closed) {
          this.waiter = undefined;
          reject(new Error(`connection closed; got: ${text.slice(0, 300)}`));
        }
      };
      this.waiter = check;
      check();
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/** End index of the first line in `text` that matches `re` (anchored at a line start), or -1. */
const endOfLine = (text: string, re: RegExp): number => {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\r\n', start);
    if (nl < 0) return -1;
    if (re.test(text.slice(start, nl))) return nl + 2;
    start = nl + 2;
  }
};

class Imap {
  private tag = 0;
  private constructor(private readonly c: LineConn) {}
  static async connect(): Promise<Imap> {
    const c = await LineConn.open(PORTS.imap);
    await c.read((t) => endOfLine(t, /^\* (OK|PREAUTH)/));
    return new Imap(c);
  }
  /** Runs a command (no literals); resolves with all response lines, tagged status included. */
  async cmd(command: string): Promise<{ ok: boolean; lines: string[] }> {
    const tag = `T${++this.tag}`;
    this.c.write(`${tag} ${command}\r\n`);
    const text = await this.c.read((t) => endOfLine(t, new RegExp(`^${tag} (OK|NO|BAD)`)));
    const lines = text.split('\r\n').filter(Boolean);
    return { ok: lines[lines.length - 1]!.startsWith(`${tag} OK`), lines };
  }
  async login(user: string, password: string): Promise<boolean> {
    return (await this.cmd(`LOGIN "${user}" "${password}"`)).ok;
  }
  async close(): Promise<void> {
    await this.cmd('LOGOUT').catch(() => undefined);
    this.c.close();
  }
}

async function imapAs<T>(user: string, fn: (c: Imap) => Promise<T>): Promise<T> {
  const c = await Imap.connect();
  try {
    expect(await c.login(user, PASSWORD)).toBe(true);
    return await fn(c);
  } finally {
    await c.close();
  }
}

const statusMessages = async (c: Imap, mailbox: string): Promise<number> => {
  const r = await c.cmd(`STATUS "${mailbox}" (MESSAGES)`);
  const m = /MESSAGES (\d+)/.exec(r.lines.join('\n'));
  if (!r.ok || !m) throw new Error(`STATUS ${mailbox}: ${r.lines.join(' | ')}`);
  return Number(m[1]);
};
const searchCount = (lines: string[]): number =>
  (lines.find((l) => l.startsWith('* SEARCH')) ?? '* SEARCH').split(' ').slice(2).filter(Boolean).length;

const b64 = (s: string): string => Buffer.from(s).toString('base64');

// ---------------------------------------------------------------- tests
describe('test environment (test/env)', () => {
  let seed: SeedSummary | undefined;

  beforeAll(async () => {
    const closed: string[] = [];
    await Promise.all(
      Object.entries(PORTS).map(
        ([name, p]) =>
          new Promise<void>((resolve) => {
            const s = net.connect(p, HOST);
            s.once('connect', () => {
              s.destroy();
              resolve();
            });
            s.once('error', () => {
              closed.push(`${name} ${HOST}:${p}`);
              resolve();
            });
          }),
      ),
    );
    if (closed.length) {
      throw new Error(
        `test servers are not running (nothing answers on ${closed.join(', ')}): run test/env/start, then test/env/seed`,
      );
    }
    seed = readJson('seed.json') as SeedSummary | undefined;
  });

  describe('Dovecot IMAP', () => {
    it('accepts alice and alice@example.test, rejects a wrong password', async () => {
      for (const user of ['alice', 'alice@example.test']) {
        const c = await Imap.connect();
        expect(await c.login(user, PASSWORD), user).toBe(true);
        await c.close();
      }
      const c = await Imap.connect();
      expect(await c.login('alice', 'wrong-password')).toBe(false);
      await c.close();
    });

    it('announces CONDSTORE and QRESYNC', async () => {
      await imapAs('alice', async (c) => {
        const caps = (await c.cmd('CAPABILITY')).lines.find((l) => l.startsWith('* CAPABILITY')) ?? '';
        expect(caps).toMatch(/\bCONDSTORE\b/);
        expect(caps).toMatch(/\bQRESYNC\b/);
      });
    });

    it('has the SPECIAL-USE folders', async () => {
      await imapAs('alice', async (c) => {
        const r = await c.cmd('LIST "" "*" RETURN (SPECIAL-USE SUBSCRIBED)');
        expect(r.ok).toBe(true);
        const byUse = (use: string): string | undefined =>
          r.lines.find((l) => l.startsWith('* LIST') && l.includes(use) && l.includes('\\Subscribed'));
        expect(byUse('\\Drafts')).toMatch(/ Drafts$/);
        expect(byUse('\\Sent')).toMatch(/ Sent$/);
        expect(byUse('\\Trash')).toMatch(/ Trash$/);
        expect(byUse('\\Junk')).toMatch(/ Junk$/);
        expect(byUse('\\Archive')).toMatch(/ Archive$/);
      });
    });

    it('holds the seeded messages', async () => {
      expect(seed, 'run/seed.json missing: run test/env/seed').toBeDefined();
      await imapAs('alice', async (c) => {
        for (const [folder, count] of Object.entries(seed!.mail.alice)) {
          expect(await statusMessages(c, folder), folder).toBeGreaterThanOrEqual(count);
        }
        expect((await c.cmd('EXAMINE INBOX (CONDSTORE)')).ok).toBe(true);
        const seeded = await c.cmd('SEARCH HEADER X-Seed-Id "alice-inbox-"');
        expect(searchCount(seeded.lines)).toBe(300);
        const all = await c.cmd('SEARCH HEADER X-Seed-Id ""');
        expect(searchCount(all.lines)).toBe(seed!.mail.alice.INBOX);
        const modseq = await c.cmd('FETCH 1 (MODSEQ)');
        expect(modseq.lines.join('\n')).toMatch(/MODSEQ \(\d+\)/);
      });
    });
  });

  describe('mail delivery', () => {
    it('delivers a submission (AUTH PLAIN as alice, port 1587) to bob’s INBOX', async () => {
      const token = `env-test-${process.pid}-${Date.now()}`;
      const reply = (c: LineConn): Promise<string> => c.read((t) => endOfLine(t, /^\d{3} /));
      const smtp = await LineConn.open(PORTS.submission);
      try {
        expect(await reply(smtp)).toMatch(/^220 /);
        smtp.write('EHLO env-test.example.test\r\n');
        expect(await reply(smtp)).toMatch(/AUTH[ =].*PLAIN/);
        smtp.write(`AUTH PLAIN ${b64(`\0alice\0${PASSWORD}`)}\r\n`);
        expect(await reply(smtp)).toMatch(/^235 /);
        smtp.write('MAIL FROM:<alice@example.test>\r\n');
        expect(await reply(smtp)).toMatch(/^250 /);
        // Nothing may leave the machine.
        smtp.write('RCPT TO:<someone@elsewhere.test>\r\n');
        expect(await reply(smtp)).toMatch(/^5\d\d /);
        smtp.write('RCPT TO:<bob@example.test>\r\n');
        expect(await reply(smtp)).toMatch(/^250 /);
        smtp.write('DATA\r\n');
        expect(await reply(smtp)).toMatch(/^354 /);
        smtp.write(
          [
            'From: Alice <alice@example.test>',
            'To: Bob <bob@example.test>',
            `Subject: ${token}`,
            `Message-ID: <${token}@example.test>`,
            `Date: ${new Date().toUTCString()}`,
            '',
            'Hello Bob.',
            '.',
            '',
          ].join('\r\n'),
        );
        expect(await reply(smtp)).toMatch(/^250 /);
        smtp.write('QUIT\r\n');
      } finally {
        smtp.close();
      }

      await imapAs('bob', async (c) => {
        const deadline = Date.now() + 10_000;
        for (;;) {
          await statusMessages(c, 'INBOX');
          await c.cmd('EXAMINE INBOX');
          if (searchCount((await c.cmd(`SEARCH HEADER Subject "${token}"`)).lines) === 1) break;
          if (Date.now() > deadline)
            throw new Error(`message ${token} did not arrive in bob's INBOX within 10 s`);
          await new Promise((r) => setTimeout(r, 100));
        }
      });
    });
  });

  describe('Dovecot ManageSieve', () => {
    it('logs in with AUTHENTICATE "PLAIN" and lists the scripts', async () => {
      const c = await LineConn.open(PORTS.sieve);
      const reply = (): Promise<string> => c.read((t) => endOfLine(t, /^(OK|NO|BYE)\b/));
      try {
        expect(await reply()).toMatch(/"SIEVE" "[^"]*fileinto/i);
        c.write(`AUTHENTICATE "PLAIN" "${b64(`\0alice\0${PASSWORD}`)}"\r\n`);
        expect(await reply()).toMatch(/^OK/m);
        c.write('LISTSCRIPTS\r\n');
        const list = await reply();
        expect(list).toMatch(/^OK/m);
        expect(list).toMatch(/^"filters" ACTIVE$/m);
        expect(list).toMatch(/^"vacation"$/m);
        c.write('LOGOUT\r\n');
      } finally {
        c.close();
      }
    });
  });

  describe('TLS twins (run/tls/ca.crt)', () => {
    const ca = typeof recorded.caFile === 'string' ? fs.readFileSync(recorded.caFile) : undefined;
    const greeting = (p: number, secure: boolean): Promise<string> =>
      new Promise((resolve, reject) => {
        const sock = secure ? tls.connect({ host: HOST, port: p, ca }) : net.connect(p, HOST);
        sock.once('data', (d: Buffer) => {
          sock.destroy();
          resolve(d.toString('utf8'));
        });
        sock.once('error', reject);
      });

    it('verifies IMAPS and submissions against the env CA', async () => {
      expect(await greeting(Number(recorded.imapsPort), true)).toMatch(/^\* OK/);
      expect(await greeting(Number(recorded.submissionsPort), true)).toMatch(/^220 /);
    });

    it('offers STARTTLS on the TLS twins and not on the plain ports (where clients must refuse to log in)', async () => {
      // Dovecot counts loopback as secured: ssl = required does not refuse a plaintext LOGIN here.
      expect(await greeting(Number(recorded.imapTlsPort), false)).toMatch(/\bSTARTTLS\b/);
      expect(await greeting(PORTS.imap, false)).not.toMatch(/STARTTLS/);
      expect(await greeting(Number(recorded.sieveTlsPort), false)).toMatch(/^"STARTTLS"/m);
      expect(await greeting(PORTS.sieve, false)).not.toMatch(/STARTTLS/);
    });
  });

  describe('Radicale CalDAV/CardDAV', () => {
    const dav = (
      user: string,
      method: string,
      url: string,
      body?: string,
      headers: Record<string, string> = {},
    ) =>
      fetch(DAV + url, {
        method,
        body,
        headers: { Authorization: `Basic ${b64(`${user}:${PASSWORD}`)}`, ...headers },
      });

    it('lists alice’s calendars, task list and address book', async () => {
      const res = await dav(
        'alice',
        'PROPFIND',
        '/alice/',
        '<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><prop><resourcetype/><displayname/><C:supported-calendar-component-set/></prop></propfind>',
        { Depth: '1', 'Content-Type': 'application/xml' },
      );
      expect(res.status).toBe(207);
      const xml = await res.text();
      const responses = xml.split(/<(?:\w+:)?response>/).slice(1);
      const find = (href: string): string => responses.find((r) => r.includes(`>${href}<`)) ?? '';
      for (const href of ['/alice/calendar/', '/alice/work/', '/alice/tasks/']) {
        expect(find(href), href).toMatch(/<(\w+:)?calendar\s*\/>/);
      }
      expect(find('/alice/calendar/')).toMatch(/name="VEVENT"/);
      expect(find('/alice/tasks/')).toMatch(/name="VTODO"/);
      expect(find('/alice/contacts/')).toMatch(/<(\w+:)?addressbook\s*\/>/);
    });

    it('answers sync-collection with a sync-token and the seeded items', async () => {
      const res = await dav(
        'alice',
        'REPORT',
        '/alice/calendar/',
        '<?xml version="1.0"?><sync-collection xmlns="DAV:"><sync-token/><sync-level>1</sync-level><prop><getetag/></prop></sync-collection>',
        { 'Content-Type': 'application/xml' },
      );
      expect(res.status).toBe(207);
      const xml = await res.text();
      expect(xml).toMatch(/<(\w+:)?sync-token>[^<]+<\/(\w+:)?sync-token>/);
      expect(xml).toContain('/alice/calendar/weekly-standup.ics');
    });

    it('lets every user read the directory (GAL) but not another user’s data', async () => {
      const gal = await dav('bob', 'PROPFIND', '/directory/gal/', undefined, { Depth: '1' });
      expect(gal.status).toBe(207);
      const count = ((await gal.text()).match(/\.vcf</g) ?? []).length;
      if (seed) expect(count).toBe(seed.dav.directory.gal);
      const other = await dav('bob', 'PROPFIND', '/alice/calendar/', undefined, { Depth: '0' });
      expect(other.status).toBe(403);
      const wrong = await fetch(`${DAV}/alice/`, {
        method: 'PROPFIND',
        headers: { Authorization: `Basic ${b64('alice:wrong')}`, Depth: '0' },
      });
      expect(wrong.status).toBe(401);
    });
  });

  describe('PostgreSQL', () => {
    it('accepts eas/eas on the test port', () => {
      const out = execFileSync(
        'psql',
        ['-h', HOST, '-p', String(PORTS.pg), '-U', 'eas', '-d', 'eas', '-XAtc', 'select 1'],
        { env: { ...process.env, PGPASSWORD: 'eas', PGCONNECT_TIMEOUT: '5' }, encoding: 'utf8' },
      );
      expect(out.trim()).toBe('1');
    });
  });
});
