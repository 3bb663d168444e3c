import { readFileSync } from 'node:fs';

/** Where the loopback test servers listen (test/env/start records it in run/env.json). */
export interface TestEnv {
  host: string;
  imapPort: number;
  submissionPort: number;
  sievePort: number;
  davPort: number;
  pgPort: number;
  password: string;
  /** Courier-IMAP 5 (folders under "INBOX.", no CONDSTORE); absent in an env started before it. */
  courierPort?: number;
  /** Cyrus IMAP 3.6 (CONDSTORE, QRESYNC). */
  cyrusPort?: number;
  /** Cyrus httpd's CalDAV/CardDAV (under /dav/). */
  cyrusDavPort?: number;
  /** Xandikos 0.2.8 (one principal, /alice/). */
  xandikosPort?: number;
  /**
   * The TLS twins of Dovecot and Radicale (same users and data), with certificates for 127.0.0.1
   * from the env's own CA (`caFile`, PEM): STARTTLS required on the plain-protocol ports.
   */
  imapTlsPort: number;
  imapsPort: number;
  submissionTlsPort: number;
  submissionsPort: number;
  sieveTlsPort: number;
  davsPort: number;
  caFile: string;
}

export function testEnv(): TestEnv {
  const runDir = process.env.EAS_TEST_RUN_DIR ?? new URL('../env/run/', import.meta.url).pathname;
  try {
    return JSON.parse(readFileSync(`${runDir.replace(/\/?$/, '/')}env.json`, 'utf8')) as TestEnv;
  } catch {
    throw new Error(
      'test servers are not set up: run bash test/env/setup && bash test/env/start && bash test/env/seed',
    );
  }
}
