/** The records the browser API returns (contract, section 3). Times are ISO 8601 strings. */

/** A user as `GET /auth/me` shows it. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly createdAt: string;
  /** Whether the user followed the confirmation link sent to `email`. */
  readonly emailVerified?: boolean;
}

/** What a device's User-Agent says, parsed by the server at sign-in. */
export interface Device {
  readonly browser: string;
  readonly os: string;
  readonly type: 'desktop' | 'mobile' | 'tablet' | 'unknown';
}

/** One signed-in device, as `GET /auth/sessions` lists it. */
export interface SessionInfo {
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
  readonly device: Device;
  /** The app whose sign-in (authorization code flow) started this session; `null` for a sign-in to latchkey itself. */
  readonly app?: { readonly clientId: string; readonly name: string } | null;
}

/** The kinds of security event the server records. */
export type SecurityEventType =
  | 'login'
  | 'login_failed'
  | 'refresh'
  | 'logout'
  | 'session_revoked'
  | 'refresh_token_reuse'
  | 'suspicious_refresh'
  | 'ip_changed'
  | 'password_changed'
  | 'new_device'
  | 'registered'
  | 'password_reset'
  | 'email_verified'
  | 'email_change_requested'
  | 'email_changed';

/** One security event, as `GET /auth/events` lists it. */
export interface SecurityEvent {
  readonly id: string;
  /** One of {@link SecurityEventType}; a newer server may send types this SDK does not know yet. */
  readonly type: SecurityEventType | (string & {});
  readonly at: string;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** What a successful sign-in (or restore) gives the app. The tokens stay inside the client. */
export interface SignIn {
  readonly user: User;
  readonly sessionId: string;
  /** Seconds until the current access token expires (the client refreshes it by itself). */
  readonly expiresIn: number;
}
