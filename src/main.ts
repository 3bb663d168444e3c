import { readFileSync } from 'node:fs';
import pino from 'pino';
import { buildApp, LOG_REDACT } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { createBackends, openStateStore } from './wire.js';

/** Starts the gateway: configuration → state → backends → HTTPS listener, and drains on SIGTERM. */
export async function startGateway(config: GatewayConfig = loadConfig()): Promise<() => Promise<void>> {
  const logger = pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } });
  const state = await openStateStore(config);
  const backends = createBackends(config, logger);
  const https = config.plainHttp ? undefined : readTls(config);
  const { fastify, queue } = await buildApp({
    config,
    backends,
    state,
    server: { loggerInstance: logger, ...(https ? { https } : {}) },
  });
  await fastify.listen({ host: config.listen.host, port: config.listen.port });
  const scheme = config.plainHttp ? 'http' : 'https';
  logger.info(
    { url: `${scheme}://${config.listen.host}:${config.listen.port}/Microsoft-Server-ActiveSync` },
    'eas-gateway listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      logger.info('shutting down: ending waiting requests, closing connections');
      queue.abortAll(new Error('server shutting down'));
      await fastify.close();
      await backends.close();
      await state.close();
    })());
  return stop;
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
