import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchServerEnv, startChild, type ServerChild } from './child.ts';
import { judge, median, warmSeconds, type Row, type Sizes } from './harness.ts';
import { cannon, type Load } from './protected-request.ts';

const ROUNDS = 3;
const GOAL = 0.9;

/**
 * Floor benchmark: `GET /healthz` of the real latchkey (the cheapest route: what every request pays
 * for hooks, headers and logging) at the default log level (`info`, JSON lines to stdout, a pipe the
 * parent reads) against the same server with logging off (`silent`). Two server processes, loaded
 * in alternating rounds; medians of the rounds.
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
    for (let r = 0; r < ROUNDS; r++) {
      rounds.off.push(await cannon(off, sizes.seconds / ROUNDS, requests));
      rounds.info.push(await cannon(info, sizes.seconds / ROUNDS, requests));
    }
    const errors = [...rounds.off, ...rounds.info].reduce((n, l) => n + l.errors, 0);
    if (errors > 0) throw new Error(`floor: ${errors} failed requests`);
    const pick = (loads: Load[], key: keyof Load) => median(loads.map((l) => l[key]));
    const ratio = pick(rounds.info, 'rate') / pick(rounds.off, 'rate');
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
        note: `JSON log lines to a pipe read by the load generator's process; ${ROUNDS} alternating rounds, medians; autocannon, 16 connections`,
      },
    ];
  } finally {
    for (const server of servers) await server.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
