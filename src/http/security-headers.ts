import type { FastifyInstance } from 'fastify';

// One year, the value HSTS preload lists ask for (RFC 6797 6.1.1); no includeSubDomains: the
// gateway speaks for its own host name only.
const HSTS = 'max-age=31536000';

/**
 * Headers on every answer of the EAS listener (added on the root instance, so every route gets
 * them): no MIME sniffing of what a browser might be shown (attachments, error texts), and HSTS
 * when the request came over TLS (directly, or as a trusted proxy's X-Forwarded-Proto says) so a
 * browser never falls back to plain HTTP for this host.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    if (request.protocol === 'https') reply.header('Strict-Transport-Security', HSTS);
    return payload;
  });
}
