import { authorizeBearer, type BearerAuthOptions } from './bearer-auth.ts';
import type { Verifier } from './create-verifier.ts';
import type { VerifiedClaims } from './token-verifier.ts';

/**
 * What {@link verifyRequest} found: the token's claims, or the `Response` to send back instead
 * (`401` with `WWW-Authenticate: Bearer …`, or `503` when the keys cannot be fetched).
 */
export type RequestVerification = { readonly claims: VerifiedClaims } | { readonly response: Response };

/**
 * Checks the `Authorization: Bearer` header of a Fetch API `Request` (Hono, Next.js route
 * handlers, Remix, Bun, Deno, Cloudflare Workers...) with `verify`. Resolves to the claims when
 * the token is good; otherwise to a ready `Response` with the same status, `WWW-Authenticate`
 * challenge and `{error, error_description}` body as the Fastify and Express glue. Never rejects.
 *
 * @example
 * import { createVerifier, verifyRequest } from 'latchkey/verify'
 * const verify = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' })
 * // a Next.js route handler (app/api/orders/route.ts)
 * export async function GET(request: Request) {
 *   const result = await verifyRequest(request, verify)
 *   if ('response' in result) return result.response
 *   return Response.json({ orders: await listOrders(result.claims.sub) })
 * }
 * // Hono: app.use('/api/*', async (c, next) => { const r = await verifyRequest(c.req.raw, verify); if ('response' in r) return r.response; c.set('claims', r.claims); await next() })
 */
export async function verifyRequest(request: Request, verify: Verifier, options: BearerAuthOptions = {}): Promise<RequestVerification> {
  if (typeof verify !== 'function') throw new TypeError('verifyRequest needs the function createVerifier returned');
  const outcome = await authorizeBearer(request.headers.get('authorization') ?? undefined, verify, options);
  if ('claims' in outcome) return outcome;
  const { status, headers, body } = outcome.refusal;
  return { response: Response.json(body, { status, headers }) };
}
