import { VerifyError } from './errors.ts';
import type { Verifier } from './create-verifier.ts';
import type { VerifiedClaims } from './token-verifier.ts';

/**
 * Options shared by the Fastify hook and the Express middleware.
 *
 * @example
 * app.addHook('onRequest', fastifyBearer(verify, { realm: 'orders' }))
 */
export interface BearerAuthOptions {
  /** The `realm` of the `WWW-Authenticate` challenge; default `"api"`. */
  readonly realm?: string;
}

/** What to answer when a request may not pass: status, headers and the standard error body. */
export interface BearerRefusal {
  readonly status: 401 | 503;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description: string };
}

export type BearerOutcome = { readonly claims: VerifiedClaims } | { readonly refusal: BearerRefusal };

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/** Why a token was refused, in words safe to send back (no token content). */
const DESCRIPTIONS: Readonly<Record<VerifyError['code'], string>> = {
  malformed: 'The access token is malformed.',
  unknown_kid: 'The access token was signed by an unknown key.',
  invalid_algorithm: 'The access token uses an algorithm that is not allowed.',
  invalid_signature: 'The access token signature is invalid.',
  invalid_type: 'The token is not an access token (typ at+jwt).',
  invalid_issuer: 'The access token was issued by another issuer.',
  invalid_audience: 'The access token is meant for another audience.',
  missing_claim: 'The access token lacks a required claim.',
  expired: 'The access token has expired.',
  not_yet_valid: 'The access token is not valid yet.',
  jwks_unavailable: 'The signing keys cannot be fetched right now; try again shortly.',
  session_revoked: 'The session of this access token has ended.',
  revocation_status_unknown: 'Whether this session has ended cannot be checked right now; try again shortly.',
};

/**
 * Checks a request's `Authorization` header with `verify` and says what to do: go on with the
 * claims, or refuse as RFC 6750 §3 says: `401` with `WWW-Authenticate: Bearer realm="…"` when no
 * token was sent, `401` with `error="invalid_token"` when the token is bad, and `503` when the
 * keys cannot be fetched or the revocation feed is too stale (the token is not at fault). The framework adapters are thin wrappers of this.
 *
 * @example
 * const outcome = await authorizeBearer(req.headers.authorization, verify)
 * if ('refusal' in outcome) return send(outcome.refusal)
 * use(outcome.claims)
 */
export function authorizeBearer(
  authorization: string | string[] | undefined,
  verify: Verifier,
  options: BearerAuthOptions = {},
): Promise<BearerOutcome> {
  return bearerAuthorizer(verify, options)(authorization);
}

/**
 * {@link authorizeBearer} with `verify` and `options` bound once: what the Express middleware
 * builds when it is created, so a request pays for the header check and `verify` only.
 *
 * @example
 * const authorize = bearerAuthorizer(verify, { realm: 'orders' })
 * const outcome = await authorize(req.headers.authorization)
 */
export function bearerAuthorizer(verify: Verifier, options: BearerAuthOptions = {}): (authorization: string | string[] | undefined) => Promise<BearerOutcome> {
  const challenge = bearerChallenge(options);
  const missing: Promise<BearerOutcome> = Promise.resolve({ refusal: challenge.missing });
  const accepted = (claims: VerifiedClaims): BearerOutcome => ({ claims });
  const refused = (err: unknown): BearerOutcome => ({ refusal: challenge.refusal(err) });
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return missing;
    try {
      return verify(token).then(accepted, refused);
    } catch (err) {
      return Promise.resolve(refused(err));
    }
  };
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or `undefined`. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  return typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] || undefined : undefined;
}

/** The refusals of one realm, built once: no token at all, and a token `verify` refused with `err`. */
export function bearerChallenge(options: BearerAuthOptions = {}): { readonly missing: BearerRefusal; refusal(err: unknown): BearerRefusal } {
  const realm = (options.realm ?? 'api').replace(/["\\]/g, '');
  return {
    missing: refusal(401, `Bearer realm="${realm}"`, 'invalid_token', 'An access token is required (Authorization: Bearer).'),
    refusal(err) {
      const code = err instanceof VerifyError ? err.code : 'malformed';
      const description = DESCRIPTIONS[code] ?? DESCRIPTIONS.malformed;
      if (code === 'jwks_unavailable' || code === 'revocation_status_unknown') {
        return { status: 503, headers: { 'retry-after': '10' }, body: { error: 'service_unavailable', error_description: description } };
      }
      return refusal(401, `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`, 'invalid_token', description);
    },
  };
}

function refusal(status: 401, challenge: string, error: string, description: string): BearerRefusal {
  return { status, headers: { 'www-authenticate': challenge, 'cache-control': 'no-store' }, body: { error, error_description: description } };
}
