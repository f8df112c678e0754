import { randomUUID } from 'node:crypto';
import type { NewEvent, Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { checkDeviceBinding } from './device-binding.ts';
import { deviceFingerprint, parseDevice } from './device.ts';
import { fail, LatchkeyError } from './errors.ts';
import type { KeyRing } from './key-ring.ts';
import { passwordProblem } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { SessionPolicy } from './policy.ts';
import { RefreshTokenCodec } from './refresh-token.ts';
import { isLive, normalizeEmail, type EventDetail, type EventType, type RequestContext, type SecurityEvent, type Session, type User, type UserRecord } from './types.ts';

export interface AuthOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly policy: SessionPolicy;
  readonly keys: KeyRing;
  readonly passwords: PasswordHasher;
  readonly refreshTokens: RefreshTokenCodec;
  readonly issuer: string;
  readonly audience: string;
  /** `LATCHKEY_REQUIRE_VERIFIED_EMAIL`: logins before the address is verified get `email_not_verified`. */
  readonly requireVerifiedEmail?: boolean;
  /** Told of every event after it is stored (logs, metrics). Must not throw. */
  readonly onEvents?: (events: readonly NewEvent[]) => void;
}

/** What a login or a refresh hands to the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly refreshToken: string;
  /** Seconds the session (and so this refresh token) can live at most, for the cookie's Max-Age. */
  readonly refreshExpiresIn: number;
  readonly sessionId: string;
  readonly user: User;
}

/** The claims of a latchkey access token (RFC 9068). */
export interface AccessClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly sid: string;
  readonly roles?: readonly string[];
  /** Whether the user has verified the account's e-mail address (an extension to RFC 9068's list). */
  readonly email_verified: boolean;
  /** RFC 9068 §2.2: the OAuth client the token was issued to (sessions started by a code exchange). */
  readonly client_id?: string;
  /** The scope granted to that client, space-separated. */
  readonly scope?: string;
}

/** The app and scope of a session started by an OAuth code exchange (src/oauth/). */
export interface ClientGrant {
  readonly clientId: string;
  readonly scope: string;
}

export type SignOutScope = 'others' | 'all';

/** What latchkey accepts as an e-mail address (with at most 254 characters). */
export const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * latchkey's domain: accounts, per-device sessions, rotation with reuse detection, and the events
 * that record every decision. No HTTP and no SQL in here: requests arrive as plain values with a
 * {@link RequestContext}, failures leave as {@link LatchkeyError}.
 */
export class Auth {
  constructor(private readonly o: AuthOptions) {}

  /** Creates an account. @throws invalid_request, weak_password, email_taken */
  async register(input: { email: string; password: string; name?: string | null; locale?: string }, request: RequestContext): Promise<User> {
    const email = input.email.trim();
    if (!EMAIL.test(email) || email.length > 254) throw fail('invalid_request', 'email must be an e-mail address.');
    const problem = passwordProblem(input.password, email);
    if (problem) throw fail('weak_password', problem);
    const user: UserRecord = {
      id: randomUUID(),
      email,
      name: input.name?.trim() || null,
      createdAt: this.o.clock.now(),
      disabledAt: null,
      roles: [],
      passwordHash: await this.o.passwords.hash(input.password),
      emailVerifiedAt: null,
      locale: input.locale ?? null,
    };
    if (!(await this.o.store.createUser(user))) throw fail('email_taken', 'An account with this e-mail address exists already.');
    await this.record([this.event('registered', user.id, null, request)]);
    return publicUser(user);
  }

  /**
   * Checks the password and starts a session for the requesting device. An unknown e-mail costs the
   * same argon2id time as a wrong password and gets the same error.
   * @throws invalid_credentials
   */
  async login(input: { email: string; password: string }, request: RequestContext): Promise<IssuedTokens> {
    const user = await this.o.store.findUserByEmail(normalizeEmail(input.email));
    if (!user) {
      await this.o.passwords.verifyNothing(input.password);
      throw badCredentials();
    }
    if (!(await this.o.passwords.verify(user.passwordHash, input.password)) || user.disabledAt !== null) {
      await this.record([this.event('login_failed', user.id, null, request, user.disabledAt ? { reason: 'disabled' } : null)]);
      throw badCredentials();
    }
    if (this.o.requireVerifiedEmail && !user.emailVerifiedAt) {
      throw fail('email_not_verified', 'Confirm your e-mail address first: open the link we sent you, or ask for a new one.');
    }
    return this.startSession(user, request);
  }

  /** Records a refused login for an existing account (e.g. throttled); unknown e-mails leave no trace. */
  async recordLoginFailure(email: string, request: RequestContext, reason: string): Promise<void> {
    const user = await this.o.store.findUserByEmail(normalizeEmail(email));
    if (user) await this.record([this.event('login_failed', user.id, null, request, { reason })]);
  }

  /**
   * Rotates a refresh token: the token at the session's counter is retired and the next one issued,
   * in one conditional write. The token retired just before, replayed by the same device within
   * `policy.grace` seconds, gets the current token back and changes nothing; any other retired
   * token ends the session (`refresh_token_reuse`).
   * @throws invalid_grant
   */
  async refresh(token: string, request: RequestContext, clientId: string | null = null): Promise<IssuedTokens> {
    const parsed = this.o.refreshTokens.parse(token);
    const found = parsed && (await this.o.store.findSessionWithUser(parsed.sessionId)); // one query for both
    let session = found?.session;
    if (!parsed || !session || !this.o.refreshTokens.verify(parsed, session.nonce)) throw badGrant();
    const now = this.o.clock.now();
    if (!isLive(session, now)) throw badGrant();
    const user = found?.user;
    if (!user || user.disabledAt !== null) throw badGrant();
    // A refresh token started by a code exchange is bound to its client (RFC 9700 §4.14).
    if ((session.clientId ?? null) !== null && session.clientId !== clientId) throw badGrant();

    if (parsed.counter === session.counter) {
      const verdict = checkDeviceBinding(session, request, this.o.policy);
      const events = verdict.events.map((e) => this.event(e.type, user.id, session!.id, request, e.detail));
      if (verdict.revoke) {
        await this.endSessions([session], verdict.revoke, request, events);
        throw badGrant();
      }
      const expiresAt = Math.min(now + this.o.policy.idleTtl * 1000, session.createdAt + this.o.policy.maxAge * 1000);
      const update = { at: now, lastIp: request.ip, expiresAt };
      const rotated = [this.event('refresh', user.id, session.id, request), ...events];
      if (await this.o.store.rotateSession(session.id, session.counter, update, rotated)) {
        this.o.onEvents?.(rotated);
        return this.issue(user, { ...session, counter: session.counter + 1, expiresAt });
      }
      // Another request rotated this token first: answer as its replay (the grace rule below).
      session = await this.o.store.findSession(session.id);
      if (!session || session.revokedAt !== null) throw badGrant();
    }

    if (this.isGraceReplay(session, parsed.counter, request, now)) return this.issue(user, session);
    await this.endSessions([session], 'refresh_token_reuse', request, [
      this.event('refresh_token_reuse', user.id, session.id, request, { tokenAge: session.counter - parsed.counter }),
    ]);
    throw badGrant();
  }

  /** Ends the session a refresh token belongs to (any token of its chain). Idempotent. */
  async logoutWithRefreshToken(token: string, request: RequestContext): Promise<void> {
    const parsed = this.o.refreshTokens.parse(token);
    const session = parsed && (await this.o.store.findSession(parsed.sessionId));
    if (!parsed || !session || !this.o.refreshTokens.verify(parsed, session.nonce)) return;
    await this.logout(session.userId, session.id, request);
  }

  /** Ends one session of `userId`, as its own device signing out. Idempotent. */
  async logout(userId: string, sessionId: string, request: RequestContext): Promise<void> {
    const revoked = await this.o.store.transaction(async (store) => {
      const ids = await store.revokeSessions([sessionId], 'logout', this.o.clock.now());
      const events = ids.map((id) => this.event('logout', userId, id, request));
      await store.insertEvents(events);
      return events;
    });
    this.o.onEvents?.(revoked);
  }

  /**
   * The live session behind an access token's `sid`, for requests that manage the account: a
   * session revoked elsewhere stops them at once, not when the access token expires.
   * @throws invalid_token
   */
  async liveSession(claims: Pick<AccessClaims, 'sub' | 'sid'>): Promise<Session> {
    const session = await this.o.store.findSession(claims.sid);
    if (!session || session.userId !== claims.sub || !isLive(session, this.o.clock.now())) {
      throw fail('invalid_token', 'The session of this access token has ended.');
    }
    return session;
  }

  /** @throws not_found */
  async user(userId: string): Promise<User> {
    const user = await this.o.store.findUserById(userId);
    if (!user) throw fail('not_found', 'No such user.');
    return publicUser(user);
  }

  /** The user's live sessions, most recently used first. */
  sessions(userId: string): Promise<Session[]> {
    return this.o.store.listLiveSessions(userId, this.o.clock.now());
  }

  /** Ends one of the user's sessions. @throws not_found for an unknown id or another user's session */
  async revokeSession(userId: string, sessionId: string, request: RequestContext): Promise<void> {
    const session = await this.o.store.findSession(sessionId);
    if (!session || session.userId !== userId || !isLive(session, this.o.clock.now())) {
      throw fail('not_found', 'No such session.');
    }
    await this.endSessions([session], 'revoked_by_user', request);
  }

  /** Signs out every other session (`others`) or every session (`all`); returns how many ended. */
  async signOut(userId: string, currentSessionId: string, scope: SignOutScope, request: RequestContext): Promise<number> {
    const live = await this.sessions(userId);
    const ending = live.filter((s) => scope === 'all' || s.id !== currentSessionId);
    return (await this.endSessions(ending, scope === 'all' ? 'sign_out_all' : 'sign_out_others', request)).length;
  }

  /** The user's security events, newest first. */
  events(userId: string, limit = 50, types?: readonly EventType[]): Promise<SecurityEvent[]> {
    return this.o.store.listEvents(userId, limit, types);
  }

  /**
   * Changes the password and ends every other session of the user.
   * @throws invalid_credentials when `currentPassword` is wrong; weak_password
   */
  async changePassword(
    userId: string,
    currentSessionId: string,
    input: { currentPassword: string; newPassword: string },
    request: RequestContext,
  ): Promise<void> {
    const user = await this.o.store.findUserById(userId);
    if (!user || !(await this.o.passwords.verify(user.passwordHash, input.currentPassword))) throw badCredentials();
    const problem = passwordProblem(input.newPassword, user.email);
    if (problem) throw fail('weak_password', problem);
    const passwordHash = await this.o.passwords.hash(input.newPassword);
    await this.o.store.transaction(async (store) => {
      await store.updateUser(userId, { passwordHash });
      const others = (await store.listLiveSessions(userId, this.o.clock.now())).filter((s) => s.id !== currentSessionId);
      await this.endSessions(others, 'password_changed', request, [
        this.event('password_changed', userId, currentSessionId, request),
      ], store);
    });
  }

  /**
   * Ends `sessions` for `reason`: one `session_revoked` event for each that was still unrevoked, plus
   * `events`, in one transaction. Returns the ids it ended.
   */
  async endSessions(
    sessions: readonly Pick<Session, 'id' | 'userId'>[],
    reason: string,
    request: RequestContext | null,
    events: readonly NewEvent[] = [],
    within: Store = this.o.store,
  ): Promise<string[]> {
    const owners = new Map(sessions.map((s) => [s.id, s.userId]));
    const written = await within.transaction(async (store) => {
      const revoked = await store.revokeSessions([...owners.keys()], reason, this.o.clock.now());
      const all = [
        ...events,
        ...revoked.map((id) => this.event('session_revoked', owners.get(id)!, id, request, { reason })),
      ];
      await store.insertEvents(all);
      return { revoked, all };
    });
    this.o.onEvents?.(written.all);
    return written.revoked;
  }

  /**
   * Starts a session for a user who proved who they are elsewhere (an OAuth authorization code),
   * under the same rules as a login (device replacement, limit, new-device event), bound to the app.
   * @throws invalid_grant when the user no longer exists or is disabled
   */
  async startClientSession(userId: string, request: RequestContext, grant: ClientGrant): Promise<IssuedTokens> {
    const user = await this.o.store.findUserById(userId);
    if (!user || user.disabledAt !== null) throw fail('invalid_grant', 'The account is not active.');
    return this.startSession(user, request, grant).catch((err: unknown) => {
      throw err instanceof LatchkeyError && err.code === 'invalid_credentials' ? fail('invalid_grant', 'The account is not active.') : err;
    });
  }

  private async startSession(user: UserRecord, request: RequestContext, grant?: ClientGrant): Promise<IssuedTokens> {
    const device = parseDevice(request.userAgent);
    const now = this.o.clock.now();
    const session: Session = {
      id: randomUUID(),
      userId: user.id,
      nonce: RefreshTokenCodec.newNonce(),
      counter: 0,
      createdAt: now,
      lastActiveAt: now,
      rotatedAt: null,
      expiresAt: now + Math.min(this.o.policy.idleTtl, this.o.policy.maxAge) * 1000,
      userAgent: request.userAgent,
      device,
      ip: request.ip,
      lastIp: request.ip,
      deviceId: request.deviceId,
      revokedAt: null,
      revokeReason: null,
      ...(grant && { clientId: grant.clientId, scope: grant.scope }),
    };
    const events = await this.o.store.transaction(async (store) => {
      // A disable that committed while the password was being checked must win over this login.
      if ((await store.findUserById(user.id))?.disabledAt !== null) throw badCredentials();
      // Only a device id (replace) or a session limit (evict) needs the user's other sessions: without
      // either, skip reading them (a user with hundreds of sessions made every login slower).
      const max = this.o.policy.maxSessions;
      const live = request.deviceId || max > 0 ? await store.listLiveSessions(user.id, now) : [];
      const replaced = request.deviceId ? live.filter((s) => s.deviceId === request.deviceId) : [];
      const remaining = live.filter((s) => !replaced.includes(s));
      const evicted = max > 0 ? remaining.slice(Math.max(0, max - 1)) : [];
      await this.endSessions(replaced, 'replaced', request, [], store);
      await this.endSessions(evicted, 'limit', request, [], store);
      await store.insertSession(session);
      const events = [this.event('login', user.id, session.id, request, grant ? { clientId: grant.clientId } : null)];
      if (await store.rememberDevice(user.id, deviceFingerprint(device, request.deviceId), now)) {
        events.push(this.event('new_device', user.id, session.id, request, { ...device }));
      }
      await store.insertEvents(events);
      return events;
    });
    this.o.onEvents?.(events);
    return this.issue(user, session);
  }

  private isGraceReplay(session: Session, counter: number, request: RequestContext, now: number): boolean {
    return (
      counter === session.counter - 1 &&
      session.rotatedAt !== null &&
      now - session.rotatedAt < this.o.policy.grace * 1000 && // half-open: LATCHKEY_REFRESH_GRACE=0 means no window
      checkDeviceBinding(session, request, this.o.policy).revoke === null
    );
  }

  private issue(user: UserRecord, session: Session): IssuedTokens {
    const now = this.o.clock.now();
    const iat = Math.floor(now / 1000);
    const claims: AccessClaims = {
      iss: this.o.issuer,
      sub: user.id,
      aud: this.o.audience,
      iat,
      exp: iat + this.o.policy.accessTtl,
      jti: randomUUID(),
      sid: session.id,
      ...(user.roles.length > 0 && { roles: user.roles }),
      email_verified: Boolean(user.emailVerifiedAt),
      ...(session.clientId && { client_id: session.clientId, scope: session.scope ?? '' }),
    };
    return {
      accessToken: this.o.keys.sign(claims),
      expiresIn: this.o.policy.accessTtl,
      refreshToken: this.o.refreshTokens.issue(session.id, session.nonce, session.counter),
      refreshExpiresIn: Math.max(0, Math.floor((session.expiresAt - now) / 1000)),
      sessionId: session.id,
      user: publicUser(user),
    };
  }

  private async record(events: NewEvent[]): Promise<void> {
    await this.o.store.insertEvents(events);
    this.o.onEvents?.(events);
  }

  private event(
    type: EventType,
    userId: string,
    sessionId: string | null,
    request: RequestContext | null,
    detail: EventDetail | null = null,
  ): NewEvent {
    return {
      id: randomUUID(),
      userId,
      type,
      at: this.o.clock.now(),
      sessionId,
      ip: request?.ip ?? null,
      userAgent: request?.userAgent ?? null,
      detail,
    };
  }
}

/** The user as clients see it: no password hash. */
export function publicUser(user: User): User {
  return {
    id: user.id, email: user.email, name: user.name, createdAt: user.createdAt, disabledAt: user.disabledAt, roles: user.roles,
    emailVerifiedAt: user.emailVerifiedAt ?? null,
  };
}

function badCredentials(): LatchkeyError {
  return fail('invalid_credentials', 'The e-mail address or the password is wrong.');
}

function badGrant(): LatchkeyError {
  return fail('invalid_grant', 'The refresh token is invalid, expired or revoked; sign in again.');
}
