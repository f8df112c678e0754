import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { loadConfig } from '../../src/config.ts';
import { createLatchkey } from '../../src/server.ts';
import { KyselyStore } from '../../src/store/kysely-store.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { benchServerEnv } from '../child.ts';
import { benchSecret, seedSessions, BENCH_UA } from '../seed.ts';
import { closedLoop, percentile } from '../harness.ts';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lkb-'));
const file = path.join(dir, 'latchkey.db');
const { hex, codec } = benchSecret();
const s0 = await openSqliteStore(file);
const { tokens } = await seedSessions(s0, codec, 2);
await s0.close();
const config = loadConfig(benchServerEnv({ LATCHKEY_DATA_DIR: dir, LATCHKEY_SECRET: hex }));
const plainDb = new SQLite(file); plainDb.pragma('journal_mode = WAL'); plainDb.pragma('synchronous = NORMAL'); plainDb.pragma('foreign_keys = ON');
const variants = {
  'prepare each query': await createLatchkey(config, { logger: false, store: new KyselyStore(new Kysely<any>({ dialect: new SqliteDialect({ database: plainDb }) })) }),
  'statement cache': await createLatchkey(config, { logger: false }),
};
const ctx = { userAgent: BENCH_UA, ip: '127.0.0.1', deviceId: null };
let i = 0;
for (let r = 0; r < 3; r++) for (const [name, lk] of Object.entries(variants)) {
  const k = i++ % 2;
  const run = await closedLoop(1, 1.5, async () => { tokens[k] = (await lk.auth.refresh(tokens[k]!, ctx)).refreshToken; });
  console.log(name.padEnd(20), run.rate.toFixed(0).padStart(6), '/s p50', percentile(run.latencies, 0.5).toFixed(3), 'ms');
}
for (const lk of Object.values(variants)) await lk.close();
fs.rmSync(dir, { recursive: true });
