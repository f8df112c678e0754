import type { ErrorCode } from '../contract/index.ts';

/*
 * Every failure latchkey reports has a stable code (src/contract/errors.ts). The HTTP layer maps
 * each code to one status (src/http/error-status.ts); clients and tests switch on `code`, never on
 * the message.
 */

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

/** The one answer to a wrong e-mail, a wrong password and a disabled account alike. */
export function badCredentials(): LatchkeyError {
  return fail('invalid_credentials', 'The e-mail address or the password is wrong.');
}

/** Shorthand for `new LatchkeyError(...)`, so `throw fail('not_found', '...')` reads as a sentence. */
export function fail(code: ErrorCode, description: string, retryAfter?: number): LatchkeyError {
  return new LatchkeyError(code, description, retryAfter);
}
