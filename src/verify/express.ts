import { bearerGate, type BearerAuthOptions } from './bearer-auth.ts';
import type { Verifier } from './create-verifier.ts';
import type { VerifiedClaims } from './token-verifier.ts';

declare global {
  namespace Express {
    interface Request {
      /** The verified access-token claims, set by latchkey's {@link expressBearer} middleware. */
      latchkey?: VerifiedClaims;
    }
  }
}

/**
 * The parts of Express's `req`, `res` and `next` the middleware uses. Written out here, so these
 * types need neither `express` nor `@types/express` (and Express 4 or 5 both fit).
 */
interface ExpressRequest {
  readonly headers: { readonly authorization?: string | string[] | undefined };
  latchkey?: VerifiedClaims;
}
interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(headers: Record<string, string>): ExpressResponse;
  json(body: unknown): unknown;
}
type ExpressNext = (err?: unknown) => void;

/**
 * An Express middleware that lets a request through only with a valid access token, and puts its
 * claims on `req.latchkey`. Otherwise it answers `401` with
 * `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750) and `{error, error_description}`,
 * or `503` when the keys cannot be fetched. Express itself is not imported.
 *
 * @example
 * import { createVerifier, expressBearer } from 'latchkey/verify'
 * const verify = createVerifier({ issuer, audience })
 * app.get('/orders', expressBearer(verify), (req, res) => res.json(listOrders(req.latchkey!.sub)))
 */
export function expressBearer(verify: Verifier, options: BearerAuthOptions = {}) {
  if (typeof verify !== 'function') throw new TypeError('expressBearer needs the function createVerifier returned');
  const gate = bearerGate(verify, options);
  return function latchkeyBearer(req: ExpressRequest, res: ExpressResponse, next: ExpressNext): void {
    gate(
      req.headers.authorization,
      (claims) => {
        req.latchkey = claims;
        next();
      },
      ({ status, headers, body }) => {
        res.status(status).set(headers).json(body);
      },
    );
  };
}
