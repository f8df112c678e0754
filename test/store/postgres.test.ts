import { describe } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { testStore } from './conformance.ts';

const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping PostgreSQL store conformance suite: TEST_DATABASE_URL is not set');

describe.skipIf(!enabled)('PostgreSQL store', () => {
  testStore('PostgreSQL', async () => {
    const db = (await createTestDatabase())!;
    const store = await openPostgresStore(db.url).catch(async (err: unknown) => {
      await db.drop();
      throw err;
    });
    return {
      store,
      async contenders(n) {
        // a few stores (pools), each racer on its own connection
        const pools = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url, { poolSize: Math.ceil(n / 4) })));
        return {
          stores: Array.from({ length: n }, (_, i) => pools[i % pools.length]!),
          close: async () => void (await Promise.all(pools.map((p) => p.close()))),
        };
      },
      async cleanup() {
        await store.close();
        await db.drop();
      },
    };
  });
});
