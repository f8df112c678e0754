import type { Store } from './store.ts';
import type { Auth } from './auth.ts';
import type { Clock } from './clock.ts';
import { fail } from './errors.ts';
import { ROLE_NAME } from './role-name.ts';
import { isLive, normalizeEmail, type RequestContext, type Session, type User, type UserRecord } from './types.ts';


/** How many roles one user may hold (they all travel in every access token). */
export const MAX_ROLES = 32;

/** The request context of operator actions: recorded on events as coming from the command line. */
export const OPERATOR: RequestContext = Object.freeze({ userAgent: 'latchkey-cli', ip: 'local', deviceId: null });

/**
 * What an operator does to accounts: create, disable and enable users, grant and take roles, list
 * and end sessions. Domain rules only (no SQL, no HTTP): it goes through the {@link Store} and the
 * {@link Auth} core, so ending sessions records the same `session_revoked` events as everything else.
 *
 * @example
 * const admin = new UserAdmin(store, auth, systemClock)
 * await admin.disable('ann@example.com') // her sessions end now; login and refresh are refused
 * await admin.addRole('bob@example.com', 'billing:admin')
 */
export class UserAdmin {
  constructor(
    private readonly store: Store,
    private readonly auth: Auth,
    private readonly clock: Clock,
  ) {}

  /** Creates an account (the password rules of self-registration apply). @throws invalid_request, weak_password, email_taken */
  create(email: string, password: string, name?: string | null): Promise<User> {
    return this.auth.register({ email, password, name: name ?? null }, OPERATOR);
  }

  /** The user with this e-mail (compared case-insensitively). @throws not_found */
  async find(email: string): Promise<UserRecord> {
    const user = await this.store.findUserByEmail(normalizeEmail(email));
    if (!user) throw fail('not_found', `No user with the e-mail address ${email}.`);
    return user;
  }

  /** Every user, oldest first, read in pages of `pageSize`. */
  async *list(pageSize = 500): AsyncGenerator<UserRecord> {
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.store.listUsers(pageSize, offset);
      yield* page;
      if (page.length < pageSize) return;
    }
  }

  /**
   * Disables the account and, in the same transaction, ends every live session of it (reason
   * `user_disabled`, one `session_revoked` event each). From then on its logins and refreshes are
   * refused. Access tokens already issued stay valid until they expire (at most the access TTL).
   * Returns the ids of the sessions it ended. Idempotent. @throws not_found
   */
  async disable(email: string): Promise<string[]> {
    const user = await this.find(email);
    return this.store.transaction(async (store) => {
      const now = this.clock.now();
      if (user.disabledAt === null) await store.updateUser(user.id, { disabledAt: now });
      const live = await store.listLiveSessions(user.id, now);
      return this.auth.endSessions(live, 'user_disabled', null, [], store);
    });
  }

  /** Lets a disabled account log in again (its ended sessions stay ended). Idempotent. @throws not_found */
  async enable(email: string): Promise<void> {
    const user = await this.find(email);
    if (user.disabledAt !== null) await this.store.updateUser(user.id, { disabledAt: null });
  }

  /** The user's roles, sorted. @throws not_found */
  async roles(email: string): Promise<readonly string[]> {
    return [...(await this.find(email)).roles].sort();
  }

  /**
   * Grants `role`; it appears in the `roles` claim of access tokens issued from now on (at the next
   * refresh of each session). Returns the roles after the change. @throws invalid_request, not_found
   */
  async addRole(email: string, role: string): Promise<readonly string[]> {
    checkRoleName(role);
    const user = await this.find(email);
    if (user.roles.includes(role)) return [...user.roles].sort();
    if (user.roles.length >= MAX_ROLES) throw fail('invalid_request', `A user may hold at most ${MAX_ROLES} roles.`);
    const roles = [...user.roles, role].sort();
    await this.store.updateUser(user.id, { roles });
    return roles;
  }

  /**
   * Takes `role` away. Access tokens already issued keep it until they expire. Returns the roles
   * after the change. @throws invalid_request, not_found
   */
  async removeRole(email: string, role: string): Promise<readonly string[]> {
    checkRoleName(role);
    const user = await this.find(email);
    const roles = user.roles.filter((r) => r !== role).sort();
    if (roles.length !== user.roles.length) await this.store.updateUser(user.id, { roles });
    return roles;
  }

  /** The user's live sessions, most recently used first. @throws not_found */
  async sessions(email: string): Promise<Session[]> {
    const user = await this.find(email);
    return this.store.listLiveSessions(user.id, this.clock.now());
  }

  /** Ends one session by id (reason `revoked_by_admin`). @throws not_found when it is unknown or over */
  async revokeSession(sessionId: string): Promise<void> {
    const session = await this.store.findSession(sessionId);
    if (!session || !isLive(session, this.clock.now())) {
      throw fail('not_found', `No live session with the id ${sessionId}.`);
    }
    await this.auth.endSessions([session], 'revoked_by_admin', null);
  }

  /** Ends every live session of the user (reason `revoked_by_admin`); returns how many ended. @throws not_found */
  async revokeAllSessions(email: string): Promise<number> {
    const live = await this.sessions(email);
    return (await this.auth.endSessions(live, 'revoked_by_admin', null)).length;
  }
}

/** @throws invalid_request naming the rule when `role` is not a valid role name */
export function checkRoleName(role: string): void {
  if (!ROLE_NAME.test(role)) {
    throw fail('invalid_request', `${JSON.stringify(role.slice(0, 80))} is not a role name: use a lower-case letter, then up to 63 of a-z 0-9 : _ -.`);
  }
}
