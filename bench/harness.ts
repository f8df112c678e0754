import os from 'node:os';

/** One line of the results table. Rates are per second, latencies in milliseconds. */
export interface Row {
  readonly section: string;
  readonly name: string;
  /** latchkey's figure (a rate, or a latency for rows whose unit is `ms`). */
  readonly value: number;
  readonly unit: string;
  /** The raw limit it is compared with, in the same unit. */
  readonly baseline?: number;
  /** value / baseline (for latencies: baseline / value is not used; the ratio reads "times the baseline"). */
  readonly ratio?: number;
  readonly p50?: number;
  readonly p99?: number;
  /**
   * CPU time (user + system) the server process spent per operation, microseconds, measured with
   * `process.cpuUsage()` deltas inside that process: unlike rates, it does not depend on how much of
   * the machine the load generator (or anyone else) takes.
   */
  readonly cpu?: number;
  /** The same for the raw parts the operation is made of (their sum), microseconds per operation. */
  readonly cpuBaseline?: number;
  /** The goal, in words, e.g. `>= 0.85x raw`. */
  readonly goal?: string;
  readonly met?: boolean;
  readonly note?: string;
}

/** This process's CPU time so far (user + system, all its threads), microseconds: take deltas. */
export function processCpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** How big each benchmark runs: `full` for `npm run bench`, `smoke` for the CI harness check. */
export interface Sizes {
  readonly smoke: boolean;
  /** Distinct tokens minted per algorithm for the fresh-token verify rounds. */
  readonly verifyTokens: number;
  /** Seconds of each timed phase (repeated-token verify, autocannon, refresh loops, logins). */
  readonly seconds: number;
  /** Distinct live access tokens in the protected-request mix. */
  readonly protectedTokens: number;
  /** Live sessions in the small and the large store of the scale benchmark. */
  readonly scaleSmall: number;
  readonly scaleLarge: number;
  /** Refreshes timed per store size in the scale benchmark. */
  readonly scaleRefreshes: number;
}

export const FULL: Sizes = {
  smoke: false,
  verifyTokens: 6000,
  seconds: 4,
  protectedTokens: 1000,
  scaleSmall: 1000,
  scaleLarge: 1_000_000,
  scaleRefreshes: 3000,
};

export const SMOKE: Sizes = {
  smoke: true,
  verifyTokens: 40,
  seconds: 0.25,
  protectedTokens: 20,
  scaleSmall: 50,
  scaleLarge: 200,
  scaleRefreshes: 40,
};

/** Seconds of warm-up before a timed phase (JIT, connections, caches); none in the smoke run. */
export function warmSeconds(sizes: Sizes): number {
  return sizes.smoke ? 0 : Math.max(0.2, sizes.seconds / 8);
}

/**
 * Requests of warm-up before a server's timed phases: V8 compiles a request path's functions only
 * after thousands of calls (on 2 cores latchkey's refresh needs ~4,000 before its CPU per request
 * settles; timed after half a second, c=1 measured the compiler). None in the smoke run.
 */
export function warmOps(sizes: Sizes): number {
  return sizes.smoke ? 0 : 6000;
}

/** The value at quantile `q` (0..1) of `samples` (nearest rank); NaN for none. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs `workers` loops of `step` until `seconds` have passed (or `maxOps` steps ran), timing each
 * step. Returns the rate over the whole run and the latency samples.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  step: (worker: number) => Promise<void> | void,
  maxOps = Number.POSITIVE_INFINITY,
): Promise<{ ops: number; rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  const start = nowMs();
  const end = start + seconds * 1000;
  let ops = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (nowMs() < end && ops < maxOps) {
        ops++;
        const t0 = nowMs();
        await step(worker);
        latencies.push(nowMs() - t0);
      }
    }),
  );
  const elapsed = (nowMs() - start) / 1000;
  return { ops: latencies.length, rate: latencies.length / elapsed, latencies };
}

/** The machine the figures come from, for the header of RESULTS.md. */
export function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: String(os.availableParallelism()),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

/** `ratio >= goal` (or `<=` for ceilings) on the unrounded ratio: a ratio the table shows as its goal may still miss it. */
export function judge(ratio: number, goal: number, direction: '>=' | '<=' = '>='): boolean {
  if (!Number.isFinite(ratio)) return false;
  return direction === '>=' ? ratio >= goal : ratio <= goal;
}
