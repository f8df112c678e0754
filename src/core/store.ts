import type { EventType, RevokeReason } from '../contract/index.ts';
import type { LinkStore, MailStore } from './mail-store.ts';
import type { SecurityEvent, Session, UserRecord } from './types.ts';

/**
 * The store port: everything the core keeps, as the core needs it, split by role. The core depends
 * on these interfaces only; src/store/ implements them on SQLite and PostgreSQL, and
 * test/store/conformance.ts proves every guarantee written here on both, under real races.
 *
 * Conventions for every method: times are epoch milliseconds; lookups return `undefined` for a
 * missing row; a method throws only when the database fails, and then throws
 * {@link StoreUnavailable} when the database cannot be reached or is overloaded (the HTTP layer
 * answers 503), any other error as it is (a bug: 500). Each method is atomic on its own.
 */

/**
 * The database cannot be reached right now, or refused the work for overload (a lost connection,
 * a timeout, too many connections, a lock wait cancelled, SQLite busy). Trying again later may
 * succeed. Which driver codes mean this is decided in src/store/, never in the core or HTTP.
 */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A security event before the store has kept it. */
export type NewEvent = Omit<SecurityEvent, 'id'> & { readonly id?: string };

/** A signing key as the store keeps it: the private key sealed under the server secret. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: string;
  /** The public JWK as JSON text. */
  readonly publicJwk: string;
  /** PKCS#8 PEM, sealed by ServerSecret.seal with the kid as context. */
  readonly privateKey: string;
  readonly createdAt: number;
  readonly retiredAt: number | null;
}

/** Fields a user update may change; absent fields stay as they are. */
export interface UserPatch {
  readonly passwordHash?: string;
  readonly disabledAt?: number | null;
  readonly roles?: readonly string[];
}

/** A session with the user it belongs to: the refresh path's read. */
export interface SessionWithUser {
  readonly session: Session;
  readonly user: UserRecord;
}

/** A rotation a refresh decided on: the arguments of {@link SessionStore.rotateSession} for one session. */
export interface Rotation {
  readonly fromCounter: number;
  readonly update: RotationUpdate;
  readonly events: readonly NewEvent[];
}

/** What a successful rotation writes besides advancing the counter. */
export interface RotationUpdate {
  readonly at: number;
  readonly lastIp: string;
  readonly expiresAt: number;
}

export interface SweepLimits {
  /** Remove sessions that expired or were revoked before this instant (ms). */
  readonly sessionsBefore: number;
  /** Remove events older than this instant (ms). */
  readonly eventsBefore: number;
  /** Remove signing keys retired before this instant (ms). */
  readonly keysRetiredBefore: number;
  /** At most this many rows per table per call, so a sweep never holds a lock for long. */
  readonly batch: number;
}

/** What the key ring needs of a store. */
export interface KeyStore {
  /** Every key, newest first, including retired ones not yet swept. */
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /**
   * Atomically inserts `key` and retires (sets `retiredAt = key.createdAt`) every key that is still
   * live. Concurrency: never two live keys, whatever adds race (instances starting at once): at
   * least one of them succeeds, and one that would leave a second live key throws instead (a
   * unique index on the live key) and writes nothing.
   */
  addSigningKey(key: StoredSigningKey): Promise<void>;
}

/** Accounts. */
export interface UserStore {
  /**
   * Inserts a user; `false` (and nothing written) when the normalised e-mail is already taken.
   * Concurrency: of any number of concurrent calls with one normalised e-mail, on one instance or
   * many, exactly one gets `true`.
   */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(normalizedEmail: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /**
   * Applies `patch`; `false` when the user does not exist. A patch that sets `passwordHash` or
   * `disabledAt` also bumps the user's `credentialVersion`.
   */
  updateUser(id: string, patch: UserPatch): Promise<boolean>;
  /**
   * `true` when the user exists, is not disabled and is still at `credentialVersion`. A conditional
   * write: inside a transaction it holds the user's row until the transaction ends, so a concurrent
   * password change or disable is either seen here or ordered after the transaction (and then sees
   * what it wrote, e.g. a new session to end).
   */
  holdCredential(userId: string, credentialVersion: number): Promise<boolean>;
  /** Every user, oldest first (for operators; paged by `limit`/`offset`). */
  listUsers(limit: number, offset: number): Promise<UserRecord[]>;
}

/** Sessions: one per device, each a chain of refresh tokens. "Live" means `revokedAt === null` and `expiresAt > now`. */
export interface SessionStore {
  insertSession(session: Session): Promise<void>;
  findSession(id: string): Promise<Session | undefined>;
  /**
   * The session and the user it belongs to, read together (one query: the refresh path's read).
   * `undefined` when the session does not exist. Revoked and expired sessions are returned as they are.
   *
   * @example
   * const found = await store.findSessionWithUser(sessionId)
   * if (found && found.user.disabledAt === null) rotate(found.session)
   */
  findSessionWithUser(id: string): Promise<SessionWithUser | undefined>;
  /**
   * A refresh in one call: reads the session with its user (as {@link findSessionWithUser}), asks
   * `decide`, and makes the rotation it answers (as {@link rotateSession}, with the same guarantees).
   * Resolves to whether it rotated; `false` when `decide` answered `undefined` or another caller
   * rotated first. `decide` is synchronous and must not call the store: on SQLite the read, the
   * decision and the write are one transaction; elsewhere they are a read and a conditional write.
   * When `decide` throws, nothing is written and the call rejects with its error.
   *
   * @example
   * const rotated = await store.refreshSession(sessionId, (found) => found && decideRotation(found))
   */
  refreshSession(id: string, decide: (found: SessionWithUser | undefined) => Rotation | undefined): Promise<boolean>;
  /**
   * The user's live sessions at `now`, most recently used first (`lastActiveAt` descending, then
   * id). Callers that pick by recency decide on `lastActiveAt` themselves (core/rules/) rather than
   * lean on this order.
   */
  listLiveSessions(userId: string, now: number): Promise<Session[]>;
  /**
   * Retires the token at `fromCounter`: sets `counter = fromCounter + 1`, `rotatedAt = lastActiveAt =
   * update.at`, `lastIp`, `expiresAt`, *only if* the session is unrevoked and still at `fromCounter`,
   * and then records `events`, atomically with it. Concurrency: one conditional write; of any number
   * of concurrent callers with the same `fromCounter`, on one instance or many, exactly one gets
   * `true`; the others get `false` and write nothing (no events either).
   */
  rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean>;
  /**
   * Notes a use of the session that rotates nothing (a grace replay): sets `lastIp` and
   * `lastActiveAt = use.at` if the session is unrevoked, then records `events`, atomically.
   */
  noteSessionUse(id: string, use: { readonly at: number; readonly lastIp: string }, events: readonly NewEvent[]): Promise<void>;
  /**
   * Revokes those of `ids` that are not revoked yet; returns the ids it revoked. Concurrency: a
   * session is revoked once: of concurrent callers naming it, exactly one gets its id back (and
   * its reason and time are the ones stored); a revocation is final.
   */
  revokeSessions(ids: readonly string[], reason: RevokeReason, at: number): Promise<string[]>;
}

/** The security event log. */
export interface EventStore {
  insertEvents(events: readonly NewEvent[]): Promise<void>;
  /** The user's events, newest first, optionally only `types`. */
  listEvents(userId: string, limit: number, types?: readonly EventType[]): Promise<SecurityEvent[]>;
}

/** The devices each user has signed in from, for `new_device` events. */
export interface DeviceStore {
  /**
   * Remembers that `userId` used the device `fingerprint`; `true` when it was not known before.
   * Concurrency: of concurrent calls with one user and fingerprint, exactly one gets `true`.
   */
  rememberDevice(userId: string, fingerprint: string, at: number): Promise<boolean>;
}

/** What the operator's side needs: garbage collection, health, shutdown. */
export interface StoreMaintenance {
  /** Deletes up to `limits.batch` rows of each kind of garbage; returns how many rows went. */
  sweep(limits: SweepLimits): Promise<{ sessions: number; events: number; keys: number }>;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Everything latchkey keeps, and transactions over it. */
export interface Store extends KeyStore, UserStore, SessionStore, EventStore, DeviceStore, StoreMaintenance, MailStore, LinkStore {
  /**
   * Runs `work` in one transaction: all of its writes land, or none. Nested calls join the outer one.
   *
   * Isolation: a transaction that writes holds the database's write lock from its start on SQLite
   * (`BEGIN IMMEDIATE`: transactions run one after another) and runs at READ COMMITTED on
   * PostgreSQL. `Auth`'s login relies on this much: it holds the user's credential inside the
   * transaction ({@link holdCredential}: a password change or disable committed meanwhile wins) and ends sessions only through {@link revokeSessions}' own
   * conditional write, so a session revoked concurrently is never revoked (or recorded) twice.
   */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
}
