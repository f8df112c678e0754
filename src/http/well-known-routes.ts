import type { FastifyPluginAsync } from 'fastify';
import type { Services } from './app.ts';

/** `/.well-known/jwks.json`: every published public key (RFC 7517). */
export function wellKnownRoutes({ keys }: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/.well-known/jwks.json', async (_request, reply) => {
      // Shorter than LATCHKEY_KEY_ACTIVATION_DELAY's default, so caches learn a new key before it signs.
      reply.header('cache-control', 'public, max-age=10');
      return keys.jwks();
    });
  };
}
