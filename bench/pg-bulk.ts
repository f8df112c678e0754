import pg from 'pg';
import { BENCH_UA } from './seed.ts';

const DAY_MS = 86_400_000;
/** Rows per INSERT ... SELECT generate_series statement (each its own transaction). */
const CHUNK = 1_000_000;
/** Sessions per filler user, and events per filler session. */
export const SESSIONS_PER_USER = 10;
export const EVENTS_PER_SESSION = 5;

/** What a bulk load did: how long it took and how big the tables are afterwards. */
export interface BulkLoad {
  readonly seconds: number;
  /** Bytes of heap + indexes + TOAST per table (`pg_total_relation_size`). */
  readonly bytes: Readonly<Record<'users' | 'sessions' | 'events', number>>;
  readonly rows: Readonly<Record<'users' | 'sessions' | 'events', number>>;
}

/**
 * Brings the `sessions` and `events` tables of the database at `url` to `sessions` live sessions and
 * `events` events, adding filler users (10 sessions each) as needed: straight into PostgreSQL with
 * `INSERT ... SELECT generate_series(...)`, one million rows per statement, never through latchkey.
 * With `rebuild`, the two tables' constraints and indexes are dropped first and created again
 * afterwards (the same definitions, read from the catalog), which is how a bulk load is done; then
 * VACUUM ANALYZE, so the measurement that follows does not meet autovacuum's first pass.
 */
export async function bulkLoad(url: string, target: { sessions: number; events: number }, rebuild: boolean, log: (line: string) => void = () => {}): Promise<BulkLoad> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const t0 = performance.now();
  try {
    await client.query(`SET synchronous_commit = off; SET maintenance_work_mem = '512MB'`);
    const count = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const now = Date.now();
    const have = { users: await count(`users WHERE id LIKE 'filler-%'`), sessions: await count('sessions'), events: await count('events') };
    const users = Math.ceil(Math.max(0, target.sessions - have.sessions) / SESSIONS_PER_USER);
    const saved = rebuild ? await dropConstraintsAndIndexes(client, ['sessions', 'events']) : [];

    // Users u filler-<n>, from where the filler ended last time.
    for (let from = have.users; from < have.users + users; from += CHUNK) {
      const to = Math.min(have.users + users, from + CHUNK) - 1;
      await client.query(
        `INSERT INTO users (id, email, email_normalized, name, password_hash, created_at, disabled_at, roles)
         SELECT 'filler-' || g, 'filler-' || g || '@scale.example', 'filler-' || g || '@scale.example', NULL, 'not-a-hash', $1, NULL, ''
         FROM generate_series($2::bigint, $3::bigint) g`,
        [now - 30 * DAY_MS, from, to],
      );
    }
    const fillerUsers = have.users + users;
    // Live sessions (expiring tomorrow), last used within the past day, of random ids as logins make them.
    for (let n = 0; n < target.sessions - have.sessions; n += CHUNK) {
      const rows = Math.min(CHUNK, target.sessions - have.sessions - n);
      await client.query(
        `INSERT INTO sessions (id, user_id, nonce, counter, created_at, last_active_at, rotated_at, expires_at, user_agent,
           browser, os, device_type, ip, last_ip, device_id, revoked_at, revoke_reason)
         SELECT gen_random_uuid()::text, 'filler-' || ((g + $5) % $4), md5(g::text), 0, $1 - (g % 86400) * 1000, $1 - (g % 86400) * 1000, NULL,
           $1 + $2, $3, 'Chrome', 'Linux', 'desktop', '127.0.0.1', '127.0.0.1', NULL, NULL, NULL
         FROM generate_series(1, $6::bigint) g`,
        [now, DAY_MS, BENCH_UA, Math.max(1, fillerUsers), n, rows],
      );
      log(`  sessions: ${(have.sessions + n + rows).toLocaleString('en-US')}`);
    }
    // Events of the past 30 days (inside the 90-day retention, so the sweep leaves them alone).
    for (let n = 0; n < target.events - have.events; n += CHUNK) {
      const rows = Math.min(CHUNK, target.events - have.events - n);
      await client.query(
        `INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail)
         SELECT gen_random_uuid()::text, 'filler-' || ((g + $4) % $3), 'refresh', $1 - (g % 2592000) * 1000, gen_random_uuid()::text,
           '127.0.0.1', $2, NULL
         FROM generate_series(1, $5::bigint) g`,
        [now, BENCH_UA, Math.max(1, fillerUsers), n, rows],
      );
      if ((n / CHUNK) % 5 === 4 || n + rows >= target.events - have.events) log(`  events: ${(have.events + n + rows).toLocaleString('en-US')}`);
    }
    for (const statement of saved) await client.query(statement);
    if (rebuild) log('  constraints and indexes rebuilt');
    await client.query('VACUUM ANALYZE users');
    await client.query('VACUUM ANALYZE sessions');
    await client.query('VACUUM ANALYZE events');
    const seconds = (performance.now() - t0) / 1000;
    const size = async (table: string) => Number((await client.query('SELECT pg_total_relation_size($1) AS b', [table])).rows[0].b);
    return {
      seconds,
      bytes: { users: await size('users'), sessions: await size('sessions'), events: await size('events') },
      rows: { users: await count('users'), sessions: await count('sessions'), events: await count('events') },
    };
  } finally {
    await client.end();
  }
}

/**
 * Drops the constraints (primary and foreign keys) and the other indexes of `tables`, returning the
 * statements that create them again, exactly as the catalog defines them. A key another table's
 * foreign key leans on stays (and its index with it).
 */
async function dropConstraintsAndIndexes(client: pg.Client, tables: readonly string[]): Promise<string[]> {
  const constraints = await client.query<{ table: string; name: string; def: string; type: string }>(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, pg_get_constraintdef(c.oid) AS def, c.contype AS type
     FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY($1) AND c.contype IN ('p', 'f', 'u')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.confrelid = c.conrelid AND r.conrelid <> c.conrelid
                       AND NOT (r.conrelid::regclass::text = ANY($1)))`,
    [tables],
  );
  const indexes = await client.query<{ name: string; def: string }>(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
     WHERE i.tablename = ANY($1) AND i.schemaname = current_schema()
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`,
    [tables],
  );
  // Foreign keys go first (they may lean on a primary key), and come back last.
  const ordered = [...constraints.rows].sort((a, b) => (a.type === 'f' ? 0 : 1) - (b.type === 'f' ? 0 : 1));
  for (const c of ordered) await client.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.name}`);
  for (const i of indexes.rows) await client.query(`DROP INDEX ${i.name}`);
  return [
    ...[...ordered].reverse().map((c) => `ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.def}`),
    ...indexes.rows.map((i) => i.def),
  ];
}
