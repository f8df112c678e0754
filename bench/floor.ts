import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchServerEnv, startChild, type ServerChild } from './child.ts';
import { judge, median, warmSeconds, type Row, type Sizes } from './harness.ts';
import { cannon, type Load } from './protected-request.ts';

/** Short rounds: this machine's speed swings within a second, and a pair's two halves must share the moment. */
const ROUNDS = 27;
const GOAL = 0.9;

/**
 * Floor benchmark: `GET /healthz` of the real latchkey (the cheapest route: what every request pays
 * for hooks, headers and logging) at the default log level (`info`, JSON lines to stdout, a pipe the
 * parent reads) against the same server with logging off (`silent`). Two server processes, loaded
 * in alternating rounds (which goes first alternates too); rates, latencies and CPU are medians of
 * the rounds, the ratio is the median of each round's pair (on a shared machine a whole round can
 * run at half speed; the pair in it shares the slowdown). 27 rounds of ~0.3 s each way: with 9 of
 * ~0.9 s, whole-run medians of one code ranged 0.79-1.04x; with these, 0.86-0.95x.
 */
export async function benchFloor(sizes: Sizes): Promise<Row[]> {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-floor-')));
  const servers: ServerChild[] = [];
  try {
    const start = (dir: string, level: string) =>
      startChild({ type: 'latchkey', log: true, env: benchServerEnv({ LATCHKEY_DATA_DIR: dir, LATCHKEY_LOG_LEVEL: level }) });
    const off = await start(dirs[0]!, 'silent');
    servers.push(off);
    const info = await start(dirs[1]!, 'info');
    servers.push(info);
    const requests = [{ method: 'GET' as const, path: '/healthz' }];
    const warm = warmSeconds(sizes);
    if (warm > 0) {
      await cannon(off, warm, requests);
      await cannon(info, warm, requests);
    }
    const rounds: { off: Load[]; info: Load[] } = { off: [], info: [] };
    const pairs: number[] = [];
    const seconds = sizes.smoke ? sizes.seconds / 3 : (2 * sizes.seconds) / ROUNDS;
    for (let r = 0; r < (sizes.smoke ? 3 : ROUNDS); r++) {
      const offFirst = r % 2 === 0;
      const first = await cannon(offFirst ? off : info, seconds, requests);
      const second = await cannon(offFirst ? info : off, seconds, requests);
      const [o, i] = offFirst ? [first, second] : [second, first];
      rounds.off.push(o);
      rounds.info.push(i);
      if (o.rate > 0) pairs.push(i.rate / o.rate);
    }
    const errors = [...rounds.off, ...rounds.info].reduce((n, l) => n + l.errors, 0);
    if (errors > 0) throw new Error(`floor: ${errors} failed requests`);
    const pick = (loads: Load[], key: keyof Load) => median(loads.map((l) => l[key]));
    const ratio = median(pairs);
    return [
      {
        section: 'floor',
        name: 'GET /healthz, logging off',
        value: pick(rounds.off, 'rate'),
        unit: 'req/s',
        p50: pick(rounds.off, 'p50'),
        p99: pick(rounds.off, 'p99'),
        cpu: pick(rounds.off, 'cpu'),
      },
      {
        section: 'floor',
        name: 'GET /healthz, default log level (info)',
        value: pick(rounds.info, 'rate'),
        unit: 'req/s',
        baseline: pick(rounds.off, 'rate'),
        ratio,
        p50: pick(rounds.info, 'p50'),
        p99: pick(rounds.info, 'p99'),
        cpu: pick(rounds.info, 'cpu'),
        cpuBaseline: pick(rounds.off, 'cpu'),
        goal: `>= ${GOAL}x logging off`,
        met: judge(ratio, GOAL),
        note: `JSON log lines to a pipe read by the load generator's process; ${rounds.off.length} rounds of ${seconds.toFixed(2)} s each way, alternating; the ratio is the median of the rounds' ratios; autocannon, 16 connections`,
      },
    ];
  } finally {
    for (const server of servers) await server.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
