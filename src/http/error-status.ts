import type { BrowserErrorStatus, OAuthErrorAnswer } from '../contract/index.ts';

/**
 * The one table from error code to HTTP status on the browser API. Typed by src/contract: a code
 * without a row, or a row with another status, does not compile.
 */
export const ERROR_STATUS: BrowserErrorStatus = {
  invalid_request: 400,
  weak_password: 400,
  unsupported_grant_type: 400,
  invalid_credentials: 401,
  invalid_grant: 401,
  invalid_token: 401,
  invalid_client: 401,
  insufficient_scope: 403,
  invalid_origin: 403,
  signup_closed: 403,
  email_not_verified: 403,
  invalid_link: 400,
  not_found: 404,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  server_error: 500,
  service_unavailable: 503,
};

/**
 * How the OAuth API answers each code (RFC 6749 §5.2): wrong credentials and bad refresh tokens
 * are both `400 invalid_grant`; everything else as on the browser API. Typed by src/contract.
 */
export const OAUTH_ERROR: OAuthErrorAnswer = {
  invalid_request: ['invalid_request', 400],
  weak_password: ['weak_password', 400],
  unsupported_grant_type: ['unsupported_grant_type', 400],
  invalid_credentials: ['invalid_grant', 400],
  invalid_grant: ['invalid_grant', 400],
  invalid_token: ['invalid_token', 401],
  invalid_client: ['invalid_client', 401],
  insufficient_scope: ['insufficient_scope', 403],
  invalid_origin: ['invalid_origin', 403],
  signup_closed: ['signup_closed', 403],
  email_not_verified: ['email_not_verified', 403],
  invalid_link: ['invalid_link', 400],
  not_found: ['not_found', 404],
  email_taken: ['email_taken', 409],
  payload_too_large: ['payload_too_large', 413],
  unsupported_media_type: ['unsupported_media_type', 415],
  too_many_requests: ['too_many_requests', 429],
  server_error: ['server_error', 500],
  service_unavailable: ['service_unavailable', 503],
};
