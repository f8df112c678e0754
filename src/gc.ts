import type { Config } from './config.ts';
import type { Clock } from './core/clock.ts';
import type { Store, SweepLimits } from './store/store.ts';

/** Revoked and expired sessions are kept this long after they end (a replay still finds "revoked"). */
const ENDED_SESSION_RETENTION_MS = 60 * 60 * 1000;

/** What counts as garbage at `now` under `config`. */
export function sweepLimits(config: Config, now: number, batch = 500): SweepLimits {
  return {
    sessionsBefore: now - Math.max(ENDED_SESSION_RETENTION_MS, config.session.grace * 1000),
    eventsBefore: now - config.eventRetention * 1000,
    keysRetiredBefore: now - (config.session.accessTtl + 86_400) * 1000,
    batch,
  };
}

/** Sweeps until nothing is left (for `latchkey gc`), one small batch at a time. Returns the totals. */
export async function collectGarbage(store: Store, config: Config, clock: Clock, batch = 500) {
  const total = { sessions: 0, events: 0, keys: 0 };
  for (;;) {
    const swept = await store.sweep(sweepLimits(config, clock.now(), batch));
    total.sessions += swept.sessions;
    total.events += swept.events;
    total.keys += swept.keys;
    if (swept.sessions < batch && swept.events < batch) return total;
  }
}

/**
 * Runs one bounded sweep every `intervalMs` (default a minute) in the background, so the tables stay
 * the size of the live data without ever holding a long lock. Returns a function that stops it.
 */
export function startSweeper(store: Store, config: Config, clock: Clock, intervalMs = 60_000, onError?: (err: unknown) => void): () => void {
  const timer = setInterval(() => {
    store.sweep(sweepLimits(config, clock.now())).catch((err: unknown) => onError?.(err));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
