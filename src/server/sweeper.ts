import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Config } from '../config.ts';
import type { Clock } from '../core/clock.ts';
import type { Store, SweepLimits } from '../core/store.ts';

/** Revoked and expired sessions are kept this long after they end (a replay still finds "revoked"). */
const ENDED_SESSION_RETENTION_MS = 60 * 60 * 1000;

/** Rows per table per delete: small enough that one delete never holds locks for long. */
export const SWEEP_BATCH = 500;

/** Rows removed by a sweep, per table. */
export interface SweepCounts {
  sessions: number;
  events: number;
  keys: number;
}

/**
 * What counts as garbage at `now` under `config`: sessions that ended (expired or revoked) over an
 * hour ago (and past the refresh grace window), events older than `LATCHKEY_EVENT_RETENTION`, and
 * signing keys retired longer ago than an access token lives, plus a day.
 *
 * @example
 * await store.sweep(sweepLimits(config, Date.now()))
 */
export function sweepLimits(config: Config, now: number, batch = SWEEP_BATCH): SweepLimits {
  return {
    sessionsBefore: now - Math.max(ENDED_SESSION_RETENTION_MS, config.session.grace * 1000),
    eventsBefore: now - config.eventRetention * 1000,
    keysRetiredBefore: now - (config.session.accessTtl + 86_400) * 1000,
    batch,
  };
}

/**
 * Sweeps one batch after another until a batch comes back short or `maxBatches` ran, yielding to
 * other work between batches. Returns the totals.
 *
 * @example
 * const removed = await sweepInBatches(store, config, systemClock)
 */
export async function sweepInBatches(
  store: Store,
  config: Config,
  clock: Clock,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<SweepCounts> {
  const batch = options.batch ?? SWEEP_BATCH;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const total: SweepCounts = { sessions: 0, events: 0, keys: 0 };
  for (let round = 0; round < maxBatches; round++) {
    if (round > 0) await nextTurn(); // let waiting requests run between two deletes
    const swept = await store.sweep(sweepLimits(config, clock.now(), batch));
    total.sessions += swept.sessions;
    total.events += swept.events;
    total.keys += swept.keys;
    if (swept.sessions < batch && swept.events < batch) break;
  }
  return total;
}

/**
 * Sweeps until nothing is left (for `latchkey gc`), one small batch at a time. Returns the totals.
 *
 * @example
 * const { sessions, events, keys } = await collectGarbage(store, config, systemClock)
 */
export function collectGarbage(store: Store, config: Config, clock: Clock, batch = SWEEP_BATCH): Promise<SweepCounts> {
  return sweepInBatches(store, config, clock, { batch });
}

/**
 * Sweeps in the background every `intervalMs` (default a minute): each round deletes small batches
 * until the garbage is gone or `maxBatches` (default 20, i.e. 10,000 rows per table) ran, so the
 * tables stay the size of the live data without ever holding a long lock. A round never starts
 * while the previous one runs; a failure (the database is down) is reported and the next round
 * tries again. Returns a function that stops it.
 *
 * @example
 * const stop = startSweeper(store, config, systemClock, 60_000, (err) => log.warn({ err }, 'sweep failed'))
 */
export function startSweeper(
  store: Store,
  config: Config,
  clock: Clock,
  intervalMs = 60_000,
  onError?: (err: unknown) => void,
  options: { batch?: number; maxBatches?: number } = {},
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepInBatches(store, config, clock, { maxBatches: 20, ...options })
      .catch((err: unknown) => onError?.(err))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
