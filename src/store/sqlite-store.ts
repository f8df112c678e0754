import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { NewEvent, Rotation, RotationUpdate, SessionWithUser } from '../core/store.ts';
import { KyselyStore } from './kysely-store.ts';
import { eventRow, HOT_SQL, toSessionWithUser, type SessionWithUserRow } from './rows.ts';
import type { Database } from './schema.ts';

type Decide = (found: SessionWithUser | undefined) => Rotation | undefined;

/** The refresh path's statements, prepared once (after the migrations) for the store's life. */
interface HotPath {
  readonly find: SQLite.Statement;
  readonly rotate: (id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]) => boolean;
  /** Read, decide and rotate in one `BEGIN IMMEDIATE` transaction. */
  readonly refresh: (id: string, decide: Decide) => boolean;
}

/**
 * The store on SQLite: {@link KyselyStore} with the refresh path (the session with its user; the
 * rotation and its events) run as better-sqlite3 statements prepared once for the life of the store,
 * with no query building per call. `refreshSession` reads, decides and rotates in one `BEGIN
 * IMMEDIATE` transaction: one lock taken instead of two, and nobody writes between the read and the
 * write. None of these ever runs inside another caller's transaction: while one is open they wait
 * for it through Kysely's lock, as Kysely's own queries do.
 *
 * @example
 * const store = new SqliteStore(new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), database)
 */
export class SqliteStore extends KyselyStore {
  readonly #sqlite: SQLite.Database;
  #hot: HotPath | undefined;

  constructor(db: Kysely<Database>, sqlite: SQLite.Database) {
    super(db);
    this.#sqlite = sqlite;
  }

  override findSessionWithUser(id: string): Promise<SessionWithUser | undefined> {
    return this.#exclusive((hot) => findWithUser(hot.find, id));
  }

  override refreshSession(id: string, decide: Decide): Promise<boolean> {
    return this.#exclusive((hot) => hot.refresh(id, decide));
  }

  override rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean> {
    return this.#exclusive((hot) => hot.rotate(id, fromCounter, update, events));
  }

  /**
   * Runs `work` on the store's one connection, never inside another caller's transaction. With no
   * transaction open on the connection it runs at once: nobody is between a BEGIN and its COMMIT,
   * and `work` is synchronous, so it ends before anyone else can begin. Otherwise it takes the
   * connection through Kysely's lock, after the transaction in progress.
   */
  #exclusive<T>(work: (hot: HotPath) => T): Promise<T> {
    if (!this.#sqlite.inTransaction) {
      try {
        return Promise.resolve(work(this.#hotPath()));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.database.connection().execute(async () => work(this.#hotPath()));
  }

  #hotPath(): HotPath {
    this.#hot ??= this.#prepare();
    return this.#hot;
  }

  #prepare(): HotPath {
    const find = this.#sqlite.prepare(HOT_SQL.findSessionWithUser);
    const update = this.#sqlite.prepare(HOT_SQL.rotateSession);
    const insert = this.#sqlite.prepare(HOT_SQL.insertEvent);
    const write = (id: string, fromCounter: number, update_: RotationUpdate, events: readonly NewEvent[]) => {
      const { changes } = update.run({ 1: fromCounter + 1, 2: update_.at, 3: update_.lastIp, 4: update_.expiresAt, 5: id, 6: fromCounter });
      if (changes !== 1) return false;
      for (const e of events) {
        const r = eventRow(e);
        insert.run({ 1: r.id, 2: r.user_id, 3: r.type, 4: r.at, 5: r.session_id, 6: r.ip, 7: r.user_agent, 8: r.detail });
      }
      return true;
    };
    const rotate = this.#sqlite.transaction(write);
    const refresh = this.#sqlite.transaction((id: string, decide: Decide) => {
      const rotation = decide(findWithUser(find, id));
      return rotation !== undefined && write(id, rotation.fromCounter, rotation.update, rotation.events);
    });
    return { find, rotate: (...args) => rotate.immediate(...args), refresh: (...args) => refresh.immediate(...args) };
  }
}

function findWithUser(find: SQLite.Statement, id: string): SessionWithUser | undefined {
  const row = find.get({ 1: id }) as SessionWithUserRow | undefined;
  return row ? toSessionWithUser(row) : undefined;
}
