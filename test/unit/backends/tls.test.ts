import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { backendTlsOptions, isTlsFailure } from '../../../src/backends/tls.js';

describe('backend TLS helpers', () => {
  it('tells TLS failures of imapflow, nodemailer and fetch from other connection failures', () => {
    expect(
      isTlsFailure(Object.assign(new Error('Server does not support STARTTLS'), { tlsFailed: true })),
    ).toBe(true);
    expect(isTlsFailure({ code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toBe(true);
    expect(isTlsFailure({ code: 'ETLS' })).toBe(true);
    const fetchFailure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    });
    expect(isTlsFailure(fetchFailure)).toBe(true);
    expect(isTlsFailure({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toBe(true);
    expect(isTlsFailure({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' })).toBe(true);
    expect(isTlsFailure(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isTlsFailure(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))).toBe(false);
    expect(isTlsFailure('text')).toBe(false);
  });

  it("keeps Node's roots when it adds a CA file", () => {
    expect(backendTlsOptions(true, undefined)).toEqual({ rejectUnauthorized: true });
    expect(backendTlsOptions(false, undefined)).toEqual({ rejectUnauthorized: false });
    const file = join(mkdtempSync(join(tmpdir(), 'eas-ca-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nextra\n-----END CERTIFICATE-----\n');
    const { ca, rejectUnauthorized } = backendTlsOptions(true, file);
    expect(rejectUnauthorized).toBe(true);
    expect(ca).toEqual(expect.arrayContaining([...rootCertificates, expect.stringContaining('extra')]));
  });
});
