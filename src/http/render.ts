import type { EventView, SessionView, SignInBody, UserView } from '../contract/index.ts';
import { sessionDeviceOf } from '../core/event-device.ts';
import type { IssuedTokens } from '../core/token-issuer.ts';
import type { SecurityEvent, Session, User } from '../core/types.ts';

/** How the HTTP API shows the domain's records, in the shapes of src/contract (docs/api.md). Times become ISO 8601. */

export function renderUser(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    ...(user.name !== null && { name: user.name }),
    createdAt: iso(user.createdAt),
    emailVerified: Boolean(user.emailVerifiedAt),
  };
}

/** `appNames`: the name of each OAuth client by id, for sessions an app started (`app`). */
export function renderSession(session: Session, currentSessionId: string, appNames: ReadonlyMap<string, string> = new Map()): SessionView {
  return {
    id: session.id,
    current: session.id === currentSessionId,
    createdAt: iso(session.createdAt),
    lastActiveAt: iso(session.lastActiveAt),
    expiresAt: iso(session.expiresAt),
    ip: session.ip,
    lastIp: session.lastIp,
    userAgent: session.userAgent,
    deviceId: session.deviceId,
    device: session.device,
    app: session.clientId ? { clientId: session.clientId, name: appNames.get(session.clientId) ?? session.clientId } : null,
  };
}

export function renderEvent(event: SecurityEvent): EventView {
  const { device, detail } = sessionDeviceOf(event.detail);
  return {
    id: event.id,
    type: event.type,
    at: iso(event.at),
    sessionId: event.sessionId,
    ip: event.ip,
    userAgent: event.userAgent,
    ...(device !== null && { device }),
    ...(detail !== null && { detail }),
  };
}

/** The body of a login or refresh on the browser API: everything but the refresh token. */
export function renderSignIn(tokens: IssuedTokens): SignInBody {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: tokens.expiresIn,
    session_id: tokens.sessionId,
    user: renderUser(tokens.user),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
