/**
 * PostgreSQL at scale (`npm run bench -- --only=pg-scale`; not part of the default run: the full
 * size bulk-loads 10 million sessions and 50 million events, which takes a good part of an hour on
 * 2 cores and ~20 GB of disk). Needs TEST_DATABASE_URL; works in a database of its own, created
 * and dropped here.
 *
 * Two databases: one with 10,000 live sessions and 50,000 events, one bulk-loaded to 10 million
 * sessions and 50 million events.
 * 1. The expired-row sweep under steady sign-ups (on the small one): 1,000 sessions/s arrive
 *    (already ended, so each must be swept), refresh p99 with latchkey's sweeper off, then on; the
 *    backlog must not grow.
 * 2. Refresh p50/p99 through `POST /oauth/token` (c=1) on both, in alternating rounds.
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

/** Alternating measurement rounds of the two stores, and refreshes per round. */
const ROUNDS = 4;

/** A database with {@link DEVICES} sessions whose refresh tokens the benchmark holds. */
async function databaseWithDevices(label: string, hex: string, codec: ReturnType<typeof benchSecret>['codec'], dir: string) {
  const db = await createTestDatabase(label);
  if (!db) return undefined;
  const store = await openPostgresStore(db.url);
  const devices = await seedSessions(store, codec, DEVICES);
  await store.close();
  const env = benchServerEnv({ LATCHKEY_DATA_DIR: dir, DATABASE_URL: db.url, LATCHKEY_SECRET: hex });
  return { db, env, tokens: devices.tokens };
}

export async function benchPgScale(sizes: Sizes, log: (line: string) => void = () => {}): Promise<Row[]> {
  const small = sizes.smoke ? 200 : 10_000;
  const large = sizes.smoke ? 2_000 : 10_000_000;
  const perRound = sizes.smoke ? 20 : 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-pgscale-'));
  const { hex, codec } = benchSecret();
  const s = await databaseWithDevices('PostgreSQL scale benchmark', hex, codec, dir);
  const l = s && (await databaseWithDevices('PostgreSQL scale benchmark', hex, codec, dir));
  try {
    if (!s || !l) return [];
    log(`pg-scale: working in ${[s, l].map((d) => new URL(d.db.url).pathname.slice(1)).join(' and ')} (dropped at the end; drop them by hand if the run is killed)`);
    log(`pg-scale: loading ${label(small)} sessions`);
    const smallLoad = await bulkLoad(s.db.url, { sessions: small, events: small * EVENTS_PER_SESSION }, false, log);
    const sweep = await benchSweep(s.db.url, s.env, s.tokens, sizes, log);
    log(`pg-scale: loading ${label(large)} sessions, ${label(large * EVENTS_PER_SESSION)} events`);
    const largeLoad = await bulkLoad(l.db.url, { sessions: large, events: large * EVENTS_PER_SESSION }, true, log);
    log(`pg-scale: loaded in ${largeLoad.seconds.toFixed(0)} s`);

    // Both stores served at once, measured in alternating rounds: the load of a shared machine
    // falls on both alike.
    const servers = [await startChild({ type: 'latchkey', env: s.env }), await startChild({ type: 'latchkey', env: l.env })];
    const results = [
      { latencies: [] as number[], cpu: 0, ops: 0 },
      { latencies: [] as number[], cpu: 0, ops: 0 },
    ];
    try {
      const clients = servers.map((server, i) => refreshingDevices(server, [s.tokens, l.tokens][i]!, 1));
      const steps = clients.map((client, i) => {
        let next = 0;
        const tokens = [s.tokens, l.tokens][i]!;
        return () => client.step(next++ % tokens.length);
      });
      for (const step of steps) await closedLoop(1, warmSeconds(sizes) * 4, step);
      for (let round = 0; round < ROUNDS; round++) {
        for (const i of [0, 1]) {
          const cpu0 = await servers[i]!.cpu();
          const run = await closedLoop(1, sizes.seconds * 10, steps[i]!, perRound);
          results[i]!.cpu += (await servers[i]!.cpu()) - cpu0;
          results[i]!.ops += run.ops;
          results[i]!.latencies.push(...run.latencies);
        }
      }
      for (const client of clients) client.close();
    } finally {
      for (const server of servers) await server.close();
    }
    const [before, after] = results.map((r) => ({ p50: percentile(r.latencies, 0.5), p99: percentile(r.latencies, 0.99), cpu: r.cpu / Math.max(1, r.ops) })) as [
      { p50: number; p99: number; cpu: number },
      { p50: number; p99: number; cpu: number },
    ];
    log(`pg-scale: small store p50 ${before.p50.toFixed(3)} ms, p99 ${before.p99.toFixed(3)} ms; large p50 ${after.p50.toFixed(3)} ms, p99 ${after.p99.toFixed(3)} ms`);
    const describe = (load: BulkLoad) =>
      `${label(load.rows.sessions)} sessions (${gib(load.bytes.sessions)}), ${label(load.rows.events)} events (${gib(load.bytes.events)}), ${label(load.rows.users)} users (${gib(load.bytes.users)})`;
    const refreshes = label(ROUNDS * perRound);
    const rows: Row[] = [
      {
        section: 'pg-scale',
        name: `refresh with ${label(small)} live sessions (PostgreSQL)`,
        value: before.p50,
        unit: 'ms (p50)',
        p50: before.p50,
        p99: before.p99,
        cpu: before.cpu,
        note: `${describe(smallLoad)}; c=1, ${refreshes} refreshes through POST /oauth/token, in ${ROUNDS} rounds alternating with the large store's`,
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
    await s?.db.drop();
    await l?.db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
