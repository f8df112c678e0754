import { sql } from 'kysely';
import type { EventDetail, EventType } from '../contract/events.ts';
import { START, type Cursor } from './cursor.ts';
import { REVOCATION_TYPES } from './migration.ts';
import type { DeliveryDb } from './tables.ts';

/** One event as the outbox holds it, with its place in the outbox. */
export interface OutboxEvent {
  readonly cursor: Cursor;
  readonly id: string;
  readonly type: EventType;
  readonly userId: string;
  readonly sessionId: string | null;
  readonly at: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly detail: EventDetail | null;
}

/**
 * PostgreSQL: the lowest transaction id whose rows may still appear. Every transaction still running
 * in this statement's snapshot holds readers back, except those known to run in another database
 * of the server (they cannot write here); a transaction that ended meanwhile is no longer listed
 * and so still counts, which errs on the safe side. Without any, the snapshot's xmax.
 */
const FRONTIER = sql<number>`(SELECT COALESCE(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = xid(x) AND a.datname <> current_database()))`;
const SETTLED = sql<boolean>`txid < ${FRONTIER}`;
const UNSETTLED = sql<boolean>`txid >= ${FRONTIER}`;

// Literal values, so PostgreSQL can prove its partial index (event_outbox_revocations_idx) applies.
const REVOCATIONS_ONLY = sql<boolean>`type IN (${sql.join(REVOCATION_TYPES.map((t) => sql.lit(t)))})`;

export interface ReadOptions {
  /** At most this many events (default 500). */
  readonly limit?: number;
  /** Only the events that end a session (`session_revoked`, `logout`). */
  readonly revocationsOnly?: boolean;
  /** Only events at or after this instant (epoch ms). */
  readonly since?: number;
}

/**
 * Reads the event outbox in commit-safe order. On PostgreSQL a row is passed only once the
 * transaction that wrote it is older than every transaction still running on this database (see
 * FRONTIER): a transaction that is still open, and may yet commit rows, holds readers back instead
 * of being skipped. The price: a write transaction left open on this database delays every reader
 * until it ends.
 *
 * @example
 * const reader = new OutboxReader(db, true)
 * const events = await reader.read(cursor, { revocationsOnly: true })
 */
export class OutboxReader {
  constructor(
    private readonly db: DeliveryDb,
    private readonly postgres: boolean,
  ) {}

  /** Events after `after`, oldest first; empty when there are none (yet). */
  async read(after: Cursor = START, options: ReadOptions = {}): Promise<OutboxEvent[]> {
    let query = this.db
      .selectFrom('event_outbox')
      .selectAll()
      .where((eb) => eb(eb.refTuple('txid', 'position'), '>', eb.tuple(after.txid, after.position)))
      .orderBy('txid')
      .orderBy('position')
      .limit(options.limit ?? 500);
    if (options.revocationsOnly) query = query.where(REVOCATIONS_ONLY);
    if (options.since !== undefined) query = query.where('at', '>=', options.since);
    if (this.postgres) query = query.where(SETTLED);
    const rows = await query.execute();
    return rows.map((r) => ({
      cursor: { txid: Number(r.txid), position: Number(r.position) },
      id: r.event_id,
      type: r.type as EventType,
      userId: r.user_id,
      sessionId: r.session_id,
      at: Number(r.at),
      ip: r.ip,
      userAgent: r.user_agent,
      detail: r.detail ? (JSON.parse(r.detail) as EventDetail) : null,
    }));
  }

  /**
   * True when events after `after` have committed but must still wait: an older transaction is
   * still running (PostgreSQL only; always false on SQLite). The caller reads again shortly.
   */
  async heldBack(after: Cursor, options: Pick<ReadOptions, 'revocationsOnly'> = {}): Promise<boolean> {
    if (!this.postgres) return false;
    let query = this.db
      .selectFrom('event_outbox')
      .select('position')
      .where((eb) => eb(eb.refTuple('txid', 'position'), '>', eb.tuple(after.txid, after.position)))
      .where(UNSETTLED)
      .limit(1);
    if (options.revocationsOnly) query = query.where(REVOCATIONS_ONLY);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** The cursor after the newest event readable now (for a follower that wants only what comes next). */
  async head(): Promise<Cursor> {
    let query = this.db.selectFrom('event_outbox').select(['txid', 'position']).orderBy('txid', 'desc').orderBy('position', 'desc').limit(1);
    if (this.postgres) query = query.where(SETTLED);
    const row = await query.executeTakeFirst();
    return row ? { txid: Number(row.txid), position: Number(row.position) } : START;
  }

  /** Deletes up to `batch` outbox rows older than `before` (epoch ms); returns how many went. */
  async sweep(before: number, batch = 1000): Promise<number> {
    const old = await this.db.selectFrom('event_outbox').select('position').where('at', '<', before).orderBy('at').limit(batch).execute();
    if (old.length === 0) return 0;
    const result = await this.db.deleteFrom('event_outbox').where('position', 'in', old.map((r) => r.position)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
