import { VerifyError } from './errors.ts';
import type { LatchkeyVerifier, Verifier } from './create-verifier.ts';
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
  const gate = bearerGate(verify, options);
  return new Promise((resolve) => gate(authorization, (claims) => resolve({ claims }), (refusal) => resolve({ refusal })));
}

/**
 * {@link authorizeBearer} as the framework adapters use it, built once per adapter: the verdict
 * goes to `pass` or `refuse`. A token latchkey's verifier has cached (`fromCache`) is decided at
 * once, without a promise; any other waits for `verify`. Never throws.
 *
 * @example
 * const gate = bearerGate(verify, { realm: 'orders' })
 * gate(req.headers.authorization, (claims) => next(claims), (refusal) => send(refusal))
 */
export function bearerGate(
  verify: Verifier,
  options: BearerAuthOptions = {},
): (authorization: string | string[] | undefined, pass: (claims: VerifiedClaims) => void, refuse: (refusal: BearerRefusal) => void) => void {
  const realm = (options.realm ?? 'api').replace(/["\\]/g, '');
  const missing = refusal(401, `Bearer realm="${realm}"`, 'invalid_token', 'An access token is required (Authorization: Bearer).');
  const refused = (err: unknown): BearerRefusal => {
    const code = err instanceof VerifyError ? err.code : 'malformed';
    const description = DESCRIPTIONS[code] ?? DESCRIPTIONS.malformed;
    if (code === 'jwks_unavailable' || code === 'revocation_status_unknown') {
      return { status: 503, headers: { 'retry-after': '10' }, body: { error: 'service_unavailable', error_description: description } };
    }
    return refusal(401, `Bearer realm="${realm}", error="invalid_token", error_description="${description}"`, 'invalid_token', description);
  };
  const fromCache = (verify as Partial<Pick<LatchkeyVerifier, 'fromCache'>>).fromCache;
  return (authorization, pass, refuse) => {
    const token = typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) return refuse(missing);
    let cached: VerifiedClaims | undefined;
    let verifying: Promise<VerifiedClaims> | undefined;
    try {
      cached = fromCache?.(token);
      if (cached === undefined) verifying = verify(token);
    } catch (err) {
      return refuse(refused(err));
    }
    if (verifying === undefined) return pass(cached!);
    verifying.then(pass, (err: unknown) => refuse(refused(err)));
  };
}

function refusal(status: 401, challenge: string, error: string, description: string): BearerRefusal {
  return { status, headers: { 'www-authenticate': challenge, 'cache-control': 'no-store' }, body: { error, error_description: description } };
}
