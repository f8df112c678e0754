import type { EventDetail, EventType, RevokeReason } from '../contract/index.ts';

/** The domain's records. Times are milliseconds since the Unix epoch; the HTTP layer renders them as ISO 8601. */

export interface User {
  readonly id: string;
  /** As the user typed it; compared case-insensitively through {@link normalizeEmail}. */
  readonly email: string;
  readonly name: string | null;
  readonly createdAt: number;
  readonly disabledAt: number | null;
  readonly roles: readonly string[];
  /** When the user followed a verification link (or an operator vouched); `null` while unverified. */
  readonly emailVerifiedAt?: number | null;
}

export interface UserRecord extends User {
  readonly passwordHash: string;
  /**
   * Changes whenever the password hash or the disabled state does (the store bumps it). A login
   * starts its session only if the user is still at the version whose hash it checked. Absent on a
   * record not read from a store (a store creates users at version 0).
   */
  readonly credentialVersion?: number;
  /** The language of the user's e-mail (`en`, `ko`), from `Accept-Language` at sign-up. */
  readonly locale?: string | null;
}

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'unknown';

/** What a User-Agent says about the device, parsed once at login. */
export interface Device {
  readonly browser: string;
  readonly os: string;
  readonly type: DeviceType;
}

/** Who is asking: the device data of one request. */
export interface RequestContext {
  readonly userAgent: string;
  /** The client IP as the HTTP layer determined it (socket address, or a trusted proxy's X-Forwarded-For). */
  readonly ip: string;
  /** The `X-Device-Id` header, a UUID that native apps send; `null` when absent. */
  readonly deviceId: string | null;
}

/** One device's refresh-token chain. No usable token is stored: see core/refresh-token.ts. */
export interface Session {
  readonly id: string;
  readonly userId: string;
  /** Random per-session value mixed into every token's MAC (base64url); useless without the server secret. */
  readonly nonce: string;
  /** The position of the live token in the chain; the token at `counter - 1` is the one just retired. */
  readonly counter: number;
  readonly createdAt: number;
  readonly lastActiveAt: number;
  /** When the token at `counter - 1` was retired; `null` before the first refresh. */
  readonly rotatedAt: number | null;
  /** When the session ends: the earlier of idle expiry and absolute expiry. */
  readonly expiresAt: number;
  readonly userAgent: string;
  readonly device: Device;
  readonly ip: string;
  readonly lastIp: string;
  readonly deviceId: string | null;
  readonly revokedAt: number | null;
  readonly revokeReason: RevokeReason | null;
  /** The OAuth client (app) whose code exchange started the session; `null`/absent for a login. */
  readonly clientId?: string | null;
  /** The scope granted to that client, space-separated; `null`/absent for a login. */
  readonly scope?: string | null;
}

/** A security event: every decision the core takes about a user's access is recorded as one. */
export interface SecurityEvent {
  readonly id: string;
  readonly userId: string;
  readonly type: EventType;
  readonly at: number;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly detail: EventDetail | null;
}

/** True while a session can still be used at `now`: not revoked and not expired. */
export function isLive(session: Pick<Session, 'revokedAt' | 'expiresAt'>, now: number): boolean {
  return session.revokedAt === null && now < session.expiresAt;
}

/** Lower-cased, trimmed and NFKC-normalised: the form in which e-mail addresses are compared. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFKC').toLowerCase();
}

/** The user as clients see it: no password hash. */
export function publicUser(user: User): User {
  return {
    id: user.id, email: user.email, name: user.name, createdAt: user.createdAt, disabledAt: user.disabledAt, roles: user.roles,
    emailVerifiedAt: user.emailVerifiedAt ?? null,
  };
}
