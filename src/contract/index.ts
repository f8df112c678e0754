/**
 * What crosses the wire, written once: error codes and their statuses, event types, revoke
 * reasons, response bodies and access-token claims. Type-only; core, http, client and web import
 * it. The prose version is docs/api.md.
 */
export type { BrowserErrorStatus, ErrorBody, ErrorCode, OAuthErrorAnswer, OAuthErrorCode } from './errors.ts';
export type { EventDetail, EventType, RevokeReason, SuspiciousReason } from './events.ts';
export type { AccessClaims, DeviceView, EventView, SessionView, SignInBody, TokenResponse, UserView } from './responses.ts';
