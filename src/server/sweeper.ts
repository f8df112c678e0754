import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
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
 * other work between batches; with `pace`, it also waits between two batches as long as the last
 * one took, so a sweep never takes more than about half of the database's (or, on SQLite, the
 * event loop's) time from the requests, however big the backlog. Returns the totals.
 *
 * @example
 * const removed = await sweepInBatches(store, config, systemClock)
 */
export async function sweepInBatches(
  store: Store,
  config: Config,
  clock: Clock,
  options: { batch?: number; maxBatches?: number; pace?: boolean } = {},
): Promise<SweepCounts> {
  const batch = options.batch ?? SWEEP_BATCH;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  const total: SweepCounts = { sessions: 0, events: 0, keys: 0 };
  let took = 0;
  for (let round = 0; round < maxBatches; round++) {
    // let waiting requests run between two deletes
    if (round > 0) await (options.pace && took >= 1 ? sleep(Math.min(took, 1000)) : nextTurn());
    const started = performance.now();
    const swept = await store.sweep(sweepLimits(config, clock.now(), batch));
    took = performance.now() - started;
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
 * until the garbage is gone (or `maxBatches` ran), paced (see {@link sweepInBatches}), so the tables
 * stay the size of the live data, whatever rate rows end at, without ever holding a long lock or
 * taking more than about half of the store's time. A round never starts while the previous one
 * runs; a failure (the database is down) is reported and the next round tries again. Returns a
 * function that stops it.
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
    sweepInBatches(store, config, clock, { pace: true, ...options })
      .catch((err: unknown) => onError?.(err))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
