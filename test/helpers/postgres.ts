import crypto from 'node:crypto';
import pg from 'pg';

/** A throwaway PostgreSQL database for one test file. */
export interface TestDatabase {
  /** Connection URL of the fresh database. */
  readonly url: string;
  /** Terminates every connection to the database and drops it. Safe to call twice. */
  drop(): Promise<void>;
}

/** The admin URL (`TEST_DATABASE_URL`), or undefined when the PostgreSQL suites are switched off. */
export const TEST_DATABASE_URL: string | undefined = process.env.TEST_DATABASE_URL || undefined;

/**
 * Creates a fresh database `latchkey_test_<random hex>` through the admin URL in `TEST_DATABASE_URL`
 * and returns its URL. Without `TEST_DATABASE_URL` it prints one skip line and returns undefined,
 * so the caller can `describe.skipIf(!db)`.
 *
 * @example
 * const db = await createTestDatabase();
 * describe.skipIf(!db)('on PostgreSQL', () => {
 *   afterAll(() => db?.drop());
 *   it('works', async () => { const store = await openPostgresStore(db!.url); ... });
 * });
 */
export async function createTestDatabase(label = 'PostgreSQL suite'): Promise<TestDatabase | undefined> {
  const adminUrl = TEST_DATABASE_URL;
  if (!adminUrl) {
    console.warn(`skipping ${label}: TEST_DATABASE_URL is not set`);
    return undefined;
  }
  const name = `latchkey_test_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
      });
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
