import type { Revocation } from './revocation-hub.ts';

/** The OpenID CAEP event type of an ended session. */
export const CAEP_SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';

/** Who ended the session, in CAEP's words, for each revoke reason latchkey records. */
export function initiatingEntity(reason: string): 'user' | 'admin' | 'policy' | 'system' {
  if (['logout', 'revoked_by_user', 'sign_out_others', 'sign_out_all', 'password_changed'].includes(reason)) return 'user';
  if (['revoked_by_admin', 'user_disabled'].includes(reason)) return 'admin';
  if (['refresh_token_reuse', 'suspicious_refresh', 'limit', 'replaced'].includes(reason)) return 'policy';
  return 'system';
}

/**
 * The claims of a Security Event Token (RFC 8417) saying that a session was revoked, in the shape
 * of the OpenID Shared Signals Framework 1.0: the subject is a complex subject identifier
 * (RFC 9493) naming the session (`opaque`, the `sid`) and the user (`iss_sub`), and the one event is
 * CAEP's `session-revoked` with `event_timestamp`, `initiating_entity` and `reason_admin`.
 * The `jti` is the id of the event that ended the session.
 *
 * @example
 * const jwt = keys.sign(sessionRevokedSet(revocation, eventId, { issuer, audience, now }), 'secevent+jwt')
 */
export function sessionRevokedSet(r: Revocation, jti: string, o: { issuer: string; audience: string; now: number }) {
  return {
    iss: o.issuer,
    jti,
    iat: Math.floor(o.now / 1000),
    aud: o.audience,
    sub_id: {
      format: 'complex',
      session: { format: 'opaque', id: r.sid },
      user: { format: 'iss_sub', iss: o.issuer, sub: r.sub },
    },
    events: {
      [CAEP_SESSION_REVOKED]: {
        event_timestamp: Math.floor(r.at / 1000),
        initiating_entity: initiatingEntity(r.reason),
        reason_admin: { en: r.reason },
      },
    },
  };
}
