import type { ErrorCode } from '../contract/index.ts';

/**
 * What an {@link AuthError} can say: one of the server's error codes (docs/api.md, "Errors"), or
 * `network_error` (the server could not be reached) or `invalid_response` (it answered something
 * unexpected).
 */
export type AuthErrorCode = ErrorCode | 'network_error' | 'invalid_response';

/**
 * A refused call to the auth server. `code` is the server's stable `error` code (for example
 * `invalid_credentials`, `weak_password`, `too_many_requests`, `invalid_token`), or `network_error`
 * when the server could not be reached, or `invalid_response` when it answered something unexpected.
 *
 * @example
 * try { await auth.login(email, password) } catch (err) {
 *   if (err instanceof AuthError && err.code === 'invalid_credentials') showWrongPassword()
 * }
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';

  constructor(
    readonly code: AuthErrorCode,
    /** Text for humans, from the server's `error_description`. */
    readonly description: string,
    /** The HTTP status; `0` when there was no response. */
    readonly status: number,
    /** Seconds to wait before trying again (`Retry-After`), when the server said so. */
    readonly retryAfter?: number,
  ) {
    super(`${code}: ${description}`);
  }
}

/**
 * Turns an error response into an {@link AuthError} (reads the body).
 *
 * @example
 * if (!res.ok) throw await errorFrom(res)
 */
export async function errorFrom(response: Response): Promise<AuthError> {
  let code: AuthErrorCode = 'invalid_response';
  let description = `The server answered ${response.status}.`;
  try {
    const body = (await response.json()) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string') code = body.error as ErrorCode;
    if (typeof body.error_description === 'string') description = body.error_description;
  } catch {
    // not JSON: keep the generic text
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new AuthError(code, description, response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}
