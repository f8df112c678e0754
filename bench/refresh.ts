import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres.ts';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { benchServerEnv, startChild, type ServerChild } from './child.ts';
import { closedLoop, judge, percentile, warmSeconds, type Row, type Sizes } from './harness.ts';
import { LoopbackClient } from './http-client.ts';
import { BENCH_UA, benchSecret, seedSessions } from './seed.ts';

export const CONCURRENCY = [1, 32] as const;

/** One rotation done directly on the database: select, conditional update, event insert, one transaction. */
type RawRotation = (sessionId: string) => Promise<void> | void;

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
  return { rotate: (id) => rotate(id), close: () => db.close() };
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

/**
 * Devices refreshing over HTTP: worker `w` holds session `w`'s refresh token and rotates it through
 * `POST /oauth/token grant_type=refresh_token`, each answer's token being the next request's.
 */
export function refreshingDevices(server: ServerChild, tokens: string[], sockets: number) {
  const client = new LoopbackClient(server.url, sockets);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BENCH_UA };
  const step = async (worker: number) => {
    const res = await client.request('POST', '/oauth/token', headers, `grant_type=refresh_token&refresh_token=${tokens[worker]}`);
    if (res.status !== 200) throw new Error(`refresh answered ${res.status}: ${res.body}`);
    tokens[worker] = (JSON.parse(res.body) as { refresh_token: string }).refresh_token;
  };
  return { step, close: () => client.close() };
}

interface Target {
  readonly name: 'SQLite' | 'PostgreSQL';
  readonly env: Record<string, string>;
  readonly goal: number;
  openStore(): ReturnType<typeof openSqliteStore>;
  raw(): { rotate: RawRotation; close: () => void | Promise<void> };
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const file = path.join(dir, 'latchkey.db');
  return {
    name: 'SQLite',
    env: { LATCHKEY_DATA_DIR: dir },
    goal: 0.5,
    openStore: () => openSqliteStore(file),
    raw: () => sqliteRawRotation(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(): Promise<Target | undefined> {
  const db = await createTestDatabase('PostgreSQL refresh benchmark');
  if (!db) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  return {
    name: 'PostgreSQL',
    env: { LATCHKEY_DATA_DIR: dir, DATABASE_URL: db.url },
    goal: 0.8,
    openStore: () => openPostgresStore(db.url),
    raw: () => postgresRawRotation(db.url),
    cleanup: async () => {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Refresh benchmark (3): rotations/s and p50/p99 through the real token endpoint (server in a child
 * process) vs the raw rotation transaction on the same database by the same driver, at concurrency
 * 1 and 32, each worker refreshing its own session's chain. PostgreSQL runs when TEST_DATABASE_URL is set.
 */
export async function benchRefresh(sizes: Sizes): Promise<Row[]> {
  const rows: Row[] = [];
  const targets = [await sqliteTarget(), await postgresTarget()].filter((t): t is Target => t !== undefined);
  for (const target of targets) {
    try {
      const { hex, codec } = benchSecret();
      const store = await target.openStore();
      const seeded = await seedSessions(store, codec, Math.max(...CONCURRENCY));
      await store.close();

      const server = await startChild({
        type: 'latchkey',
        env: benchServerEnv({ ...target.env, LATCHKEY_SECRET: hex }),
      });
      const http: Record<number, Awaited<ReturnType<typeof closedLoop>>> = {};
      try {
        const devices = refreshingDevices(server, seeded.tokens, Math.max(...CONCURRENCY));
        await closedLoop(1, warmSeconds(sizes), devices.step); // warm-up
        for (const c of CONCURRENCY) http[c] = await closedLoop(c, sizes.seconds, devices.step);
        devices.close();
      } finally {
        await server.close();
      }

      const raw = target.raw();
      try {
        const ids = seeded.sessions.map((s) => s.id);
        await closedLoop(1, warmSeconds(sizes), () => raw.rotate(ids[0]!));
        for (const c of CONCURRENCY) {
          const base = await closedLoop(c, sizes.seconds, (w) => raw.rotate(ids[w]!));
          const lk = http[c]!;
          const ratio = lk.rate / base.rate;
          rows.push({
            section: 'refresh',
            name: `${target.name} raw transaction, c=${c}`,
            value: base.rate,
            unit: 'rotations/s',
            p50: percentile(base.latencies, 0.5),
            p99: percentile(base.latencies, 0.99),
          });
          rows.push({
            section: 'refresh',
            name: `${target.name} POST /oauth/token, c=${c}`,
            value: lk.rate,
            unit: 'rotations/s',
            baseline: base.rate,
            ratio,
            p50: percentile(lk.latencies, 0.5),
            p99: percentile(lk.latencies, 0.99),
            goal: `>= ${target.goal}x raw tx`,
            met: judge(ratio, target.goal),
          });
        }
      } finally {
        await raw.close();
      }
    } finally {
      await target.cleanup();
    }
  }
  return rows;
}
