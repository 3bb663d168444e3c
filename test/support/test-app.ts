import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { DEFAULT_CONFIG, type GatewayConfig } from '../../src/config.js';
import type { Backends } from '../../src/backends/types.js';
import type { StateStore } from '../../src/state/types.js';
import { openStateStore } from '../../src/wire.js';

export interface TestApp {
  app: FastifyInstance;
  /** The operations listener's routes (/healthz, /readyz, /metrics). */
  ops: FastifyInstance;
  state: StateStore;
  close(): Promise<void>;
}

/** The gateway over the given backends and an in-memory state store, without listening. */
export async function testApp(backends: Backends, overrides: Partial<GatewayConfig> = {}): Promise<TestApp> {
  const config: GatewayConfig = { ...DEFAULT_CONFIG, state: { driver: 'memory', path: '' }, ...overrides };
  const state = await openStateStore(config);
  const { fastify, ops } = await buildApp({ config, backends, state });
  await fastify.ready();
  return {
    app: fastify,
    ops,
    state,
    close: async () => {
      await fastify.close();
      await state.close();
    },
  };
}
