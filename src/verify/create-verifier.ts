import { createRemoteJwks } from './remote-jwks.ts';
import { RevocationFollower, type RevocationFeedOptions } from './revocation-follower.ts';
import { createTokenVerifier, type VerifiedClaims } from './token-verifier.ts';

/**
 * How {@link createVerifier} checks tokens. Only `issuer` and `audience` are required.
 *
 * @example
 * const options: VerifierOptions = { issuer: 'https://auth.example.com', audience: 'https://api.example.com', clockTolerance: 10 }
 */
export interface VerifierOptions {
  /** The latchkey issuer (its `LATCHKEY_ISSUER`), e.g. `https://auth.example.com`; tokens must carry it as `iss`. */
  readonly issuer: string;
  /** What tokens must carry as `aud` (latchkey's `LATCHKEY_AUDIENCE`, by default the issuer). */
  readonly audience: string;
  /** Where the public keys are; default `${issuer}/.well-known/jwks.json`. */
  readonly jwksUri?: string | URL;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`; default 5. */
  readonly clockTolerance?: number;
  /** Seconds between JWKS fetches triggered by an unknown `kid`; default 10. */
  readonly jwksCooldown?: number;
  /** Seconds after which the cached JWKS is fetched again; default 600. */
  readonly jwksMaxAge?: number;
  /** Verified tokens remembered (never past their `exp`); default 10,000, `0` disables. */
  readonly cacheSize?: number;
  /** Epoch milliseconds; default `Date.now` (tests inject a clock). */
  readonly now?: () => number;
  /** The fetch used for the JWKS and the revocation feed; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * Follow latchkey's revocation feed: tokens of an ended session are refused (`session_revoked`)
   * within moments instead of working until `exp`. See {@link RevocationFeedOptions} for
   * `maxStaleness` (fail closed when the feed is unreachable for too long).
   */
  readonly revocations?: RevocationFeedOptions;
}

/**
 * Verifies one access token: resolves to its claims or rejects with a `VerifyError`.
 *
 * @example
 * const verify: Verifier = createVerifier({ issuer, audience })
 * const { sub, roles } = await verify(token)
 */
export type Verifier = (token: string) => Promise<VerifiedClaims>;

/**
 * The verifier {@link createVerifier} builds: a {@link Verifier}, plus `fromCache` (a cached token's
 * verdict without a promise), the revocation follower when `revocations` was given, and `close()`
 * to stop following.
 *
 * @example
 * const verify: LatchkeyVerifier = createVerifier({ issuer, audience, revocations: { url, key } })
 * console.log(verify.revocations?.status().lag)
 * verify.close()
 */
export type LatchkeyVerifier = Verifier & {
  /**
   * The verdict for a token the verifier has cached, without waiting: its claims, or throws the
   * `VerifyError` the call would reject with; `undefined` when it is not cached (call the verifier).
   */
  fromCache(token: string): VerifiedClaims | undefined;
  readonly revocations: RevocationFollower | undefined;
  close(): void;
};

/**
 * Builds the verifier a resource server needs for latchkey's access tokens, offline after the
 * first JWKS fetch: the algorithm is pinned to each key (ES256, EdDSA or RS256, matching the JWK's
 * type; never `none`, never HMAC), `typ` must be `at+jwt` (RFC 9068), `iss` and `aud` must match,
 * `exp`/`nbf`/`iat` hold within `clockTolerance`. Keys come from the JWKS, cached and fetched
 * again for an unknown `kid` (at most once per `jwksCooldown`, concurrent callers sharing one
 * fetch), so a key rotation on the server is picked up without a restart.
 *
 * With `revocations`, the verifier also follows latchkey's revocation feed (Server-Sent Events) and
 * refuses tokens of ended sessions with `session_revoked`, the verified-token cache included.
 *
 * Options are checked here: a bad one throws a `TypeError` naming it.
 *
 * @example
 * import { createVerifier, VerifyError } from 'latchkey/verify'
 * const verify = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' })
 * try {
 *   const claims = await verify(token) // { sub, sid, roles?, exp, ... }
 * } catch (err) {
 *   if (err instanceof VerifyError) return reply.code(401).send({ error: 'invalid_token', reason: err.code }) // err.code: 'expired', 'invalid_signature', ...
 * }
 */
export function createVerifier(options: VerifierOptions): LatchkeyVerifier {
  const issuer = required(options?.issuer, 'issuer');
  const audience = required(options?.audience, 'audience');
  const jwksUri = options.jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  try {
    new URL(jwksUri);
  } catch {
    throw new TypeError(`jwksUri must be an absolute URL, not "${String(jwksUri)}" (derived from issuer unless given)`);
  }
  if (options.clockTolerance !== undefined && !(options.clockTolerance >= 0 && options.clockTolerance <= 300)) {
    throw new TypeError(`clockTolerance must be 0 to 300 seconds, not ${options.clockTolerance}`);
  }
  const jwks = createRemoteJwks(jwksUri, {
    fetch: options.fetch,
    now: options.now,
    cooldown: options.jwksCooldown,
    maxAge: options.jwksMaxAge,
  });
  const follower = options.revocations
    ? new RevocationFollower(options.revocations, { fetch: options.fetch ?? fetch, now: options.now ?? Date.now })
    : undefined;
  const verify = createTokenVerifier({
    issuer,
    audience,
    resolveKey: (kid) => jwks.knownKey(kid) ?? jwks.resolveKey(kid), // no promise while the set is fresh
    now: options.now,
    clockTolerance: options.clockTolerance,
    cacheSize: options.cacheSize,
    ...(follower && { check: (claims) => follower.check(claims.sid), checkRevision: () => follower.revision }),
  });
  return Object.assign(verify, { revocations: follower, close: () => follower?.close() });
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${name} is required (a non-empty string)`);
  return value;
}
