import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Backends } from './backends/types.js';
import { activeSyncRoutes, deviceKeyOf } from './http/activesync.js';
import { autodiscoverRoutes } from './http/autodiscover.js';
import { Authenticator } from './http/auth.js';
import { resolveIdentity } from './http/identity.js';
import { TraceCapture } from './http/trace-capture.js';
import { ConcurrentRequestLimit } from './http/user-limits.js';
import { healthRoutes, Metrics, opsRoutes, type Readiness } from './http/metrics.js';
import { addSecurityHeaders } from './http/security-headers.js';
import { makePolicy } from './protocol/policy.js';
import type { GatewayConfig } from './config.js';
import type { StateStore } from './state/types.js';
import { DeviceQueue } from './sync/device-queue.js';

export interface AppDeps {
  config: GatewayConfig;
  backends: Backends;
  state: StateStore;
  /** fastify server options (logger, https); tests pass none. */
  server?: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } };
  now?: () => Date;
}

export interface App {
  fastify: FastifyInstance;
  /** /healthz, /readyz and /metrics, for the operations listener (EAS_OPS_HOST/EAS_OPS_PORT). */
  ops: FastifyInstance;
  queue: DeviceQueue;
  capture: TraceCapture | undefined;
}

// Credentials never reach a log line (pino redaction of the request headers).
export const LOG_REDACT = ['req.headers.authorization', 'req.headers.cookie', 'password', 'credentials'];

// Bodies of requests that are not (yet) authenticated: Autodiscover's XML, anything else is refused
// above this; the full EAS body limit applies only after the login was checked.
export const PRE_AUTH_BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the gateway without listening, so tests can use inject(). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const fastify = Fastify({
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    routerOptions: { caseSensitive: false },
    bodyLimit: PRE_AUTH_BODY_LIMIT_BYTES,
    ...deps.server,
  } as FastifyServerOptions);
  const metrics = new Metrics();
  const { backends } = deps;
  if (backends.openConnections) metrics.imapConnections = () => backends.openConnections?.() ?? 0;
  const { trace } = config;
  const capture =
    trace.dir === undefined
      ? undefined
      : new TraceCapture(
          { ...trace, dir: trace.dir, users: trace.users.map((u) => resolveIdentity(u, config).id) },
          fastify.log,
        );
  const queue = new DeviceQueue();
  // Another instance got a request of a device that waits here: end that wait.
  const stopListening = deps.state.coordinator?.onRequestElsewhere((device) =>
    queue.supersede(deviceKeyOf(device)),
  );
  fastify.addHook('onClose', async () => stopListening?.());
  const authenticator = new Authenticator({
    verify: (c, signal) => deps.backends.verifyLogin(c, signal),
    mailDomain: config.mailDomain,
    loginFormat: config.loginFormat,
    users: config.users,
    cacheSeconds: config.authCacheSeconds,
    loginLimits: config.logins,
  });

  const ops = Fastify({ loggerInstance: fastify.log } as FastifyServerOptions);
  await ops.register(opsRoutes, { metrics, ready: () => readiness(deps) });
  fastify.addHook('onClose', async () => ops.close());
  addSecurityHeaders(fastify);
  await fastify.register(healthRoutes);
  await fastify.register(activeSyncRoutes, {
    authenticator,
    backends: deps.backends,
    state: deps.state,
    settings: {
      policy: makePolicy(config.provisioning.policy),
      smtpSavesSent: config.smtp.savesSent,
      davPollSeconds: config.davPollSeconds,
      caldavSchedules: config.caldavSchedules,
    },
    provisioningRequired: config.provisioning.required,
    identity: config,
    bodyLimitBytes: config.bodyLimitBytes,
    queue,
    metrics,
    limits: {
      concurrent: new ConcurrentRequestLimit(config.limits.concurrentRequestsPerUser),
      devicesPerUser: config.limits.devicesPerUser,
    },
    capture,
    now: deps.now,
  });
  await fastify.register(autodiscoverRoutes, {
    authenticator,
    publicBase: (request) => config.publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`,
  });
  return { fastify, ops, queue, capture };
}

async function readiness(deps: AppDeps): Promise<Readiness> {
  const checks: Record<string, string> = {};
  try {
    // Any read proves the store answers; no device has an empty id.
    await deps.state.getDevice({ user: '', deviceId: '' });
    checks.state = 'ok';
  } catch (e) {
    checks.state = e instanceof Error ? e.message : String(e);
  }
  if (deps.backends.reachable !== undefined) {
    checks.imap = (await deps.backends.reachable(AbortSignal.timeout(3000)).catch(() => false))
      ? 'ok'
      : 'unreachable';
  }
  return { ok: Object.values(checks).every((c) => c === 'ok'), checks };
}
