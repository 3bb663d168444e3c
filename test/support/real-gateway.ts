import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Backends } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { StateStore } from '../../src/state/types.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { testEnv } from './test-env.js';

export interface RealGateway {
  app: FastifyInstance;
  state: StateStore;
  backends: Backends;
  close(): Promise<void>;
}

/**
 * The gateway over the real test servers (Dovecot IMAP and submission) with a fresh SQLite state
 * store, not listening; `smtpPort` overrides the submission port (1 for "nothing listens").
 */
export async function realGateway(
  options: { smtpPort?: number; davPollSeconds?: number } = {},
): Promise<RealGateway> {
  const env = testEnv();
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    imap: { ...DEFAULT_CONFIG.imap, host: env.host, port: env.imapPort },
    smtp: { ...DEFAULT_CONFIG.smtp, host: env.host, port: options.smtpPort ?? env.submissionPort },
    davUrl: `http://${env.host}:${env.davPort}/`,
    davPollSeconds: options.davPollSeconds ?? DEFAULT_CONFIG.davPollSeconds,
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-gateway-')), 'state.sqlite') },
  };
  const state = await openStateStore(config);
  const backends = createBackends(config);
  const { fastify: app } = await buildApp({ config, backends, state });
  await app.ready();
  return {
    app,
    state,
    backends,
    close: async () => {
      await app.close();
      await backends.close();
      await state.close();
    },
  };
}
