import { describe, expect, it } from 'vitest';
import { selection, selectionName } from '../../support/backend-matrix.js';
import type { TestEnv } from '../../support/test-env.js';

// The one place that reads EAS_TEST_BACKENDS: a typo must fail loudly, not run Dovecot again.

const env: TestEnv = {
  host: '127.0.0.1',
  imapPort: 1143,
  submissionPort: 1587,
  sievePort: 14190,
  davPort: 5232,
  pgPort: 15432,
  password: 'password',
  courierPort: 1144,
  cyrusPort: 1145,
  cyrusDavPort: 5233,
  xandikosPort: 5234,
  imapTlsPort: 1146,
  imapsPort: 1993,
  submissionTlsPort: 1588,
  submissionsPort: 1465,
  sieveTlsPort: 14191,
  davsPort: 5235,
  caFile: '/nonexistent/ca.pem',
};

describe('backend matrix selection', () => {
  it('defaults to Dovecot and Radicale and refuses an unknown name', () => {
    expect(selectionName(undefined)).toBe('dovecot-radicale');
    expect(selectionName('')).toBe('dovecot-radicale');
    expect(() => selectionName('courier')).toThrow(
      /expected one of dovecot-radicale, cyrus, courier-xandikos/,
    );
  });

  it('points the gateway at the selected servers, without what they lack', () => {
    const cyrus = selection('cyrus', env).gatewayBackends();
    expect(cyrus.imap.port).toBe(1145);
    expect(cyrus.davUrl).toBe('http://127.0.0.1:5233/dav/');
    expect(cyrus.smtp.port).toBe(1587);
    expect(cyrus.gal).toBeUndefined();
    expect(cyrus.sieve).toBeUndefined();
    const dovecot = selection('dovecot-radicale', env).gatewayBackends();
    expect(dovecot.gal?.url).toBe('http://127.0.0.1:5232/directory/gal/');
    expect(dovecot.sieve).toEqual({ host: '127.0.0.1', port: 14190, tls: 'none', tlsVerify: true });
  });

  it('names seeded folders and DAV homes as each server does', () => {
    const courier = selection('courier-xandikos', env);
    expect(courier.folder('Projects/Alpha')).toBe('INBOX.Projects.Alpha');
    expect(courier.folder('INBOX')).toBe('INBOX');
    expect(courier.home('bob', 'addressbooks')).toBe('http://127.0.0.1:5234/alice/contacts/');
    expect(courier.has.condstore).toBe(false);
    expect(selection('cyrus', env).home('bob', 'calendars')).toBe(
      'http://127.0.0.1:5233/dav/calendars/user/bob/',
    );
  });
});
