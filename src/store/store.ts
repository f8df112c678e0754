import type { EventType, SecurityEvent, Session, UserRecord } from '../core/types.ts';
import type { LinkStore, MailStore } from './mail-store.ts';

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

/** What the key ring needs of a store. */
export interface KeyStore {
  /** Every key, newest first, including retired ones not yet swept. */
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /** Atomically inserts `key` and retires (sets `retiredAt = key.createdAt`) every key that is still live. */
  addSigningKey(key: StoredSigningKey): Promise<void>;
}

/** Fields a user update may change; absent fields stay as they are. */
export interface UserPatch {
  readonly passwordHash?: string;
  readonly disabledAt?: number | null;
  readonly roles?: readonly string[];
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

/**
 * Everything latchkey keeps. Methods are named after the domain; each is atomic on its own, and
 * {@link Store.transaction} groups several into one atomic unit. Times are epoch milliseconds.
 * "Live" sessions are those with `revokedAt === null` and `expiresAt > now`.
 * Lookups return `undefined` for a missing row; methods throw only when the database fails.
 */
export interface Store extends KeyStore, MailStore, LinkStore {
  /** Runs `work` in one transaction: all of its writes land, or none. Nested calls join the outer one. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;

  /** Inserts a user; `false` (and nothing written) when the normalised e-mail is already taken. */
  createUser(user: UserRecord): Promise<boolean>;
  findUserByEmail(normalizedEmail: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** Applies `patch`; `false` when the user does not exist. */
  updateUser(id: string, patch: UserPatch): Promise<boolean>;
  /** Every user, oldest first (for operators; paged by `limit`/`offset`). */
  listUsers(limit: number, offset: number): Promise<UserRecord[]>;

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
  findSessionWithUser(id: string): Promise<{ session: Session; user: UserRecord } | undefined>;
  /** The user's live sessions at `now`, most recently used first. */
  listLiveSessions(userId: string, now: number): Promise<Session[]>;
  /**
   * Retires the token at `fromCounter`: sets `counter = fromCounter + 1`, `rotatedAt = lastActiveAt =
   * update.at`, `lastIp`, `expiresAt`, *only if* the session is unrevoked and still at `fromCounter`,
   * and then records `events`. One conditional write: of any number of concurrent callers with the same
   * `fromCounter`, on one instance or many, exactly one gets `true`; the others get `false` and write nothing.
   */
  rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean>;
  /** Revokes those of `ids` that are not revoked yet; returns the ids it revoked. */
  revokeSessions(ids: readonly string[], reason: string, at: number): Promise<string[]>;

  insertEvents(events: readonly NewEvent[]): Promise<void>;
  /** The user's events, newest first, optionally only `types`. */
  listEvents(userId: string, limit: number, types?: readonly EventType[]): Promise<SecurityEvent[]>;

  /** Remembers that `userId` used the device `fingerprint`; `true` when it was not known before. */
  rememberDevice(userId: string, fingerprint: string, at: number): Promise<boolean>;

  /** Deletes up to `limits.batch` rows of each kind of garbage; returns how many rows went. */
  sweep(limits: SweepLimits): Promise<{ sessions: number; events: number; keys: number }>;

  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
