import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createImapFlow, type ImapConfig, type ImapLogger } from '../../../../src/backends/imap/config.js';

const base: ImapConfig = { host: '127.0.0.1', port: 1, secure: false };
const credentials = { user: 'u', password: 'p' };

describe('createImapFlow', () => {
  it('turns imapflow logging off without a logger (its default prints to stdout)', () => {
    expect(createImapFlow(base, credentials).options.logger).toBe(false);
  });

  it('logs through a child of the given pino logger', () => {
    const logger: ImapLogger = pino({ level: 'silent' });
    const flow = createImapFlow({ ...base, logger }, credentials);
    expect(flow.options.logger).not.toBe(logger);
    expect(flow.options.logger).toMatchObject({ bindings: expect.any(Function) });
  });

  it('applies the connect timeout and TLS options', () => {
    const flow = createImapFlow(
      { ...base, secure: true, connectTimeoutMs: 1234, tls: { rejectUnauthorized: false } },
      credentials,
    );
    expect(flow.options).toMatchObject({
      secure: true,
      connectionTimeout: 1234,
      greetingTimeout: 1234,
      tls: { rejectUnauthorized: false },
    });
  });
});
