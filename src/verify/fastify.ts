import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerGate, type BearerAuthOptions } from './bearer-auth.ts';
import type { Verifier } from './create-verifier.ts';
import type { VerifiedClaims } from './token-verifier.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access-token claims, set by latchkey's {@link fastifyBearer} hook. */
    latchkey?: VerifiedClaims;
  }
}

/**
 * A Fastify `onRequest`/`preHandler` hook that lets a request through only with a valid access
 * token, and puts its claims on `request.latchkey`. Otherwise it answers `401` with
 * `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750) and `{error, error_description}`,
 * or `503` when the keys cannot be fetched. Fastify itself is not imported: any Fastify 4/5 app works.
 *
 * @example
 * import { createVerifier, fastifyBearer } from 'latchkey/verify'
 * const verify = createVerifier({ issuer, audience })
 * app.get('/orders', { onRequest: fastifyBearer(verify) }, async (request) => listOrders(request.latchkey!.sub))
 * // or for every route of a plugin scope: scope.addHook('onRequest', fastifyBearer(verify))
 */
export function fastifyBearer(verify: Verifier, options: BearerAuthOptions = {}) {
  if (typeof verify !== 'function') throw new TypeError('fastifyBearer needs the function createVerifier returned');
  const gate = bearerGate(verify, options);
  // A callback hook, not an async function: no promise of Fastify's, and none at all for a cached token.
  return function latchkeyBearer(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    gate(
      request.headers.authorization,
      (claims) => {
        request.latchkey = claims;
        done();
      },
      ({ status, headers, body }) => {
        reply.code(status).headers(headers).type('application/json; charset=utf-8').send(body);
      },
    );
  };
}
