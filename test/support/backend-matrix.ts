import { describe, it } from 'vitest';
import type { GatewayConfig } from '../../src/config.js';
import { testEnv, type TestEnv } from './test-env.js';

// The backend matrix (issue 17): which IMAP and DAV servers of test/env the integration and trace
// suites put behind the gateway, chosen by EAS_TEST_BACKENDS and read here only. Tests ask this
// module for ports, URLs, folder names and capabilities instead of assuming Dovecot and Radicale.

export const SELECTIONS = ['dovecot-radicale', 'cyrus', 'courier-xandikos'] as const;
export type SelectionName = (typeof SELECTIONS)[number];

/** What a test may rely on; a test needing one the selection lacks is skipped with the reason. */
export const CAPABILITIES = {
  /** Mail sent through the Submission port is delivered into this store (Postfix → Dovecot LMTP). */
  smtpDelivery: 'nothing delivers SMTP mail into it (tests APPEND)',
  /** ManageSieve for Oof and filters (Dovecot Pigeonhole). */
  sieve: 'no ManageSieve in the test env for it',
  /** The shared global address list (Radicale's /directory/gal/). */
  gal: 'the GAL address book exists on Radicale only',
  /** CONDSTORE/QRESYNC mod-sequences. */
  condstore: 'no CONDSTORE/QRESYNC',
  /** Tests may write messages straight into the user's Maildir (Dovecot's layout). */
  maildir: "tests can write into Dovecot's Maildirs only",
  /** Mailboxes have ids that survive a rename (RFC 8474 OBJECTID, Dovecot's X-GUID). */
  mailboxIds: 'no mailbox ids: a folder renamed elsewhere is a Delete and an Add',
  /** IDLE reports another session's APPEND within a second (else the gateway's 20 s STATUS poll finds it). */
  promptIdle: "IDLE does not report another session's APPEND promptly (Courier looks every 60 s)",
  /** erin, a mailbox without a DAV account (test/env/lib.sh DAV_USERS), exists. */
  mailOnlyUser: 'erin (mail without a DAV account) exists on Dovecot and Radicale only',
} as const;
export type Capability = keyof typeof CAPABILITIES;

export interface Selection {
  readonly name: SelectionName;
  readonly imapServer: 'dovecot' | 'cyrus' | 'courier';
  readonly davServer: 'radicale' | 'cyrus' | 'xandikos';
  readonly host: string;
  readonly imapPort: number;
  /** DAV base URL the gateway is given (with Cyrus's /dav/ path). */
  readonly davUrl: string;
  readonly has: Readonly<Record<Capability, boolean>>;
  /** The server's name of a seeded folder ('Projects/Alpha' is 'INBOX.Projects.Alpha' on Courier). */
  folder(name: string): string;
  /** Where a user's calendars (or address books) are created on this server. */
  home(user: string, kind: 'calendars' | 'addressbooks'): string;
  /** The gateway's backend settings for this selection (Submission is Dovecot's in every one). */
  gatewayBackends(): Pick<GatewayConfig, 'imap' | 'smtp' | 'davUrl' | 'gal' | 'sieve'>;
}

export function selectionName(value = process.env.EAS_TEST_BACKENDS): SelectionName {
  const name = value === undefined || value === '' ? 'dovecot-radicale' : value;
  if (!(SELECTIONS as readonly string[]).includes(name)) {
    throw new Error(`EAS_TEST_BACKENDS=${name}: expected one of ${SELECTIONS.join(', ')}`);
  }
  return name as SelectionName;
}

const ALL: Record<Capability, boolean> = {
  smtpDelivery: true,
  sieve: true,
  gal: true,
  condstore: true,
  maildir: true,
  mailOnlyUser: true,
  promptIdle: true,
  mailboxIds: true,
};

function required(env: TestEnv, key: 'courierPort' | 'cyrusPort' | 'cyrusDavPort' | 'xandikosPort'): number {
  const port = env[key];
  if (port === undefined)
    throw new Error(`test/env has no ${key}: run bash test/env/setup && bash test/env/start`);
  return port;
}

export function selection(name = selectionName(), env = testEnv()): Selection {
  const base = (port: number, path = '/') => `http://${env.host}:${port}${path}`;
  const common = {
    name,
    host: env.host,
    gatewayBackends(this: Selection) {
      return {
        // Plaintext to the plain test servers on loopback (backend-tls.test.ts covers their TLS twins).
        imap: {
          host: env.host,
          port: this.imapPort,
          tls: 'none' as const,
          tlsVerify: true,
          hideDeleted: true,
        },
        smtp: {
          host: env.host,
          port: env.submissionPort,
          tls: 'none' as const,
          tlsVerify: true,
          savesSent: false,
        },
        davUrl: this.davUrl,
        gal: this.has.gal
          ? { url: `${base(env.davPort)}directory/gal/`, user: 'directory', password: env.password }
          : undefined,
        sieve: this.has.sieve
          ? { host: env.host, port: env.sievePort, tls: 'none' as const, tlsVerify: true }
          : undefined,
      };
    },
  };
  switch (name) {
    case 'dovecot-radicale':
      return {
        ...common,
        imapServer: 'dovecot',
        davServer: 'radicale',
        imapPort: env.imapPort,
        davUrl: base(env.davPort),
        has: ALL,
        folder: (f) => f,
        home: (user) => `${base(env.davPort)}${user}/`,
      };
    case 'cyrus': {
      const dav = base(required(env, 'cyrusDavPort'), '/dav/');
      return {
        ...common,
        imapServer: 'cyrus',
        davServer: 'cyrus',
        imapPort: required(env, 'cyrusPort'),
        davUrl: dav,
        has: {
          ...ALL,
          smtpDelivery: false,
          sieve: false,
          gal: false,
          maildir: false,
          mailOnlyUser: false,
        },
        folder: (f) => f,
        home: (user, kind) => `${dav}${kind}/user/${user}/`,
      };
    }
    case 'courier-xandikos': {
      const dav = base(required(env, 'xandikosPort'));
      // One principal: every user's requests reach /alice/ (Xandikos checks no credentials).
      return {
        ...common,
        imapServer: 'courier',
        davServer: 'xandikos',
        imapPort: required(env, 'courierPort'),
        davUrl: dav,
        has: {
          ...ALL,
          smtpDelivery: false,
          sieve: false,
          gal: false,
          condstore: false,
          mailboxIds: false,
          maildir: false,
          mailOnlyUser: false,
          promptIdle: false,
        },
        folder: (f) => (f === 'INBOX' ? f : `INBOX.${f.replaceAll('/', '.')}`),
        home: (_user, kind) => `${dav}alice/${kind === 'addressbooks' ? 'contacts' : 'calendars'}/`,
      };
    }
  }
}

/** The selection of this run (EAS_TEST_BACKENDS), read once. */
let current: Selection | undefined;
export function testBackends(): Selection {
  current ??= selection();
  return current;
}

/** Capabilities of `needs` the current selection lacks, as a readable reason ('' when none). */
export function missing(...needs: Capability[]): string {
  const sel = testBackends();
  const lacking = needs.filter((c) => !sel.has[c]);
  return lacking.length === 0 ? '' : `${sel.name}: ${lacking.map((c) => CAPABILITIES[c]).join('; ')}`;
}

/**
 * `describe` that runs only when the selection has `needs`; otherwise the suite is reported as
 * skipped with the reason in its name, so a skip is never silent.
 */
export function describeWith(needs: Capability[], name: string, fn: () => void): void {
  const why = missing(...needs);
  if (why === '') describe(name, fn);
  else describe.skip(`${name} [skipped on ${why}]`, fn);
}

/** `it` likewise. */
export function itWith(
  needs: Capability[],
  name: string,
  fn: () => Promise<unknown> | void,
  timeout?: number,
): void {
  const why = missing(...needs);
  if (why === '') it(name, fn, timeout);
  else it.skip(`${name} [skipped on ${why}]`, fn, timeout);
}
