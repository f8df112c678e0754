import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { KyselyStore } from './kysely-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import { raisingStoreUnavailable } from './outage.ts';
import type { Database } from './schema.ts';

/**
 * Opens (creating if needed) the embedded SQLite store at `file`, in WAL mode with
 * `synchronous=NORMAL`: durable across process crashes, and ~10k rotations/s on one core.
 * Pass `':memory:'` for a throwaway store.
 */
export async function openSqliteStore(file: string): Promise<KyselyStore> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const store = new SqliteStore(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), database);
  await migrateAlongsideOthers(store);
  return raisingStoreUnavailable(store);
}

/**
 * Kysely's migration lock does not hold across processes on SQLite (its transactions start
 * deferred), so two processes opening a new database at once (a server and a CLI command, say)
 * can both try the first migration; the loser's transaction rolls back whole. Trying again
 * after a moment then finds the schema up to date.
 */
async function migrateAlongsideOthers(store: KyselyStore, attempts = 20): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.migrate();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}

/**
 * Kysely prepares every query it runs; preparing costs more than running our small statements
 * (bench/RESULTS.md). This keeps the prepared statement of each SQL text (a bounded set: the store's
 * queries, by shape) and hands it out again. Safe because better-sqlite3 runs one statement at a time
 * and the store never streams (`iterate`) results.
 */
function withStatementCache(database: SQLite.Database, max = 500): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      // Every transaction of ours writes: taking the write lock at BEGIN lets a second process (a
      // CLI command beside the server) wait its turn (busy_timeout) instead of failing SQLITE_BUSY
      // when its read turns into a write.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= max) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
