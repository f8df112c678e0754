import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { BENCH_UA } from './seed.ts';

/** One rotation done directly on the database: select, conditional update, event insert, one transaction. */
export type RawRotation = (sessionId: string) => Promise<void> | void;

/** The raw rotation on SQLite with better-sqlite3's prepared statements (the driver latchkey uses). */
export function sqliteRawRotation(file: string): { rotate: RawRotation; close: () => void } {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const select = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const update = db.prepare(
    'UPDATE sessions SET counter = ?, rotated_at = ?, last_active_at = ?, last_ip = ?, expires_at = ? WHERE id = ? AND counter = ? AND revoked_at IS NULL',
  );
  const insert = db.prepare('INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)');
  const rotate = db.transaction((id: string) => {
    const s = select.get(id) as { counter: number; user_id: string };
    const now = Date.now();
    if (update.run(s.counter + 1, now, now, '127.0.0.1', now + 86_400_000, id, s.counter).changes !== 1) throw new Error('lost the rotation');
    insert.run(randomUUID(), s.user_id, 'refresh', now, id, '127.0.0.1', BENCH_UA);
  });
  // BEGIN IMMEDIATE, as latchkey's SQLite store does: a deferred read that upgrades to a write fails at once
  // with "database is locked" when another connection wrote meanwhile, whatever the busy timeout.
  return { rotate: (id) => rotate.immediate(id), close: () => db.close() };
}

/** The raw rotation on PostgreSQL with pg (pool of 10, latchkey's default): BEGIN, 3 statements, COMMIT. */
export function postgresRawRotation(url: string): { rotate: RawRotation; close: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const rotate = async (id: string) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ counter: number; user_id: string }>('SELECT * FROM sessions WHERE id = $1', [id]);
      const s = rows[0]!;
      const now = Date.now();
      const updated = await client.query(
        'UPDATE sessions SET counter = $1, rotated_at = $2, last_active_at = $2, last_ip = $3, expires_at = $4 WHERE id = $5 AND counter = $6 AND revoked_at IS NULL',
        [s.counter + 1, now, '127.0.0.1', now + 86_400_000, id, s.counter],
      );
      if (updated.rowCount !== 1) throw new Error('lost the rotation');
      await client.query('INSERT INTO events (id, user_id, type, at, session_id, ip, user_agent, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)', [
        randomUUID(),
        s.user_id,
        'refresh',
        now,
        id,
        '127.0.0.1',
        BENCH_UA,
      ]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  return { rotate, close: () => pool.end() };
}

/** Where a raw rotation runs: what a benchmark child needs to open the same database itself. */
export type RawRotationTarget = { readonly sqlite: string } | { readonly postgres: string };

/** The raw rotation on the database of `target`, by the driver latchkey uses for it. */
export function rawRotation(target: RawRotationTarget): { rotate: RawRotation; close: () => void | Promise<void> } {
  return 'sqlite' in target ? sqliteRawRotation(target.sqlite) : postgresRawRotation(target.postgres);
}
