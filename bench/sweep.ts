import pg from 'pg';
import { startChild, type ServerChild } from './child.ts';
import { closedLoop, judge, percentile, warmSeconds, type Row, type Sizes } from './harness.ts';
import { refreshingDevices } from './refresh.ts';
import { BENCH_UA } from './seed.ts';

/** New sessions per second while the sweep is measured. */
const SIGNUPS_PER_SECOND = 1000;
const HOUR_MS = 3_600_000;

/**
 * Sessions arriving at a steady {@link SIGNUPS_PER_SECOND}, inserted straight into PostgreSQL ten
 * times a second. Each ended two hours ago (the sweep removes sessions ended over an hour ago), so
 * every arrival is also garbage to sweep: the sweep must keep pace with the sign-ups.
 */
function steadySignups(url: string, users: number): { stop: () => Promise<number> } {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let inserted = 0;
  let stopped = false;
  const started = performance.now();
  const loop = (async () => {
    for (let tick = 1; !stopped; tick++) {
      const due = Math.floor(((performance.now() - started) / 1000) * SIGNUPS_PER_SECOND) - inserted;
      if (due > 0) {
        const now = Date.now();
        await pool.query(
          `INSERT INTO sessions (id, user_id, nonce, counter, created_at, last_active_at, rotated_at, expires_at, user_agent,
             browser, os, device_type, ip, last_ip, device_id, revoked_at, revoke_reason)
           SELECT gen_random_uuid()::text, 'filler-' || (g % $4), md5(g::text), 0, $1, $1, NULL, $1, $2, 'Chrome', 'Linux', 'desktop',
             '127.0.0.1', '127.0.0.1', NULL, NULL, NULL
           FROM generate_series(1, $3::int) g`,
          [now - 2 * HOUR_MS, BENCH_UA, due, users],
        );
        inserted += due;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + tick * 100 - performance.now())));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await pool.end();
      return inserted / ((performance.now() - started) / 1000);
    },
  };
}

/** Sessions the sweep should have removed by now (ended over an hour ago). */
async function backlog(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query('SELECT count(*) AS n FROM sessions WHERE expires_at < $1', [Date.now() - HOUR_MS]);
  return Number(rows[0].n);
}

/**
 * The expired-row sweep under steady sign-ups (PostgreSQL): refresh p50/p99 (c=1, POST /oauth/token)
 * with latchkey's sweeper off (60 s), then on at its default schedule (a round a minute; 130 s, so
 * two rounds fall in the window), while 1,000 sessions a second arrive and end; the sweep keeps
 * pace when the backlog of ended sessions stays under two intervals' arrivals.
 */
export async function benchSweep(url: string, env: Record<string, string>, tokens: string[], sizes: Sizes, log: (line: string) => void): Promise<Row[]> {
  const SWEEP_INTERVAL_MS = sizes.smoke ? 1000 : 60_000;
  const offSeconds = sizes.smoke ? 0.5 : 60;
  const onSeconds = sizes.smoke ? 2 : 130;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const { rows } = await pool.query(`SELECT count(*) AS n FROM users WHERE id LIKE 'filler-%'`);
  const signups = steadySignups(url, Math.max(1, Number(rows[0].n)));
  const refreshUnder = async (server: ServerChild, seconds: number) => {
    const client = refreshingDevices(server, tokens, 1);
    let next = 0;
    const step = () => client.step(next++ % tokens.length);
    await closedLoop(1, warmSeconds(sizes), step);
    const run = await closedLoop(1, seconds, step);
    client.close();
    return { p50: percentile(run.latencies, 0.5), p99: percentile(run.latencies, 0.99) };
  };
  try {
    const off = await startChild({ type: 'latchkey', env, sweepIntervalMs: 0 });
    const quiet = await refreshUnder(off, offSeconds).finally(() => off.close());
    log(`sweep: sweeper off: p99 ${quiet.p99.toFixed(3)} ms, backlog ${await backlog(pool)}`);

    // Full size: latchkey's own default schedule (no interval given).
    const on = await startChild({ type: 'latchkey', env, ...(sizes.smoke && { sweepIntervalMs: SWEEP_INTERVAL_MS }) });
    let swept: { p50: number; p99: number };
    let start: number;
    let end: number;
    let elapsed: number;
    try {
      // The sweeper first clears what piled up meanwhile; then the steady state is measured.
      const limit = 2 * (SWEEP_INTERVAL_MS / 1000) * SIGNUPS_PER_SECOND;
      const deadline = Date.now() + (sizes.smoke ? 15_000 : 3 * SWEEP_INTERVAL_MS);
      while ((await backlog(pool)) > limit && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      start = await backlog(pool);
      const t0 = performance.now();
      swept = await refreshUnder(on, onSeconds);
      elapsed = (performance.now() - t0) / 1000;
      end = await backlog(pool);
    } finally {
      await on.close();
    }
    const arrivals = await signups.stop();
    const bound = 2 * (SWEEP_INTERVAL_MS / 1000) * SIGNUPS_PER_SECOND;
    log(`sweep: sweeper on: p99 ${swept.p99.toFixed(3)} ms, backlog ${start} -> ${end}`);
    return [
      {
        section: 'pg-scale',
        name: `refresh under ${SIGNUPS_PER_SECOND.toLocaleString('en-US')} sign-ups/s, sweeper off`,
        value: quiet.p99,
        unit: 'ms (p99)',
        p50: quiet.p50,
        p99: quiet.p99,
        note: `sessions inserted straight into PostgreSQL at ${arrivals.toFixed(0)}/s, each already ended (garbage for the sweep)`,
      },
      {
        section: 'pg-scale',
        name: `refresh under ${SIGNUPS_PER_SECOND.toLocaleString('en-US')} sign-ups/s, sweeper on (a round every ${SWEEP_INTERVAL_MS / 1000} s)`,
        value: swept.p99,
        unit: 'ms (p99)',
        baseline: quiet.p99,
        ratio: swept.p99 / quiet.p99,
        p50: swept.p50,
        p99: swept.p99,
        goal: '<= 1.2x sweeper off',
        met: judge(swept.p99 / quiet.p99, 1.2, '<='),
      },
      {
        section: 'pg-scale',
        name: 'ended sessions waiting for the sweep, end of the run',
        value: end,
        unit: 'rows',
        baseline: bound,
        ratio: end / bound,
        goal: `<= ${bound.toLocaleString('en-US')} (2 intervals of sign-ups)`,
        met: judge(end, bound, '<='),
        note: `backlog ${start.toLocaleString('en-US')} at the start of the ${elapsed.toFixed(0)} s measured, ${end.toLocaleString('en-US')} at its end: the sweep kept pace when it does not grow`,
      },
    ];
  } finally {
    await signups.stop().catch(() => 0);
    await pool.end();
  }
}
