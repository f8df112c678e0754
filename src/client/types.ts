import type { DeviceView, EventType, EventView, SessionView, UserView } from '../contract/index.ts';

/** The records the browser API returns (docs/api.md): the server's own wire types. Times are ISO 8601 strings. */

/** A user as `GET /auth/me` shows it. */
export type User = UserView;

/** What a device's User-Agent says, parsed by the server at sign-in. */
export type Device = DeviceView;

/** One signed-in device, as `GET /auth/sessions` lists it. */
export type SessionInfo = SessionView;

/** The kinds of security event the server records. */
export type SecurityEventType = EventType;

/** One security event, as `GET /auth/events` lists it. */
export interface SecurityEvent extends Omit<EventView, 'type'> {
  /** One of {@link SecurityEventType}; a newer server may send types this SDK does not know yet. */
  readonly type: SecurityEventType | (string & {});
}

/** What a successful sign-in (or restore) gives the app. The tokens stay inside the client. */
export interface SignIn {
  readonly user: User;
  readonly sessionId: string;
  /** Seconds until the current access token expires (the client refreshes it by itself). */
  readonly expiresIn: number;
}
