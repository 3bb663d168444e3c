import { readFileSync } from 'node:fs';
import pino from 'pino';
import { buildApp, LOG_REDACT } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { createBackends, openStateStore } from './wire.js';

/** Starts the gateway: configuration → state → backends → HTTPS listener, and drains on SIGTERM. */
export interface RunningGateway {
  url: string;
  /** Base URL of /readyz and /metrics, when the operations listener is on. */
  opsUrl?: string;
  stop(): Promise<void>;
}

export async function startGateway(config: GatewayConfig = loadConfig()): Promise<RunningGateway> {
  const logger = pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } });
  const state = await openStateStore(config);
  const backends = createBackends(config, logger);
  const https = config.plainHttp ? undefined : readTls(config);
  const { fastify, ops, queue, capture } = await buildApp({
    config,
    backends,
    state,
    server: { loggerInstance: logger, ...(https ? { https } : {}) },
  });
  await fastify.listen({ host: config.listen.host, port: config.listen.port });
  const address = fastify.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.listen.port;
  const url = `${config.plainHttp ? 'http' : 'https'}://${config.listen.host}:${port}/Microsoft-Server-ActiveSync`;
  // Plain HTTP on a private address: /readyz and /metrics are for the operator's probes only.
  const opsUrl =
    config.ops === undefined ? undefined : await ops.listen({ host: config.ops.host, port: config.ops.port });
  logger.info({ url, opsUrl }, 'eas-gateway listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('shutting down: ending waiting requests, closing connections');
      queue.abortAll(new Error('server shutting down'));
      await fastify.close();
      await capture?.flush();
      await backends.close();
      await state.close();
    })());
  return { url, ...(opsUrl !== undefined ? { opsUrl } : {}), stop };
}

function readTls(config: GatewayConfig): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) };
  } catch (e) {
    throw new Error(
      `cannot read the TLS certificate or key (${(e as Error).message}). Put server.crt and server.key in certs/ ` +
        '(see certs/README.md for a self-signed pair), point EAS_TLS_CERT/EAS_TLS_KEY at yours, ' +
        'or set EAS_PLAIN_HTTP=true behind a TLS-terminating proxy.',
      { cause: e },
    );
  }
}
