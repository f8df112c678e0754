/**
 * Every failure latchkey reports has a stable code. The HTTP layer maps each code to one status
 * (src/http/error-status.ts); clients and tests switch on `code`, never on the message.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'weak_password'
  | 'email_taken'
  | 'invalid_credentials'
  | 'too_many_requests'
  | 'invalid_grant'
  | 'invalid_origin'
  | 'invalid_token'
  | 'not_found'
  | 'unsupported_grant_type'
  | 'invalid_client'
  | 'insufficient_scope'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'service_unavailable'
  /** An e-mailed link that is malformed, forged, expired, used, or replaced by a newer one. */
  | 'invalid_link'
  /** `LATCHKEY_REQUIRE_VERIFIED_EMAIL`: the address must be verified before the first login. */
  | 'email_not_verified';

/**
 * The one error class of latchkey's core. `description` is safe to show to a person: it never
 * contains a token, a password or an internal detail.
 *
 * @example
 * try { await auth.refresh(token, device) } catch (err) {
 *   if (err instanceof LatchkeyError && err.code === 'invalid_grant') signIn()
 * }
 */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';

  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    /** Seconds after which a retry may succeed (`too_many_requests`). */
    readonly retryAfter?: number,
  ) {
    super(`${code}: ${description}`);
  }
}

/** Shorthand for `new LatchkeyError(...)`, so `throw fail('not_found', '...')` reads as a sentence. */
export function fail(code: ErrorCode, description: string, retryAfter?: number): LatchkeyError {
  return new LatchkeyError(code, description, retryAfter);
}
