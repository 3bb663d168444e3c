import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Backends } from '../backends/types.js';
import type { CommandContext, Log, Principal, ProtocolSettings } from '../protocol/context.js';
import { checkNotWiped, checkProvisioned } from '../protocol/provisioning.js';
import { CommonStatus, EasError } from '../protocol/status.js';
import { BackendError } from '../backends/types.js';
import { isRawBody, type CommandOutput, type CommandSpec } from '../protocol/command.js';
import { commandFor, implementedCommands } from '../protocol/registry.js';
import { parseProtocolVersion, SUPPORTED_VERSIONS, type ProtocolVersion } from '../protocol/version.js';
import type { StateStore } from '../state/types.js';
import type { DeviceQueue } from '../sync/device-queue.js';
import { decodeWbxml, encodeWbxml, WbxmlDecodeError, type WbxmlElement } from '../wbxml/index.js';
import { AuthError, type Authenticator } from './auth.js';
import { IdentityError, resolveIdentity, type IdentityOptions } from './identity.js';
import { answerForError } from './error-response.js';
import type { Metrics } from './metrics.js';
import type { ConcurrentRequestLimit } from './user-limits.js';
import type { TraceCapture } from './trace-capture.js';
import { parseEasQuery, QueryError, type EasQuery } from './query.js';

export const ACTIVESYNC_PATH = '/Microsoft-Server-ActiveSync';
const WBXML_TYPE = 'application/vnd.ms-sync.wbxml';
// What OPTIONS and every response announce as the server's own EAS version.
const SERVER_VERSION = '16.1';

export interface ActiveSyncOptions {
  authenticator: Authenticator;
  backends: Backends;
  state: StateStore;
  settings: ProtocolSettings;
  provisioningRequired: boolean;
  /** How typed user names become logins and state keys (the query's User is checked with it). */
  identity: IdentityOptions;
  bodyLimitBytes: number;
  queue: DeviceQueue;
  metrics: Metrics;
  limits: { concurrent: ConcurrentRequestLimit; devicesPerUser: number };
  /** Records the exchanges of chosen devices as traces, when configured. */
  capture?: TraceCapture;
  now?: () => Date;
}

interface PendingCapture {
  user: string;
  query: EasQuery;
  startedAt: Date;
  started: number;
}

// Who sent each request, for the per-request log line.
const requestInfoOf = new WeakMap<FastifyRequest, { user: string; deviceId: string }>();

// Requests of captured devices, for the onSend hook that writes their exchange.
const captureOf = new WeakMap<FastifyRequest, PendingCapture>();

// Who each request authenticated as, by the onRequest hook.
const principalOf = new WeakMap<FastifyRequest, Principal>();

// The command each request named, for the metrics hook (requests refused before parsing have none).
const commandOf = new WeakMap<FastifyRequest, string>();

/** MS-ASHTTP: OPTIONS and POST on /Microsoft-Server-ActiveSync. */
export async function activeSyncRoutes(app: FastifyInstance, options: ActiveSyncOptions): Promise<void> {
  // The login is checked before fastify reads a byte of the body: an anonymous client gets its
  // 401 while the body waits unread in the socket, and cannot make the gateway buffer
  // bodyLimitBytes (the content parser below runs only for authenticated requests).
  app.addHook('onRequest', async (request, reply) => {
    const principal = await authenticateOrReply(request, reply, options);
    if (principal === undefined) return reply;
    principalOf.set(request, principal);
    return undefined;
  });

  // Bodies stay raw: WBXML is decoded here with limits, and 12.x SendMail posts MIME.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
    (_req, body, done) => done(null, body),
  );

  app.addHook('onResponse', async (request, reply) => {
    const command = commandOf.get(request) ?? request.method;
    options.metrics.observe(command, reply.statusCode, reply.elapsedTime / 1000);
    const who = requestInfoOf.get(request);
    request.log.info(
      {
        cmd: command,
        user: who?.user,
        deviceId: who?.deviceId,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'eas request',
    );
  });

  const capture = options.capture;
  if (capture !== undefined) {
    app.addHook('onSend', async (request, reply, payload) => {
      const pending = captureOf.get(request);
      if (pending === undefined) return payload;
      const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
      const out = Buffer.isBuffer(payload) ? payload : undefined;
      const isWbxml = (b: Buffer | undefined, type: unknown): boolean =>
        b !== undefined && b.length > 0 && String(type ?? '').startsWith(WBXML_TYPE);
      capture.record({
        user: pending.user,
        query: pending.query,
        queryForm: /(^|[?&])Cmd=/.test(request.url) ? 'plain' : 'base64',
        method: request.method,
        headers: request.headers,
        request:
          raw === undefined || raw.length === 0
            ? undefined
            : isWbxml(raw, request.headers['content-type'])
              ? safeDecode(raw)
              : raw,
        status: reply.statusCode,
        responseHeaders: {},
        response:
          out !== undefined && isWbxml(out, reply.getHeader('content-type')) ? safeDecode(out) : undefined,
        startedAt: pending.startedAt,
        durationMs: performance.now() - pending.started,
      });
      return payload;
    });
  }

  app.options(ACTIVESYNC_PATH, async (_request, reply) =>
    reply
      .header('Allow', 'OPTIONS,POST')
      .header('Public', 'OPTIONS,POST')
      .header('MS-Server-ActiveSync', SERVER_VERSION)
      .header('MS-ASProtocolVersions', SUPPORTED_VERSIONS.join(','))
      .header('MS-ASProtocolCommands', implementedCommands().join(','))
      .code(200)
      .send(),
  );

  app.post(ACTIVESYNC_PATH, async (request, reply) => handlePost(request, reply, options));
}

async function handlePost(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ActiveSyncOptions,
): Promise<FastifyReply> {
  const log = request.log as Log;
  const principal = principalOf.get(request);
  if (principal === undefined) throw new Error('ActiveSync request without a checked login');
  if (!options.limits.concurrent.enter(principal.id)) {
    reply.header('Retry-After', '5');
    return fail(reply, log, 503, `too many requests at once for ${principal.id}`);
  }
  try {
    return await handleAuthenticated(request, reply, options, principal, log);
  } finally {
    options.limits.concurrent.leave(principal.id);
  }
}

async function handleAuthenticated(
  request: FastifyRequest,
  reply: FastifyReply,
  options: ActiveSyncOptions,
  principal: Principal,
  log: Log,
): Promise<FastifyReply> {
  let query;
  try {
    query = parseEasQuery(request.url.slice(request.url.indexOf('?') + 1 || request.url.length));
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    return fail(reply, log, 400, `bad query: ${e.message}`);
  }
  requestInfoOf.set(request, { user: principal.id, deviceId: query.deviceId });
  if (options.capture?.wants(principal.id, query.deviceId)) {
    captureOf.set(request, { user: principal.id, query, startedAt: new Date(), started: performance.now() });
  }
  if (query.user !== undefined && identityOf(query.user, options.identity) !== principal.id) {
    return fail(reply, log, 403, `query User ${query.user} is not the authenticated user`);
  }
  const versionText = query.protocolVersion ?? headerValue(request, 'ms-asprotocolversion');
  const version = parseProtocolVersion(versionText);
  if (version === undefined) {
    reply.header('MS-ASProtocolVersions', SUPPORTED_VERSIONS.join(','));
    return fail(reply, log, 400, `unsupported or missing protocol version "${versionText ?? ''}"`);
  }
  const spec = commandFor(query.cmd);
  commandOf.set(request, spec?.name ?? 'unknown');
  if (spec === undefined) return fail(reply, log, 501, `command ${query.cmd} is not implemented`);

  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  let input: WbxmlElement | undefined;
  let mime: Uint8Array | undefined;
  const type = (headerValue(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  // MS-ASCMD 2.2.1.16: before 14.0 the message itself is the body (message/rfc822).
  if (raw.length > 0 && spec.body === 'wbxml-or-mime' && type !== WBXML_TYPE) mime = raw;
  else if (raw.length > 0 && spec.body !== 'none') {
    if (type !== WBXML_TYPE) return fail(reply, log, 400, `content type "${type}" is not ${WBXML_TYPE}`);
    try {
      input = decodeWbxml(raw);
    } catch (e) {
      if (!(e instanceof WbxmlDecodeError)) throw e;
      return fail(reply, log, 400, `malformed WBXML: ${e.message}`);
    }
  }

  const device = { user: principal.id, deviceId: query.deviceId };
  const policyKey = query.policyKey ?? headerValue(request, 'x-ms-policykey');
  const userAgent = headerValue(request, 'user-agent');
  const clientGone = new AbortController();
  // The response's 'close' before its end is the client going away. The request's own 'close'
  // is no sign of it: Node emits that as soon as the body has been read, which (now that the
  // login is checked before the body) can come after this point.
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) clientGone.abort(new Error('client disconnected'));
  });

  const runCommand = async (
    signal: AbortSignal,
    markWaiting: (waiting: boolean) => Promise<void>,
  ): Promise<CommandOutput> => {
    const record = await options.state.touchDevice(device, {
      deviceType: query.deviceType,
      userAgent,
      protocolVersion: version,
    });
    if (record.firstSeen.getTime() === record.lastSeen.getTime()) await admitNewDevice(options, device);
    checkNotWiped(record);
    if (spec.needsProvisioning && options.provisioningRequired) checkProvisioned(record, policyKey);
    const ctx: CommandContext = {
      request: {
        cmd: spec.name,
        version,
        deviceId: query.deviceId,
        deviceType: query.deviceType,
        policyKey,
        params: query.params,
        userAgent,
        ...(mime !== undefined ? { mime } : {}),
      },
      principal,
      device,
      backends: options.backends.forUser(principal.credentials),
      state: options.state,
      settings: options.settings,
      log: request.log.child({
        cmd: spec.name,
        user: principal.id,
        deviceId: query.deviceId,
        version,
      }) as Log,
      now: options.now ?? (() => new Date()),
      signal,
      markWaiting,
      metrics: options.metrics,
    };
    return spec.run(input, ctx);
  };

  try {
    const answer = await options.queue.run(
      deviceKeyOf(device),
      async (signal, markQueueWaiting) => {
        // Across instances (PostgreSQL): end the device's waiting request elsewhere, then hold the
        // device's lock while this request works; a wait for changes lets go of it meanwhile.
        const coordinator = options.state.coordinator;
        await coordinator?.announceRequest(device);
        let release = await coordinator?.lockDevice(device, signal);
        const markWaiting = async (waiting: boolean): Promise<void> => {
          markQueueWaiting(waiting);
          if (coordinator === undefined) return;
          if (waiting) {
            await release?.();
            release = undefined;
          } else if (!signal.aborted) {
            release = await coordinator.lockDevice(device, signal);
          }
        };
        try {
          return await runCommand(signal, markWaiting);
        } finally {
          await release?.();
        }
      },
      clientGone.signal,
    );
    reply.header('MS-Server-ActiveSync', SERVER_VERSION);
    if (answer === undefined) return reply.code(200).send();
    if (isRawBody(answer)) return reply.code(200).type(answer.contentType).send(Buffer.from(answer.body));
    return reply
      .code(200)
      .type(WBXML_TYPE)
      .send(Buffer.from(encodeWbxml(answer)));
  } catch (e) {
    if (clientGone.signal.aborted) {
      log.info({ cmd: spec.name }, 'client went away before the answer');
      return reply.code(200).send();
    }
    if (e instanceof BackendError) options.metrics.backendError(e.kind);
    return sendError(reply, log, e, version, spec);
  }
}

/** MS-ASCMD 2.2.2 Status 177: a user may not bring more devices than the configured limit. */
async function admitNewDevice(
  options: ActiveSyncOptions,
  device: { user: string; deviceId: string },
): Promise<void> {
  const count = (await options.state.listDevices(device.user)).length;
  if (count <= options.limits.devicesPerUser) return;
  await options.state.removeDevice(device);
  throw new EasError(CommonStatus.MaximumDevicesReached, `${device.user} already has ${count - 1} devices`);
}

function sendError(
  reply: FastifyReply,
  log: Log,
  error: unknown,
  version: ProtocolVersion,
  spec: CommandSpec,
): FastifyReply {
  const answer = answerForError(error, version, spec);
  const level = answer.httpStatus >= 500 ? 'error' : 'warn';
  log[level](
    { status: answer.httpStatus, reason: answer.reason, err: answer.httpStatus === 500 ? error : undefined },
    'request failed',
  );
  if (answer.headers) reply.headers(answer.headers);
  if (answer.body)
    return reply
      .code(200)
      .type(WBXML_TYPE)
      .send(Buffer.from(encodeWbxml(answer.body)));
  return reply.code(answer.httpStatus).send();
}

function fail(reply: FastifyReply, log: Log, status: number, reason: string): FastifyReply {
  log.warn({ status, reason }, 'request refused');
  return reply.code(status).type('text/plain; charset=utf-8').send(`${reason}\n`);
}

function identityOf(typed: string, options: IdentityOptions): string | undefined {
  try {
    return resolveIdentity(typed, options).id;
  } catch (e) {
    if (!(e instanceof IdentityError)) throw e;
    return undefined;
  }
}

/**
 * Too many guesses are 503 with Retry-After, not 401 and not 429: a 401 makes a phone tell its
 * user the password is wrong, and MS-ASHTTP 3.1.5.2.3 names 503 + Retry-After as the answer to a
 * throttled client (older EAS clients know no 429).
 */
const REFUSAL: Readonly<
  Record<AuthError['reason'], { status: number; level: 'warn' | 'error'; log: string }>
> = {
  missing: { status: 401, level: 'warn', log: 'authentication failed' },
  rejected: { status: 401, level: 'warn', log: 'authentication failed' },
  limited: { status: 503, level: 'warn', log: 'login attempt refused by the limiter' },
  unavailable: { status: 503, level: 'error', log: 'cannot check credentials' },
};

/**
 * Authenticates, or answers 401/503 itself and returns undefined. A refusal closes the connection:
 * the body the client may still be sending is not read.
 */
export async function authenticateOrReply(
  request: FastifyRequest,
  reply: FastifyReply,
  options: Pick<ActiveSyncOptions, 'authenticator'>,
): Promise<Principal | undefined> {
  try {
    return await options.authenticator.authenticate(request.headers.authorization, request.ip);
  } catch (e) {
    if (!(e instanceof AuthError)) throw e;
    const refusal = REFUSAL[e.reason];
    (request.log as Log)[refusal.level]({ reason: e.message, status: refusal.status }, refusal.log);
    if (refusal.status === 401)
      reply.header('WWW-Authenticate', 'Basic realm="eas-gateway", charset="UTF-8"');
    else reply.header('Retry-After', String(e.retryAfterSeconds));
    reply.header('Connection', 'close').code(refusal.status).send();
    return undefined;
  }
}

function safeDecode(bytes: Buffer): WbxmlElement | undefined {
  try {
    return decodeWbxml(bytes);
  } catch {
    return undefined;
  }
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function deviceKeyOf(device: { user: string; deviceId: string }): string {
  return `${device.user}\0${device.deviceId}`;
}
