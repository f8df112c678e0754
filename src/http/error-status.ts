import type { ErrorCode } from '../core/errors.ts';

/** The one table from error code to HTTP status. Every code has exactly one row (a test checks it). */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  weak_password: 400,
  unsupported_grant_type: 400,
  invalid_credentials: 401,
  invalid_grant: 401,
  invalid_token: 401,
  invalid_client: 401,
  insufficient_scope: 403,
  invalid_origin: 403,
  email_not_verified: 403,
  invalid_link: 400,
  not_found: 404,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  service_unavailable: 503,
};
