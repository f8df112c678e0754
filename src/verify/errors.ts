/** Why an access token was refused. Stable: resource servers and tests switch on it. */
export type VerifyErrorCode =
  | 'malformed'
  | 'unknown_kid'
  | 'invalid_algorithm'
  | 'invalid_signature'
  | 'invalid_type'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'missing_claim'
  | 'expired'
  | 'not_yet_valid'
  /** The JWKS could not be fetched (network, status, or not a JWK Set): a server problem, not the token's. */
  | 'jwks_unavailable'
  /** The token's session was ended (sign-out, revocation): learned from latchkey's revocation feed. */
  | 'session_revoked'
  /** The revocation feed has not been heard from for longer than `maxStaleness`: the verifier fails closed. */
  | 'revocation_status_unknown';

/**
 * An access token that must not be trusted.
 *
 * @example
 * try { await verify(token) } catch (err) {
 *   if (err instanceof VerifyError && err.code === 'expired') refreshAndRetry()
 * }
 */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly code: VerifyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
