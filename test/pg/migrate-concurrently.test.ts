import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const run = promisify(execFile);
const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping the concurrent migration suite: TEST_DATABASE_URL is not set');

describe.skipIf(!enabled)('`latchkey migrate` from several processes at once on an empty PostgreSQL database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = (await createTestDatabase())!;
  });
  afterAll(() => db?.drop());

  it('every process succeeds and each migration is applied exactly once', async () => {
    const env = { ...process.env, DATABASE_URL: db.url };
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, () => run(process.execPath, ['bin/latchkey.js', 'migrate'], { env, timeout: 60_000 })),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as { stderr?: string }).stderr ?? r.reason)] : []));
    expect(failures).toEqual([]);
    for (const r of results) expect(r.status === 'fulfilled' && r.value.stdout).toMatch(/schema is up to date/);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query<{ name: string; n: string }>('select name, count(*) as n from kysely_migration group by name');
      expect(applied.rows.length).toBeGreaterThan(0);
      for (const row of applied.rows) expect(Number(row.n)).toBe(1);
      const tables = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
      expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['users', 'sessions', 'events', 'user_devices', 'signing_keys']));
    } finally {
      await client.end();
    }
  }, 90_000);

  it('eight stores opening one empty database in the same instant all come up migrated', async () => {
    const fresh = (await createTestDatabase())!;
    try {
      const opened = await Promise.allSettled(Array.from({ length: 8 }, () => openPostgresStore(fresh.url, { poolSize: 1 })));
      const errors = opened.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(errors).toEqual([]);
      const stores = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      await Promise.all(stores.map((s) => s.ping()));
      expect(await stores[0]!.listSigningKeys()).toEqual([]);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});
