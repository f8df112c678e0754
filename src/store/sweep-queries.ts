import type { Kysely } from 'kysely';
import type { SweepLimits } from '../core/store.ts';
import type { Database } from './schema.ts';

/**
 * One bounded round of the garbage sweep (`Store.sweep`): ended sessions, old events and retired
 * signing keys, at most `limits.batch` rows of each kind.
 */
export async function sweepGarbage(db: Kysely<Database>, limits: SweepLimits): Promise<{ sessions: number; events: number; keys: number }> {
  // Each kind of garbage is found through its own index, oldest first (an index range scan that
  // stops after `limit` rows, however big the backlog), then deleted by primary key. One
  // `expires_at < ? OR revoked_at < ?` makes SQLite scan the whole table, `id IN (subquery)` lets
  // PostgreSQL pick a full scan for the delete, and repeating the condition in the delete makes it
  // walk the whole backlog range: see test/store/query-plans.test.ts and docs/query-plans.md.
  // Garbage never turns live again between the two statements: a revocation is final, an event's
  // time never changes, and a session that expired before `sessionsBefore` is refused by refresh
  // before any rotation could extend it.
  const deleteByIds = async (table: 'sessions' | 'events', rows: readonly { id: string }[]): Promise<number> => {
    if (rows.length === 0) return 0;
    const result = await db.deleteFrom(table).where('id', 'in', rows.map((r) => r.id)).executeTakeFirst();
    return Number(result.numDeletedRows);
  };
  const endedSessions = async (column: 'expires_at' | 'revoked_at', limit: number): Promise<number> =>
    limit <= 0
      ? 0
      : deleteByIds('sessions', await db.selectFrom('sessions').select('id')
        .where(column, '<', limits.sessionsBefore).orderBy(column).limit(limit).execute());
  const expired = await endedSessions('expires_at', limits.batch);
  const sessions = expired + (await endedSessions('revoked_at', limits.batch - expired));
  const events = await deleteByIds('events', await db.selectFrom('events').select('id')
    .where('at', '<', limits.eventsBefore).orderBy('at').limit(limits.batch).execute());
  const keys = await db.deleteFrom('signing_keys').where('retired_at', '<', limits.keysRetiredBefore).executeTakeFirst();
  return { sessions, events, keys: Number(keys.numDeletedRows) };
}
