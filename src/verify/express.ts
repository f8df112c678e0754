import type { NextFunction, Request, Response } from 'express';
import { authorizeBearer, type BearerAuthOptions } from './bearer-auth.ts';
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
  return function latchkeyBearer(req: Request, res: Response, next: NextFunction): void {
    authorizeBearer(req.headers.authorization, verify, options).then((outcome) => {
      if ('claims' in outcome) {
        req.latchkey = outcome.claims;
        next();
        return;
      }
      const { status, headers, body } = outcome.refusal;
      res.status(status).set(headers).json(body);
    }, next);
  };
}
