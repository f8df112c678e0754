import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { NewEvent, RotationUpdate, SessionWithUser } from '../core/store.ts';
import { KyselyStore } from './kysely-store.ts';
import { eventRow, HOT_SQL, toSessionWithUser, type SessionWithUserRow } from './rows.ts';
import type { Database } from './schema.ts';
import type { OutboxMail } from '../core/mail-message.ts';
import { mailQueries } from './mail-queries.ts';

/** Columns of one event row in the rotation statement (parameters $7 onwards). */
const EVENT_COLUMNS = 8;

/**
 * The store on PostgreSQL: {@link KyselyStore} with the two calls of every refresh as named
 * prepared statements, parsed and planned once per pooled connection and then only executed:
 *
 * - the session with its user: one join;
 * - the rotation: a single statement (a data-modifying CTE: the conditional UPDATE, then the event
 *   INSERT only if it won), so it costs one round trip instead of five (BEGIN, UPDATE, INSERT,
 *   COMMIT and the pool's checkout), with the same semantics: one statement is atomic, and of
 *   concurrent callers with the same `fromCounter` the row lock lets exactly one UPDATE match.
 *
 * (A pooler in front of PostgreSQL must keep prepared statements per server connection: session
 * pooling, or PgBouncer 1.21+ with `max_prepared_statements`.)
 *
 * @example
 * const store = new PostgresStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool)
 */
export class PostgresStore extends KyselyStore {
  readonly #pool: pg.Pool;

  constructor(db: Kysely<Database>, pool: pg.Pool) {
    super(db);
    this.#pool = pool;
  }

  override async findSessionWithUser(id: string): Promise<SessionWithUser | undefined> {
    const { rows } = await this.#pool.query<SessionWithUserRow>({ name: 'latchkey_find_session_with_user', text: HOT_SQL.findSessionWithUser, values: [id] });
    return rows[0] ? toSessionWithUser(rows[0]) : undefined;
  }

  override async rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean> {
    const values: unknown[] = [fromCounter + 1, update.at, update.lastIp, update.expiresAt, id, fromCounter];
    for (const r of events.map(eventRow)) values.push(r.id, r.user_id, r.type, r.at, r.session_id, r.ip, r.user_agent, r.detail);
    const { rows } = await this.#pool.query<{ won: number }>({ name: `latchkey_rotate_session_${events.length}`, text: rotationSql(events.length), values });
    return rows[0]?.won === 1;
  }

  /** Two instances claiming at once skip each other's rows (`FOR UPDATE SKIP LOCKED`) instead of waiting. */
  override claimMail(now: number, leaseUntil: number, limit: number): Promise<OutboxMail[]> {
    return mailQueries.claim(this.database, now, leaseUntil, limit, true);
  }
}

const rotations = new Map<number, string>();

/** The rotation statement with `events` event rows (parameters $7 onwards, 8 per event). */
function rotationSql(events: number): string {
  let text = rotations.get(events);
  if (text) return text;
  const rotated = `${HOT_SQL.rotateSession} RETURNING id`;
  const row = (i: number) =>
    `(${Array.from({ length: EVENT_COLUMNS }, (_, c) => `$${7 + i * EVENT_COLUMNS + c}::${c === 3 ? 'bigint' : 'text'}`).join(', ')})`;
  // A data-modifying CTE runs to completion whether or not the outer query reads it.
  text =
    events === 0
      ? `WITH rotated AS (${rotated}) SELECT count(*)::int AS won FROM rotated`
      : `WITH rotated AS (${rotated}),
          logged AS (INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail)
            SELECT * FROM (VALUES ${Array.from({ length: events }, (_, i) => row(i)).join(', ')}) AS v WHERE EXISTS (SELECT 1 FROM rotated) RETURNING 1)
          SELECT (SELECT count(*) FROM rotated)::int AS won`;
  rotations.set(events, text);
  return text;
}
