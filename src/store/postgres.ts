import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from './kysely-store.ts';
import { raisingStoreUnavailable } from './outage.ts';
import { PostgresStore } from './postgres-store.ts';
import type { Database } from './schema.ts';

const INT8 = 20;

/** Connection limits of a PostgreSQL store: how long a request may wait before it gets a 503. */
export interface PostgresOptions {
  /** Connections in this instance's pool (default 10). */
  readonly poolSize?: number;
  /** Give up opening a connection after this long (ms, default 3000). */
  readonly connectTimeoutMs?: number;
  /**
   * The server cancels any statement that runs longer (ms, default 5000): a request never waits
   * long on a lock. Migrations run on their own connection without this limit.
   */
  readonly statementTimeoutMs?: number;
  /**
   * The client gives up on a query whose answer has not arrived after this long (ms, default 8000):
   * a half-open connection (the network died without a reset) cannot hang a request.
   */
  readonly queryTimeoutMs?: number;
}

/**
 * Opens the PostgreSQL store at `url` and brings its schema up to date. BIGINT columns (our
 * timestamps) are read back as numbers: epoch milliseconds fit a double exactly.
 *
 * Several instances may open the same database at once: migrations run under Kysely's migration
 * lock (a PostgreSQL session advisory lock), so exactly one applies them and the others wait.
 * While the database is unreachable every call fails within the timeouts above with a connection
 * error, raised as `StoreUnavailable` (503 at the HTTP layer); the pool reconnects by itself when it returns.
 *
 * @example
 * const store = await openPostgresStore('postgres://latchkey@db.internal/latchkey', { poolSize: 20 })
 */
export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<KyselyStore> {
  await migratePostgres(url, options.connectTimeoutMs);
  const pool = createPool(url, {
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs ?? 8000,
  });
  return raisingStoreUnavailable(new PostgresStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool));
}

/** Brings the schema at `url` up to date on one short-lived connection without statement timeouts. */
async function migratePostgres(url: string, connectTimeoutMs = 3000): Promise<void> {
  const pool = createPool(url, { max: 1, connectionTimeoutMillis: connectTimeoutMs });
  await new KyselyStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })).migrate().finally(() => pool.end());
}

function createPool(url: string, config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...config,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // an idle client lost its connection; the pool replaces it and requests report the outage
  });
  pool.on('connect', (client) => {
    // A checked-out client whose connection drops between two queries emits 'error' outside any
    // query: without a listener that would crash the process. The next query on it fails instead
    // (a 503), and the pool discards it on release.
    client.on('error', () => {});
  });
  return pool;
}
