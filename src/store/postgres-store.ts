import { sql } from 'kysely';
import { KyselyStore } from './kysely-store.ts';
import { eventRow } from './rows.ts';
import type { NewEvent, RotationUpdate } from '../core/store.ts';
import type { OutboxMail } from '../core/mail-message.ts';
import { mailQueries } from './mail-queries.ts';

/**
 * The store on PostgreSQL: {@link KyselyStore} with the one method where a round trip matters.
 * A rotation is a single statement (a data-modifying CTE: the conditional UPDATE, then the event
 * INSERT only if it won), so it costs one round trip instead of five (BEGIN, UPDATE, INSERT,
 * COMMIT and the pool's checkout), with the same semantics: one statement is atomic, and of
 * concurrent callers with the same `fromCounter` the row lock lets exactly one UPDATE match.
 *
 * @example
 * const store = new PostgresStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }))
 */
export class PostgresStore extends KyselyStore {
  override async rotateSession(id: string, fromCounter: number, update: RotationUpdate, events: readonly NewEvent[]): Promise<boolean> {
    const rotated = sql`UPDATE sessions SET counter = ${fromCounter + 1}, rotated_at = ${update.at}, last_active_at = ${update.at},
      last_ip = ${update.lastIp}, expires_at = ${update.expiresAt}
      WHERE id = ${id} AND counter = ${fromCounter} AND revoked_at IS NULL RETURNING id`;
    const values = events.map(eventRow).map(
      (r) => sql`(${r.id}::text, ${r.user_id}::text, ${r.type}::text, ${r.at}::bigint, ${r.session_id}::text,
        ${r.ip}::text, ${r.user_agent}::text, ${r.detail}::text)`,
    );
    // A data-modifying CTE runs to completion whether or not the outer query reads it.
    const query =
      values.length === 0
        ? sql<{ won: number }>`WITH rotated AS (${rotated}) SELECT count(*)::int AS won FROM rotated`
        : sql<{ won: number }>`WITH rotated AS (${rotated}),
            logged AS (INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail)
              SELECT * FROM (VALUES ${sql.join(values)}) AS v WHERE EXISTS (SELECT 1 FROM rotated) RETURNING 1)
            SELECT (SELECT count(*) FROM rotated)::int AS won`;
    const { rows } = await query.execute(this.database);
    return rows[0]?.won === 1;
  }

  /** Two instances claiming at once skip each other's rows (`FOR UPDATE SKIP LOCKED`) instead of waiting. */
  override claimMail(now: number, leaseUntil: number, limit: number): Promise<OutboxMail[]> {
    return mailQueries.claim(this.database, now, leaseUntil, limit, true);
  }
}
