import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/** Event types copied into the outbox: every type but `refresh`, which is recorded on every token rotation. */
export const OUTBOX_EXCLUDED_TYPES = ['refresh'] as const;

/** Event types that end a session: the revocation feed carries these. */
export const REVOCATION_TYPES = ['session_revoked', 'logout'] as const;

/**
 * Issue 14's migration, frozen in time: the event outbox, the webhook tables, and the acknowledged
 * Security Event Tokens. A trigger on `events` copies each new event that leaves latchkey into
 * `event_outbox` inside the same transaction, whatever code path wrote it (core, CLI, the
 * single-statement rotation on PostgreSQL): nothing is published that did not commit, nothing that
 * committed is left out.
 *
 * On PostgreSQL each outbox row also records the id of the transaction that wrote it (`txid`) and
 * the trigger sends `NOTIFY latchkey_outbox`, which PostgreSQL delivers at commit.
 */
export const deliveryMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time and must not depend on today's types
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('event_outbox')
      .addColumn('position', postgres ? 'bigint' : 'integer', (c) =>
        postgres ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('txid', 'bigint', (c) => c.notNull().defaultTo(postgres ? sql`(pg_current_xact_id()::text::bigint)` : 0))
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('detail', 'text')
      .execute();
    // Readers walk the outbox in (txid, position) order; followers of the feed walk only revocations.
    await db.schema.createIndex('event_outbox_order_idx').on('event_outbox').columns(['txid', 'position']).execute();
    await sql`CREATE INDEX event_outbox_revocations_idx ON event_outbox (txid, position)
      WHERE type IN ('session_revoked', 'logout')`.execute(db);
    await db.schema.createIndex('event_outbox_at_idx').on('event_outbox').column('at').execute();

    const columns = sql`event_id, type, user_id, session_id, at, ip, user_agent, detail`;
    const values = sql`NEW.id, NEW.type, NEW.user_id, NEW.session_id, NEW.at, NEW.ip, NEW.user_agent, NEW.detail`;
    if (postgres) {
      await sql`CREATE FUNCTION latchkey_outbox_capture() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO event_outbox (${columns}) VALUES (${values});
          PERFORM pg_notify('latchkey_outbox', '');
          RETURN NULL;
        END $$`.execute(db);
      await sql`CREATE TRIGGER events_to_outbox AFTER INSERT ON events FOR EACH ROW
        WHEN (NEW.type <> 'refresh') EXECUTE FUNCTION latchkey_outbox_capture()`.execute(db);
    } else {
      await sql`CREATE TRIGGER events_to_outbox AFTER INSERT ON events FOR EACH ROW WHEN NEW.type <> 'refresh'
        BEGIN INSERT INTO event_outbox (${columns}) VALUES (${values}); END`.execute(db);
    }

    await db.schema
      .createTable('delivery_cursors')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('txid', 'bigint', (c) => c.notNull())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('circuit_open_until', 'bigint')
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addUniqueConstraint('webhook_deliveries_once', ['endpoint_id', 'event_id'])
      .execute();
    await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_finished_idx').on('webhook_deliveries').column('finished_at').execute();

    await db.schema
      .createTable('set_acks')
      .addColumn('receiver', 'text', (c) => c.notNull())
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('set_acks_pk', ['receiver', 'jti'])
      .execute();
    await db.schema.createIndex('set_acks_at_idx').on('set_acks').column('at').execute();
  },
};
