import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from './kysely-store.ts';
import type { Database } from './schema.ts';

const INT8 = 20;

/**
 * Opens the PostgreSQL store at `url` and brings its schema up to date. BIGINT columns (our
 * timestamps) are read back as numbers: epoch milliseconds fit a double exactly.
 */
export async function openPostgresStore(url: string, options: { poolSize?: number } = {}): Promise<KyselyStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // an idle client lost its connection; the pool replaces it and requests report the outage
  });
  const store = new KyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
  await store.migrate();
  return store;
}
