import { sql } from 'kysely';
import { START } from '../cursor.ts';
import { OutboxReader, type OutboxEvent } from '../outbox-reader.ts';
import type { DeliveryDb } from '../tables.ts';

const CURSOR = 'webhooks';
// pg_try_advisory_xact_lock key: one fan-out at a time across instances (an arbitrary constant).
const FANOUT_LOCK = 0x6c6b7768; // 'lkwh'

/** The body of a webhook (Standard Webhooks' `{type, timestamp, data}`); times are ISO 8601. */
export function webhookPayload(event: OutboxEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: new Date(event.at).toISOString(),
    data: {
      id: event.id,
      type: event.type,
      at: new Date(event.at).toISOString(),
      userId: event.userId,
      sessionId: event.sessionId,
      ip: event.ip,
      userAgent: event.userAgent,
      detail: event.detail,
    },
  });
}

/**
 * Turns new outbox events into delivery rows, one per (event, endpoint that subscribes to its type
 * and existed when it happened), and advances the shared `webhooks` cursor in the same
 * transaction: an event is fanned out once, by whichever instance gets there first (PostgreSQL: an
 * advisory transaction lock; the others skip this round). Returns the number of events read, so
 * the caller knows whether to run again.
 *
 * @example
 * while ((await fanOutWebhooks(db, true, Date.now())) > 0);
 */
export async function fanOutWebhooks(db: DeliveryDb, postgres: boolean, now: number, batch = 500): Promise<number> {
  return db.transaction().execute(async (trx) => {
    if (postgres) {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${FANOUT_LOCK}) AS locked`.execute(trx);
      if (!rows[0]?.locked) return 0;
    }
    const row = await trx.selectFrom('delivery_cursors').select(['txid', 'position']).where('name', '=', CURSOR).executeTakeFirst();
    const cursor = row ? { txid: Number(row.txid), position: Number(row.position) } : START;
    const events = await new OutboxReader(trx, postgres).read(cursor, { limit: batch });
    if (events.length === 0) return 0;
    const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'events', 'created_at']).execute();
    const rows = events.flatMap((event) =>
      endpoints
        .filter((e) => Number(e.created_at) <= event.at && (e.events === '*' || e.events.split(',').includes(event.type)))
        .map((e) => ({
          id: `msg_${event.id.replace(/-/g, '')}_${e.id.slice(3)}`,
          endpoint_id: e.id,
          event_id: event.id,
          type: event.type,
          payload: webhookPayload(event),
          status: 'pending' as const,
          next_attempt_at: now,
          lease_until: null,
          lease_owner: null,
          last_status: null,
          last_error: null,
          created_at: now,
          finished_at: null,
        })),
    );
    for (let i = 0; i < rows.length; i += 200) {
      await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + 200)).onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()).execute();
    }
    const last = events[events.length - 1]!.cursor;
    await trx
      .insertInto('delivery_cursors')
      .values({ name: CURSOR, txid: last.txid, position: last.position })
      .onConflict((oc) => oc.column('name').doUpdateSet({ txid: last.txid, position: last.position }))
      .execute();
    return events.length;
  });
}
