import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Backends, Credentials, UserBackends } from '../../src/backends/types.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { StateStore } from '../../src/state/types.js';
import { createBackends, openStateStore } from '../../src/wire.js';
import { testBackends } from './backend-matrix.js';

export interface RealGateway {
  app: FastifyInstance;
  state: StateStore;
  backends: Backends;
  close(): Promise<void>;
}

/**
 * The gateway over the real test servers of the backend matrix's selection (Dovecot and Radicale
 * unless EAS_TEST_BACKENDS says otherwise) with a fresh SQLite state store, not listening; `smtpPort` overrides the submission port (1 for "nothing listens");
 * `userBackends` may add to what each user's requests reach (e.g. a directory).
 */
export async function realGateway(
  options: {
    smtpPort?: number;
    /** Another IMAP server of test/env (Courier, Cyrus) instead of Dovecot. */
    imapPort?: number;
    davPollSeconds?: number;
    userBackends?: (base: UserBackends, credentials: Credentials) => UserBackends;
    /** A state store to share (e.g. one PostgreSQL schema for two instances); closed by the caller. */
    state?: StateStore;
  } = {},
): Promise<RealGateway> {
  const chosen = testBackends().gatewayBackends();
  const config: GatewayConfig = {
    ...DEFAULT_CONFIG,
    ...chosen,
    imap: { ...chosen.imap, port: options.imapPort ?? chosen.imap.port },
    smtp: { ...chosen.smtp, port: options.smtpPort ?? chosen.smtp.port },
    davPollSeconds: options.davPollSeconds ?? DEFAULT_CONFIG.davPollSeconds,
    state: { driver: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'eas-gateway-')), 'state.sqlite') },
  };
  const state = options.state ?? (await openStateStore(config));
  const created = createBackends(config);
  const extend = options.userBackends;
  const backends: Backends =
    extend === undefined
      ? created
      : { ...created, forUser: (credentials) => extend(created.forUser(credentials), credentials) };
  const { fastify: app } = await buildApp({ config, backends, state });
  await app.ready();
  return {
    app,
    state,
    backends,
    close: async () => {
      await app.close();
      await backends.close();
      if (options.state === undefined) await state.close();
    },
  };
}
