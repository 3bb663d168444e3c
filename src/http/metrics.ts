import type { FastifyInstance } from 'fastify';
import type { ProtocolMetrics } from '../protocol/context.js';

// Prometheus text exposition (version 0.0.4) of a few counters; enough for dashboards and alerts
// without a metrics library.
const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export class Metrics implements ProtocolMetrics {
  private readonly requests = new Map<string, number>();
  private readonly items = new Map<string, number>();
  private readonly waitingNow = new Map<string, number>();
  private readonly backendErrors = new Map<string, number>();
  /** Open IMAP connections, when the backends can tell. */
  imapConnections: (() => number) | undefined;

  itemsSent(itemClass: string, kind: string, count: number): void {
    const key = `class="${itemClass}",kind="${kind}"`;
    this.items.set(key, (this.items.get(key) ?? 0) + count);
  }

  backendError(kind: string): void {
    this.backendErrors.set(kind, (this.backendErrors.get(kind) ?? 0) + 1);
  }

  waiting(command: string, delta: 1 | -1): void {
    this.waitingNow.set(command, (this.waitingNow.get(command) ?? 0) + delta);
  }
  private readonly durations = new Map<string, Histogram>();
  private readonly started = Date.now();

  observe(command: string, status: number, seconds: number): void {
    const key = `command="${command}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let h = this.durations.get(command);
    if (h === undefined) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.durations.set(command, h);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  render(): string {
    const lines = [
      '# HELP eas_requests_total ActiveSync requests by command and HTTP status.',
      '# TYPE eas_requests_total counter',
      ...[...this.requests].map(([labels, n]) => `eas_requests_total{${labels}} ${n}`),
      '# HELP eas_request_duration_seconds Time to answer an ActiveSync request.',
      '# TYPE eas_request_duration_seconds histogram',
    ];
    for (const [command, h] of this.durations) {
      BUCKETS.forEach((b, i) =>
        lines.push(`eas_request_duration_seconds_bucket{command="${command}",le="${b}"} ${h.counts[i]}`),
      );
      lines.push(`eas_request_duration_seconds_bucket{command="${command}",le="+Inf"} ${h.count}`);
      lines.push(`eas_request_duration_seconds_sum{command="${command}"} ${h.sum}`);
      lines.push(`eas_request_duration_seconds_count{command="${command}"} ${h.count}`);
    }
    lines.push(
      '# HELP eas_items_sent_total Items sent to devices by Sync, by class and kind.',
      '# TYPE eas_items_sent_total counter',
      ...[...this.items].map(([labels, n]) => `eas_items_sent_total{${labels}} ${n}`),
      '# HELP eas_backend_errors_total Backend failures (IMAP, SMTP, DAV, Sieve) by kind.',
      '# TYPE eas_backend_errors_total counter',
      ...[...this.backendErrors].map(([kind, n]) => `eas_backend_errors_total{kind="${kind}"} ${n}`),
      '# HELP eas_waiting_requests Pings and hanging Syncs waiting for changes now.',
      '# TYPE eas_waiting_requests gauge',
      ...[...this.waitingNow].map(([command, n]) => `eas_waiting_requests{command="${command}"} ${n}`),
    );
    if (this.imapConnections !== undefined) {
      lines.push(
        '# HELP eas_imap_connections IMAP connections open to the mail server (requests and change feeds).',
        '# TYPE eas_imap_connections gauge',
        `eas_imap_connections ${this.imapConnections()}`,
      );
    }
    lines.push(
      '# HELP eas_uptime_seconds Seconds since the gateway started.',
      '# TYPE eas_uptime_seconds gauge',
    );
    lines.push(`eas_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    return `${lines.join('\n')}\n`;
  }
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, 'ok' | string>;
}

/** Alive: the process answers. The container's health check calls it on the EAS port. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
}

export async function opsRoutes(
  app: FastifyInstance,
  options: { metrics: Metrics; ready: () => Promise<Readiness> },
): Promise<void> {
  // Ready: the state store and the mail server answer. Not on the EAS listener: they tell anyone
  // who asks which backends fail, and how much the gateway does for whom.
  await app.register(healthRoutes);
  app.get('/readyz', async (_req, reply) => {
    const r = await options.ready();
    return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? 'ready' : 'unavailable', checks: r.checks });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(options.metrics.render()),
  );
}
