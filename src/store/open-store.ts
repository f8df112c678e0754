import path from 'node:path';
import type { StoreConfig } from '../config.ts';
import type { KyselyStore } from './kysely-store.ts';
import { openPostgresStore } from './postgres.ts';
import { openSqliteStore } from './sqlite.ts';

/** PostgreSQL when `DATABASE_URL` is set, else SQLite at `<data dir>/latchkey.db`; migrated and ready. */
export function openStore(config: StoreConfig): Promise<KyselyStore> {
  return config.databaseUrl
    ? openPostgresStore(config.databaseUrl, { poolSize: config.poolSize })
    : openSqliteStore(path.join(config.dataDir, 'latchkey.db'));
}
