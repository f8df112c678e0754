/**
 * The error codes latchkey sends, with the HTTP status of each (docs/api.md, "Errors"). Type-only:
 * the runtime tables in src/http/ are typed by these interfaces, so a code without a row, or a row
 * with another status, does not compile.
 */

/**
 * Every `error` code of the browser API (`/auth/*`, `/account`, `/.well-known/*`) and the status it
 * is sent with. Each code has exactly one status.
 */
export interface BrowserErrorStatus {
  readonly invalid_request: 400;
  readonly weak_password: 400;
  readonly unsupported_grant_type: 400;
  readonly invalid_credentials: 401;
  readonly invalid_grant: 401;
  readonly invalid_token: 401;
  /** OAuth client authentication failed (unknown client, wrong secret). */
  readonly invalid_client: 401;
  /** The access token lacks the scope the request needs (`/oauth/userinfo` without `openid`). */
  readonly insufficient_scope: 403;
  readonly invalid_origin: 403;
  /** `LATCHKEY_SIGNUP=closed`: `/auth/register` is off (operators create accounts with `latchkey users create`). */
  readonly signup_closed: 403;
  /** `LATCHKEY_REQUIRE_VERIFIED_EMAIL=true`: a login before the address is verified. */
  readonly email_not_verified: 403;
  /** An e-mailed link that is malformed, forged, expired, used, or replaced by a newer one. */
  readonly invalid_link: 400;
  readonly not_found: 404;
  readonly email_taken: 409;
  readonly payload_too_large: 413;
  readonly unsupported_media_type: 415;
  readonly too_many_requests: 429;
  /** Anything unexpected: the body says nothing about the inside. */
  readonly server_error: 500;
  /** The database cannot be reached right now; `Retry-After` says when to try again. */
  readonly service_unavailable: 503;
}

/** A stable error code: clients switch on it, never on the description. */
export type ErrorCode = keyof BrowserErrorStatus;

/**
 * How the OAuth 2.0 API (`/oauth/token`, `/oauth/revoke`) answers each code, following RFC 6749
 * §5.2: the code it sends and the status. Wrong credentials and bad refresh tokens are both
 * `400 invalid_grant` there; every other code is answered as on the browser API.
 */
export type OAuthErrorAnswer = {
  readonly [C in ErrorCode]: C extends 'invalid_credentials' | 'invalid_grant'
    ? readonly ['invalid_grant', 400]
    : readonly [C, BrowserErrorStatus[C]];
};

/** The codes the OAuth API sends. */
export type OAuthErrorCode = OAuthErrorAnswer[ErrorCode][0];

/** The body of every error response. */
export interface ErrorBody {
  readonly error: ErrorCode;
  /** Text for a person: never a token, a password or an internal detail. */
  readonly error_description: string;
}
