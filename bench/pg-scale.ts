/**
 * PostgreSQL at scale (`npm run bench -- --only=pg-scale`; not part of the default run: the full
 * size bulk-loads 10 million sessions and 50 million events, which takes a good part of an hour on
 * 2 cores and ~20 GB of disk). Needs TEST_DATABASE_URL; works in a database of its own, created
 * and dropped here.
 *
 * 1. Refresh p50/p99 through `POST /oauth/token` (c=1) with 10,000 live sessions and 50,000 events.
 * 2. The expired-row sweep under steady sign-ups: 1,000 sessions/s arrive (already ended, so each
 *    must be swept), refresh p99 with latchkey's sweeper off, then on; the backlog must not grow.
 * 3. The same refresh figures after a bulk load to 10 million sessions and 50 million events.
 *
 * The rows are kept in bench/results-pg-scale.json; `npm run bench` puts them in RESULTS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPostgresStore } from '../src/store/postgres.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { benchServerEnv, startChild } from './child.ts';
import { closedLoop, judge, percentile, warmSeconds, type Row, type Sizes } from './harness.ts';
import { bulkLoad, EVENTS_PER_SESSION, type BulkLoad } from './pg-bulk.ts';
import { refreshingDevices } from './refresh.ts';
import { benchSecret, seedSessions } from './seed.ts';
import { benchSweep } from './sweep.ts';

/** Sessions whose devices the benchmark holds (they refresh in turn; the rest is filler). */
const DEVICES = 64;

export const SCALE_RESULTS = new URL('./results-pg-scale.json', import.meta.url);

const label = (n: number) => n.toLocaleString('en-US');
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;

export async function benchPgScale(sizes: Sizes, log: (line: string) => void = () => {}): Promise<Row[]> {
  const small = sizes.smoke ? 200 : 10_000;
  const large = sizes.smoke ? 2_000 : 10_000_000;
  const refreshes = sizes.smoke ? 40 : 4000;
  const db = await createTestDatabase('PostgreSQL scale benchmark');
  if (!db) return [];
  log(`pg-scale: working in ${new URL(db.url).pathname.slice(1)} (dropped at the end; drop it by hand if the run is killed)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-pgscale-'));
  try {
    const { hex, codec } = benchSecret();
    const store = await openPostgresStore(db.url);
    const devices = await seedSessions(store, codec, DEVICES);
    await store.close();
    const env = benchServerEnv({ LATCHKEY_DATA_DIR: dir, DATABASE_URL: db.url, LATCHKEY_SECRET: hex });
    const tokens = devices.tokens;

    const measure = async () => {
      const server = await startChild({ type: 'latchkey', env });
      try {
        const client = refreshingDevices(server, tokens, 1);
        let next = 0;
        const step = () => client.step(next++ % tokens.length);
        await closedLoop(1, warmSeconds(sizes) * 4, step);
        const cpu0 = await server.cpu();
        const run = await closedLoop(1, sizes.seconds * 10, step, refreshes);
        const cpu = ((await server.cpu()) - cpu0) / Math.max(1, run.ops);
        client.close();
        return { p50: percentile(run.latencies, 0.5), p99: percentile(run.latencies, 0.99), rate: run.rate, cpu };
      } finally {
        await server.close();
      }
    };

    log(`pg-scale: loading ${label(small)} sessions`);
    const smallLoad = await bulkLoad(db.url, { sessions: small, events: small * EVENTS_PER_SESSION }, false, log);
    const before = await measure();
    log(`pg-scale: small store p50 ${before.p50.toFixed(3)} ms, p99 ${before.p99.toFixed(3)} ms`);
    const sweep = await benchSweep(db.url, env, tokens, sizes, log);
    log(`pg-scale: loading ${label(large)} sessions, ${label(large * EVENTS_PER_SESSION)} events`);
    const largeLoad = await bulkLoad(db.url, { sessions: large, events: large * EVENTS_PER_SESSION }, true, log);
    log(`pg-scale: loaded in ${largeLoad.seconds.toFixed(0)} s`);
    const after = await measure();
    log(`pg-scale: large store p50 ${after.p50.toFixed(3)} ms, p99 ${after.p99.toFixed(3)} ms`);
    const describe = (load: BulkLoad) =>
      `${label(load.rows.sessions)} sessions (${gib(load.bytes.sessions)}), ${label(load.rows.events)} events (${gib(load.bytes.events)}), ${label(load.rows.users)} users (${gib(load.bytes.users)})`;
    const rows: Row[] = [
      {
        section: 'pg-scale',
        name: `refresh with ${label(small)} live sessions (PostgreSQL)`,
        value: before.p50,
        unit: 'ms (p50)',
        p50: before.p50,
        p99: before.p99,
        cpu: before.cpu,
        note: `${describe(smallLoad)}; c=1, ${label(refreshes)} refreshes through POST /oauth/token`,
      },
      {
        section: 'pg-scale',
        name: `refresh with ${label(large)} live sessions (PostgreSQL), p50`,
        value: after.p50,
        unit: 'ms (p50)',
        baseline: before.p50,
        ratio: after.p50 / before.p50,
        p50: after.p50,
        p99: after.p99,
        cpu: after.cpu,
        cpuBaseline: before.cpu,
        goal: '<= 1.3x small store',
        met: judge(after.p50 / before.p50, 1.3, '<='),
        note: `${describe(largeLoad)}; bulk load (generate_series, constraints and indexes rebuilt, VACUUM ANALYZE) took ${largeLoad.seconds.toFixed(0)} s`,
      },
      {
        section: 'pg-scale',
        name: `refresh with ${label(large)} live sessions (PostgreSQL), p99`,
        value: after.p99,
        unit: 'ms (p99)',
        baseline: before.p99,
        ratio: after.p99 / before.p99,
        p50: after.p50,
        p99: after.p99,
        goal: '<= 1.3x small store',
        met: judge(after.p99 / before.p99, 1.3, '<='),
      },
      ...sweep,
    ];
    if (!sizes.smoke) fs.writeFileSync(SCALE_RESULTS, `${JSON.stringify({ date: new Date().toISOString(), load: os.loadavg(), rows }, null, 2)}\n`);
    return rows;
  } finally {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
