import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../src/store/sqlite.ts';
import { benchServerEnv, startChild } from './child.ts';
import { closedLoop, judge, percentile, warmSeconds, type Row, type Sizes } from './harness.ts';
import { refreshingDevices } from './refresh.ts';
import { benchSecret, bulkInsertSessions, seedSessions } from './seed.ts';

/**
 * Scale benchmark (5): refresh p50 (concurrency 1, through `POST /oauth/token`) on a SQLite store
 * holding `sizes.scaleSmall` live sessions, then again after filler rows bring it to
 * `sizes.scaleLarge` (inserted directly: one prepared statement, one transaction).
 */
export async function benchScale(sizes: Sizes): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-bench-'));
  const file = path.join(dir, 'latchkey.db');
  try {
    const { hex, codec } = benchSecret();
    const store = await openSqliteStore(file);
    const seeded = await seedSessions(store, codec, sizes.scaleSmall);
    const filler = await seedSessions(store, codec, 1);
    await store.close();

    const measure = async () => {
      const server = await startChild({ type: 'latchkey', env: benchServerEnv({ LATCHKEY_DATA_DIR: dir, LATCHKEY_SECRET: hex }) });
      try {
        const devices = refreshingDevices(server, seeded.tokens, 1);
        let next = 0;
        const step = () => devices.step(next++ % seeded.tokens.length);
        await closedLoop(1, warmSeconds(sizes), step); // warm-up: the connection's page cache
        const cpu0 = await server.cpu();
        const run = await closedLoop(1, sizes.seconds * 3, step, sizes.scaleRefreshes);
        const cpu = ((await server.cpu()) - cpu0) / Math.max(1, run.ops);
        devices.close();
        return { ...run, cpu };
      } finally {
        await server.close();
      }
    };

    const small = await measure();
    const insertSeconds = bulkInsertSessions(file, filler.userId, sizes.scaleLarge - sizes.scaleSmall - 1);
    const large = await measure();
    const p50Small = percentile(small.latencies, 0.5);
    const p50Large = percentile(large.latencies, 0.5);
    const ratio = p50Large / p50Small;
    const label = (n: number) => n.toLocaleString('en-US');
    return [
      {
        section: 'scale',
        name: `refresh with ${label(sizes.scaleSmall)} live sessions`,
        value: p50Small,
        unit: 'ms (p50)',
        p50: p50Small,
        p99: percentile(small.latencies, 0.99),
        cpu: small.cpu,
      },
      {
        section: 'scale',
        name: `refresh with ${label(sizes.scaleLarge)} live sessions`,
        value: p50Large,
        unit: 'ms (p50)',
        baseline: p50Small,
        ratio,
        p50: p50Large,
        p99: percentile(large.latencies, 0.99),
        cpu: large.cpu,
        cpuBaseline: small.cpu,
        goal: '<= 1.3x small store',
        met: judge(ratio, 1.3, '<='),
        note: `SQLite; ${label(sizes.scaleLarge - sizes.scaleSmall)} filler sessions inserted in ${insertSeconds.toFixed(1)} s; file ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
