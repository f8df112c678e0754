import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery, type Dialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyStore } from '../../src/store/kysely-store.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

/**
 * The queries behind refresh, session listing, the events page and the garbage sweep must find their
 * rows through an index, so their cost stays flat as the tables grow. This seeds 100k sessions and
 * 200k events, captures the SQL the store really sends, and reads each query's plan.
 */
const NOW = 1_800_000_000_000;
const USERS = 10_000;
const SESSIONS = 100_000;
const EVENTS = 200_000;
const BIG_TABLES = ['users', 'sessions', 'events'];

const seed = [
  `with recursive g(x) as (select cast(1 as bigint) union all select x + 1 from g where x < ${USERS})
   insert into users (id, email, email_normalized, password_hash, created_at, roles)
   select 'u' || x, 'u' || x || '@example.com', 'u' || x || '@example.com', 'hash', 0, '' from g`,
  `with recursive g(x) as (select cast(1 as bigint) union all select x + 1 from g where x < ${SESSIONS})
   insert into sessions (id, user_id, nonce, counter, created_at, last_active_at, rotated_at, expires_at, user_agent, browser, os,
                         device_type, ip, last_ip, device_id, revoked_at, revoke_reason)
   select 's' || x, 'u' || (x % ${USERS} + 1), 'nonce', 0, ${NOW} - 86400000, ${NOW} - x * 1000, null,
          ${NOW} + ((x % 1000) - 2) * 3600000, 'ua', 'Firefox', 'Linux', 'desktop', '192.0.2.1', '192.0.2.1', null,
          case when x % 50 = 0 then ${NOW} - 7200000 else null end, case when x % 50 = 0 then 'logout' else null end
   from g`,
  `with recursive g(x) as (select cast(1 as bigint) union all select x + 1 from g where x < ${EVENTS})
   insert into events (id, user_id, type, at, session_id, ip, user_agent, detail)
   select 'e' || x, 'u' || (x % ${USERS} + 1), 'refresh', case when x % 100 = 0 then ${NOW} - x * 0 - 8640000000 else ${NOW} - (x % 89) * 86400000 end, 's' || x, null, null, null from g`,
];

/** Runs the store operations that must stay cheap and returns the SQL they sent. */
async function captureQueries(store: KyselyStore, captured: CompiledQuery[]): Promise<Record<string, CompiledQuery>> {
  const run = async (name: string, work: () => Promise<unknown>) => {
    captured.length = 0;
    await work();
    const query = captured.find((q) => /\b(sessions|events|users)\b/.test(q.sql));
    if (!query) throw new Error(`${name} sent no query on the big tables`);
    return [name, query] as const;
  };
  const entries = [
    await run('refresh: findSession(id)', () => store.findSession('s4242')),
    await run('refresh: rotateSession(id, counter)', () => store.rotateSession('s4242', 0, { at: NOW, lastIp: '192.0.2.1', expiresAt: NOW + 1 }, [])),
    await run('login: findUserByEmail', () => store.findUserByEmail('u42@example.com')),
    await run('session listing: listLiveSessions(user)', () => store.listLiveSessions('u42', NOW)),
    await run('events page: listEvents(user)', () => store.listEvents('u42', 50)),
  ];
  captured.length = 0;
  await store.sweep({ sessionsBefore: NOW - 3_600_000, eventsBefore: NOW - 90 * 86_400_000, keysRetiredBefore: 0, batch: 500 });
  const sent = (pattern: RegExp) => {
    const query = captured.find((q) => pattern.test(q.sql));
    if (!query) throw new Error(`the sweep sent no query matching ${pattern}:\n${captured.map((q) => q.sql).join('\n')}`);
    return query;
  };
  entries.push(['gc: find expired sessions (expires_at)', sent(/^select .* from "sessions" where "expires_at" </)]);
  entries.push(['gc: find revoked sessions (revoked_at)', sent(/^select .* from "sessions" where "revoked_at" </)]);
  entries.push(['gc: delete sessions by id', sent(/^delete from "sessions"/)]);
  entries.push(['gc: find old events (at)', sent(/^select .* from "events" where "at" </)]);
  entries.push(['gc: delete events by id', sent(/^delete from "events"/)]);
  return Object.fromEntries(entries);
}

interface Subject {
  store: KyselyStore;
  captured: CompiledQuery[];
  exec(statement: string): Promise<void>;
  explain(query: CompiledQuery): Promise<string[]>;
  close(): Promise<void>;
}

async function open(dialect: Dialect, extra: Omit<Subject, 'store' | 'captured'>): Promise<Subject> {
  const captured: CompiledQuery[] = [];
  const store = new KyselyStore(new Kysely<Database>({ dialect, log: (e) => void (e.level === 'query' && captured.push(e.query)) }));
  await store.migrate();
  return { store, captured, ...extra };
}

/** Plans per query, kept for docs/query-plans.md (`LATCHKEY_PLANS_OUT=file` writes them). */
const plans: Record<string, Record<string, string[]>> = {};

function planSuite(name: string, subject: () => Promise<Subject>, fullScan: (table: string) => RegExp) {
  describe(`query plans on ${name}`, () => {
    let s: Subject;
    let queries: Record<string, CompiledQuery>;
    beforeAll(async () => {
      s = await subject();
      for (const statement of seed) await s.exec(statement);
      await s.exec('analyze');
      queries = await captureQueries(s.store, s.captured);
      plans[name] = {};
    }, 120_000);
    afterAll(() => s?.close());

    for (const operation of [
      'refresh: findSession(id)',
      'refresh: rotateSession(id, counter)',
      'login: findUserByEmail',
      'session listing: listLiveSessions(user)',
      'events page: listEvents(user)',
      'gc: find expired sessions (expires_at)',
      'gc: find revoked sessions (revoked_at)',
      'gc: delete sessions by id',
      'gc: find old events (at)',
      'gc: delete events by id',
    ]) {
      it(`${operation} reads through an index, never a full scan`, async () => {
        const plan = await s.explain(queries[operation]!);
        plans[name]![operation] = [queries[operation]!.sql, ...plan];
        const text = plan.join('\n');
        expect(text).toMatch(/index/i);
        for (const table of BIG_TABLES) expect(text, text).not.toMatch(fullScan(table));
      });
    }
  });
}

// An unindexed read shows as "SCAN <table>" in SQLite (with an index it says SEARCH, or SCAN ... USING INDEX).
planSuite('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-plans-'));
  const database = new SQLite(path.join(dir, 'latchkey.db'));
  database.pragma('journal_mode = WAL');
  return open(new SqliteDialect({ database }), {
    exec: async (statement) => void database.exec(statement),
    explain: async (q) =>
      (database.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail),
    close: async () => {
      database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}, (table) => new RegExp(`^SCAN ${table}$`, 'm'));

const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping the PostgreSQL query plans: TEST_DATABASE_URL is not set');

describe.skipIf(!enabled)('on PostgreSQL', () => {
  let db: TestDatabase;
  planSuite('PostgreSQL', async () => {
    db = (await createTestDatabase())!;
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    return open(new PostgresDialect({ pool }), {
      exec: async (statement) => void (await pool.query(statement)),
      explain: async (q) => (await pool.query(`explain ${q.sql}`, [...q.parameters])).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']),
      close: async () => {
        await pool.end();
        await db.drop();
      },
    });
  }, (table) => new RegExp(`Seq Scan on ${table}\\b`));
});

afterAll(() => {
  const out = process.env.LATCHKEY_PLANS_OUT;
  if (out) fs.writeFileSync(out, JSON.stringify(plans, null, 2));
});

