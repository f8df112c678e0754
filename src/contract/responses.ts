import type { EventDetail, EventType } from './events.ts';

/** The JSON bodies of latchkey's successful responses (docs/api.md). Times are ISO 8601 strings. Type-only. */

/** A user as `GET /auth/me` shows it. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  /** Absent when the user gave none. */
  readonly name?: string;
  readonly createdAt: string;
  /** Whether the user followed the confirmation link sent to `email`. */
  readonly emailVerified: boolean;
}

/** What a device's User-Agent says, parsed by the server at sign-in. */
export interface DeviceView {
  readonly browser: string;
  readonly os: string;
  readonly type: 'desktop' | 'mobile' | 'tablet' | 'unknown';
}

/** One signed-in device, as `GET /auth/sessions` lists it. */
export interface SessionView {
  readonly id: string;
  /** True for the session of the caller's own access token ("this device"). */
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastActiveAt: string;
  readonly expiresAt: string;
  /** The IP the device signed in from. */
  readonly ip: string;
  /** The IP of its latest refresh. */
  readonly lastIp: string;
  readonly userAgent: string;
  readonly deviceId: string | null;
  readonly device: DeviceView;
  /** The app whose sign-in (authorization code flow) started this session; `null` for a sign-in to latchkey itself. */
  readonly app?: { readonly clientId: string; readonly name: string } | null;
}

/** One security event, as `GET /auth/events` lists it. */
export interface EventView {
  readonly id: string;
  readonly type: EventType;
  readonly at: string;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The device of the session the event is about, as recorded with the event; absent for events about no session. */
  readonly device?: DeviceView;
  /** Absent when the event has none. */
  readonly detail?: EventDetail;
}

/** The body of a login or a refresh on the browser API: the refresh token travels only in the cookie. */
export interface SignInBody {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expires_in: number;
  readonly session_id: string;
  readonly user: UserView;
}

/** The body of a successful `POST /oauth/token` (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  /** One-time use: the next refresh needs the one it returns. */
  readonly refresh_token: string;
  /** Authorization code grant: the granted scope. */
  readonly scope?: string;
  /** Authorization code grant with scope `openid` (OpenID Connect Core §3.1.3.3). */
  readonly id_token?: string;
}

/** The claims of a latchkey access token (RFC 9068). */
export interface AccessClaims {
  readonly iss: string;
  /** The user id. */
  readonly sub: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  /** The session id: a revoked session stops account requests at once. */
  readonly sid: string;
  /** Absent when the user holds no role. */
  readonly roles?: readonly string[];
  /** Whether the user has verified the account's e-mail address (an extension to RFC 9068's list). */
  readonly email_verified: boolean;
  /** RFC 9068 §2.2: the OAuth client the token was issued to (sessions started by a code exchange). */
  readonly client_id?: string;
  /** The scope granted to that client, space-separated. */
  readonly scope?: string;
}
