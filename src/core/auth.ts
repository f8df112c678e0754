import type { EventType } from '../contract/index.ts';
import type { Clock } from './clock.ts';
import { badCredentials, fail, LatchkeyError } from './errors.ts';
import type { KeyRing } from './key-ring.ts';
import { passwordProblem } from './password-policy.ts';
import { hasUaChange, withoutRepeatedUaChange } from './repeated-binding-events.ts';
import { newAccount, type NewAccount } from './new-account.ts';
import type { PasswordHasher } from './passwords.ts';
import type { SessionPolicy } from './policy.ts';
import type { ParsedRefreshToken, RefreshTokenCodec } from './refresh-token.ts';
import { Recorder, type EventObserver } from './recorder.ts';
import { refreshVerdict, type RefreshVerdict } from './rules/refresh-verdict.ts';
import { startSession } from './session-start.ts';
import type { NewEvent, Rotation, SessionWithUser, Store } from './store.ts';
import { TokenIssuer, type IssuedTokens } from './token-issuer.ts';
import { isLive, normalizeEmail, publicUser, type RequestContext, type SecurityEvent, type Session, type User } from './types.ts';

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
  /** Told of every event after it is stored, with the request that caused it (logs, metrics). Must not throw. */
  readonly onEvents?: EventObserver;
}

/** The app and scope of a session started by an OAuth code exchange (src/oauth/). */
export interface ClientGrant {
  readonly clientId: string;
  readonly scope: string;
}

export type SignOutScope = 'others' | 'all';

/**
 * latchkey's domain: accounts, per-device sessions, rotation with reuse detection, and the events
 * that record every decision. Every session rule is a pure function in core/rules/; `Auth` does the
 * reading and writing around them. No HTTP and no SQL in here: requests arrive as plain values with
 * a {@link RequestContext}, failures leave as {@link LatchkeyError}.
 */
export class Auth {
  private readonly tokens: TokenIssuer;
  private readonly recorder: Recorder;

  constructor(private readonly o: AuthOptions) {
    this.tokens = new TokenIssuer({ ...o, accessTtl: o.policy.accessTtl });
    this.recorder = new Recorder(o.store, o.clock, o.onEvents);
  }

  /** Creates an account. @throws invalid_request, weak_password, email_taken */
  async register(input: NewAccount, request: RequestContext): Promise<User> {
    const user = await newAccount(input, this.o.passwords, this.o.clock);
    if (!(await this.o.store.createUser(user))) throw fail('email_taken', 'An account with this e-mail address exists already.');
    await this.recorder.record([this.recorder.event('registered', user.id, null, request)], request);
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
      await this.recorder.record([this.recorder.event('login_failed', user.id, null, request, user.disabledAt ? { reason: 'disabled' } : null)], request);
      throw badCredentials();
    }
    if (this.o.requireVerifiedEmail && !user.emailVerifiedAt) {
      throw fail('email_not_verified', 'Confirm your e-mail address first: open the link we sent you, or ask for a new one.');
    }
    return this.tokens.issue(user, await startSession(this.o, this.recorder, user, request));
  }

  /**
   * Starts a session for a user who proved who they are elsewhere (an OAuth authorization code),
   * under the same rules as a login (device replacement, limit, new-device event), bound to the app.
   * @throws invalid_grant when the user no longer exists or is disabled
   */
  async startClientSession(userId: string, request: RequestContext, grant: ClientGrant): Promise<IssuedTokens> {
    const user = await this.o.store.findUserById(userId);
    if (!user || user.disabledAt !== null) throw fail('invalid_grant', 'The account is not active.');
    const session = await startSession(this.o, this.recorder, user, request, grant).catch((err: unknown) => {
      throw err instanceof LatchkeyError && err.code === 'invalid_credentials' ? fail('invalid_grant', 'The account is not active.') : err;
    });
    return this.tokens.issue(user, session);
  }

  /** Records a refused login for an existing account (e.g. throttled); unknown e-mails leave no trace. */
  async recordLoginFailure(email: string, request: RequestContext, reason: string): Promise<void> {
    const user = await this.o.store.findUserByEmail(normalizeEmail(email));
    if (user) await this.recorder.record([this.recorder.event('login_failed', user.id, null, request, { reason })], request);
  }

  /**
   * Refreshes: reads the session and its user, lets {@link refreshVerdict} decide, and writes what it
   * decided. A rotation is one conditional write, made by the store in the same call as the read
   * when nothing else needs reading (on SQLite, one transaction); a request that loses the race to
   * rotate the same token is decided again as a replay of it (grace or reuse).
   * @throws invalid_grant
   */
  async refresh(token: string, request: RequestContext, clientId: string | null = null): Promise<IssuedTokens> {
    const parsed = this.o.refreshTokens.parse(token);
    if (!parsed) throw badGrant();
    const now = this.o.clock.now();
    let read: Judged | undefined;
    const rotated = await this.o.store.refreshSession(parsed.sessionId, (found) => {
      read = found && this.#judge(found, parsed, request, clientId, now);
      return read?.rotation;
    });
    if (!read) throw badGrant();
    const { user, rotation } = read;
    let { session, verdict } = read;
    if (verdict.kind === 'rotate') {
      let written = rotated ? rotation?.events : undefined;
      if (!rotation) {
        // A browser change logged under LATCHKEY_UA_CHANGE=log is recorded once: that needs a read first.
        const events = await withoutRepeatedUaChange(this.o.store, user.id, session.id, this.recorder.stamp(verdict.events, user.id, session, request));
        const update = { at: now, lastIp: request.ip, expiresAt: verdict.expiresAt };
        if (await this.o.store.rotateSession(session.id, session.counter, update, events)) written = events;
      }
      if (written) {
        this.recorder.told(written, request);
        return this.tokens.issue(user, { ...session, counter: session.counter + 1, expiresAt: verdict.expiresAt });
      }
      // Another request rotated this token first: this one is a replay of it.
      const current = await this.o.store.findSession(session.id);
      if (!current || current.revokedAt !== null) throw badGrant();
      session = current;
      verdict = refreshVerdict(session, parsed.counter, request, now, this.o.policy);
    }
    if (verdict.kind === 'grace') {
      // The grace answer leaves a trace (refresh_grace with the IP, the IP policy's events) and moves the last IP.
      const events = await withoutRepeatedUaChange(this.o.store, user.id, session.id, this.recorder.stamp(verdict.events, user.id, session, request));
      await this.o.store.noteSessionUse(session.id, { at: now, lastIp: request.ip }, events);
      this.recorder.told(events, request);
      return this.tokens.issue(user, session);
    }
    if (verdict.kind !== 'rotate') {
      await this.recorder.endSessions([session], verdict.revoke, request, this.recorder.stamp(verdict.events, user.id, session, request));
    }
    throw badGrant();
  }

  /**
   * A refresh's decision on what the store read, made between the read and the write (synchronous,
   * no store call): `undefined` for a token that is not genuine or a session or user no longer
   * active; else the verdict, and the rotation to make at once when it rotates and needs no other read.
   */
  #judge({ session, user }: SessionWithUser, parsed: ParsedRefreshToken, request: RequestContext, clientId: string | null, now: number): Judged | undefined {
    if (!this.o.refreshTokens.verify(parsed, session.nonce) || !isLive(session, now) || user.disabledAt !== null) return undefined;
    // A refresh token started by a code exchange is bound to its client (RFC 9700 §4.14).
    if ((session.clientId ?? null) !== null && session.clientId !== clientId) return undefined;
    const verdict = refreshVerdict(session, parsed.counter, request, now, this.o.policy);
    if (verdict.kind !== 'rotate' || hasUaChange(verdict.events)) return { session, user, verdict };
    const events = this.recorder.stamp(verdict.events, user.id, session, request);
    return { session, user, verdict, rotation: { fromCounter: session.counter, update: { at: now, lastIp: request.ip, expiresAt: verdict.expiresAt }, events } };
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
      const device = ids.length > 0 ? (await store.findSession(sessionId))?.device : undefined;
      const events = ids.map((id) => this.recorder.event('logout', userId, { id, device }, request));
      await store.insertEvents(events);
      return events;
    });
    this.recorder.told(revoked, request);
  }

  /**
   * The live session behind an access token's `sid`, for requests that manage the account: a
   * session revoked elsewhere stops them at once, not when the access token expires.
   * @throws invalid_token
   */
  async liveSession(claims: { readonly sub: string; readonly sid: string }): Promise<Session> {
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
    await this.recorder.endSessions([session], 'revoked_by_user', request);
  }

  /** Signs out every other session (`others`) or every session (`all`); returns how many ended. */
  async signOut(userId: string, currentSessionId: string, scope: SignOutScope, request: RequestContext): Promise<number> {
    const live = await this.sessions(userId);
    const ending = live.filter((s) => scope === 'all' || s.id !== currentSessionId);
    return (await this.recorder.endSessions(ending, scope === 'all' ? 'sign_out_all' : 'sign_out_others', request)).length;
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
      const live = await store.listLiveSessions(userId, this.o.clock.now());
      const others = live.filter((s) => s.id !== currentSessionId);
      const current = live.find((s) => s.id === currentSessionId) ?? currentSessionId;
      await this.recorder.endSessions(others, 'password_changed', request, [this.recorder.event('password_changed', userId, current, request)], store);
    });
  }

  /** Tells the event observer of events stored outside `Auth` (the account-mail flows), once committed. */
  told(events: readonly NewEvent[], request: RequestContext | null): void {
    this.recorder.told(events, request);
  }

  /** Ends `sessions` for `reason` with their `session_revoked` events: see {@link Recorder.endSessions}. */
  endSessions(...args: Parameters<Recorder['endSessions']>): Promise<string[]> {
    return this.recorder.endSessions(...args);
  }
}

/** What a refresh read and decided (see {@link Auth.refresh}). */
interface Judged extends SessionWithUser {
  readonly verdict: RefreshVerdict;
  readonly rotation?: Rotation;
}

function badGrant(): LatchkeyError {
  return fail('invalid_grant', 'The refresh token is invalid, expired or revoked; sign in again.');
}
