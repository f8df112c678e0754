import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyStore } from '../../src/store/kysely-store.ts';
import { PostgresStore } from '../../src/store/postgres-store.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { createTestDatabase } from '../../test/helpers/postgres.ts';
import { benchSecret, seedSessions } from '../seed.ts';
import { closedLoop, percentile } from '../harness.ts';
const db = (await createTestDatabase())!;
try {
  const s0 = await openPostgresStore(db.url);
  const { sessions, userId } = await seedSessions(s0, benchSecret().codec, 32);
  await s0.close();
  const mk = () => new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 10 }) }) });
  const stores = { base: new KyselyStore(mk()), cte: new PostgresStore(mk()) };
  const counters = sessions.map(() => 0);
  for (const c of [1, 32]) for (let r = 0; r < 3; r++) for (const [name, store] of Object.entries(stores)) {
    const run = await closedLoop(c, 1, async (w) => {
      const now = Date.now();
      const ok = await store.rotateSession(sessions[w]!.id, counters[w]!, { at: now, lastIp: '1.1.1.1', expiresAt: now + 1e6 }, [{ userId, type: 'refresh', at: now, sessionId: sessions[w]!.id, ip: '1.1.1.1', userAgent: 'ua', detail: null }]);
      if (!ok) throw new Error('lost'); counters[w]!++;
    });
    console.log(`c=${c} ${name.padEnd(5)} ${run.rate.toFixed(0).padStart(6)}/s p50 ${percentile(run.latencies, 0.5).toFixed(2)}ms`);
  }
  await stores.base.close(); await stores.cte.close();
} finally { await db.drop(); }
