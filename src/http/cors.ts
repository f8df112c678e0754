import type { FastifyInstance } from 'fastify';

const ALLOWED_METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, x-device-id, x-request-id';

/**
 * CORS (with credentials) for the origins in `LATCHKEY_ALLOWED_ORIGINS`, so a web app on its own
 * origin (app.example.com beside auth.example.com) can call latchkey with `latchkey/client`. The
 * refresh cookie stays `SameSite=Strict`, so it travels only between same-site origins; any other
 * origin gets no CORS headers at all, and its cookie requests are refused (`invalid_origin`).
 *
 * @example
 * installCors(app, ['https://app.example.com'])
 */
export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (typeof origin !== 'string' || !allowedOrigins.includes(origin)) return done();
    reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true');
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply
        .header('access-control-allow-methods', ALLOWED_METHODS)
        .header('access-control-allow-headers', ALLOWED_HEADERS)
        .header('access-control-max-age', '600');
    } else {
      reply.header('access-control-expose-headers', 'retry-after, www-authenticate, x-request-id');
    }
    done();
  });
  // Preflights of every route: the headers above answer them; anyone else's preflight learns nothing.
  app.options('/*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
}
