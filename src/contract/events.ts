/** The security events latchkey records and shows (docs/api.md, "Security events"). Type-only. */

/** Every kind of security event. */
export type EventType =
  | 'login'
  | 'login_failed'
  | 'refresh'
  | 'refresh_grace'
  | 'logout'
  | 'session_revoked'
  | 'refresh_token_reuse'
  | 'suspicious_refresh'
  | 'ip_changed'
  | 'password_changed'
  | 'new_device'
  | 'registered'
  /** A password was set with an e-mailed reset link; every session ended. */
  | 'password_reset'
  /** The user followed a confirmation link (or an operator vouched for the address). */
  | 'email_verified'
  /** A signed-in user asked to move the account to `detail.newEmail`; nothing changes before the link is followed. */
  | 'email_change_requested'
  /** The account moved from `detail.previousEmail` to its current address. */
  | 'email_changed';

/**
 * Why a session ended: `detail.reason` of a `session_revoked` event, and the session's
 * `revokeReason`.
 */
export type RevokeReason =
  /** The device signed out (`POST /auth/logout`, `/oauth/revoke`). */
  | 'logout'
  /** The user ended it from the session list (`DELETE /auth/sessions/:id`). */
  | 'revoked_by_user'
  /** "Sign out all other devices" (`DELETE /auth/sessions?scope=others`). */
  | 'sign_out_others'
  /** "Sign out everywhere" (`DELETE /auth/sessions?scope=all`). */
  | 'sign_out_all'
  /** The password was changed from another session (or set by an operator). */
  | 'password_changed'
  /** The password was reset with an e-mailed link: every session ends. */
  | 'password_reset'
  /** A new login beyond `LATCHKEY_MAX_SESSIONS` ended the least recently used session. */
  | 'limit'
  /** A new login with the same `X-Device-Id` replaced this device's session. */
  | 'replaced'
  /** A retired refresh token was presented outside the grace window. */
  | 'refresh_token_reuse'
  /** A refresh came from another device, browser family or (by setting) IP. */
  | 'suspicious_refresh'
  /** An operator disabled the account (`latchkey users disable`). */
  | 'user_disabled'
  /** An operator ended the session (`latchkey sessions revoke`). */
  | 'revoked_by_admin'
  /** An authorization code was exchanged a second time: the session it started ends (RFC 6749 §4.1.2). */
  | 'authorization_code_reuse';

/** Why a `suspicious_refresh` was recorded: `detail.reason` of that event. */
export type SuspiciousReason = 'device_id' | 'user_agent' | 'ip';

/** An event's `detail`: a flat object of a few named values. */
export type EventDetail = Readonly<Record<string, string | number | boolean | null>>;
