import { systemClock, type Clock } from '../core/clock.ts';

/** What one counted hit learned about its key's current window. */
export interface RateLimitHit {
  /** Hits counted in the current window, this one included. */
  readonly count: number;
  /** `count <= limit`: the request may go on. */
  readonly allowed: boolean;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` of a refused request. */
  readonly retryAfter: number;
}

/**
 * Counts hits per key in fixed windows. A window starts at a key's first hit and lasts
 * `windowSeconds`; the count then starts again from zero. Implementations: {@link MemoryRateLimiter}
 * (one process) and `RedisRateLimiter` (shared by every instance).
 *
 * @example
 * const { allowed, retryAfter } = await limiter.hit(`login:ip:${ip}`, 30, 60)
 * if (!allowed) throw fail('too_many_requests', 'Slow down.', retryAfter)
 */
export interface RateLimiter {
  /** Counts one hit on `key` (atomically, also across instances for a shared store). */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit>;
  /** Forgets `key`'s window, as if it had never been hit. */
  reset(key: string): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** The answer for `count` hits in a window that ends in `msLeft`. */
export function rateLimitHit(count: number, limit: number, msLeft: number): RateLimitHit {
  return { count, allowed: count <= limit, retryAfter: Math.max(1, Math.ceil(msLeft / 1000)) };
}

interface Window {
  count: number;
  readonly endsAt: number;
}

/**
 * The in-process {@link RateLimiter}: a Map of windows with bounded memory. Expired windows are
 * swept at most once a minute; when `maxKeys` live windows exist, the oldest is dropped, so a flood
 * of random keys costs at most `maxKeys` entries (~100 bytes each). Time comes from `clock`.
 *
 * @example
 * const limiter = new MemoryRateLimiter(systemClock, 100_000)
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, Window>();
  #nextSweep = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly maxKeys = 100_000,
  ) {}

  /** Live windows held now (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit> {
    const now = this.clock.now();
    let window = this.#windows.get(key);
    if (!window || window.endsAt <= now) {
      this.#windows.delete(key);
      this.#makeRoom(now);
      window = { count: 0, endsAt: now + windowSeconds * 1000 };
      this.#windows.set(key, window);
    }
    window.count++;
    return rateLimitHit(window.count, limit, window.endsAt - now);
  }

  async reset(key: string): Promise<void> {
    this.#windows.delete(key);
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }

  #makeRoom(now: number): void {
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + 60_000;
      for (const [key, window] of this.#windows) if (window.endsAt <= now) this.#windows.delete(key);
    }
    // Still full of live windows: drop the oldest (Map keeps insertion order).
    while (this.#windows.size >= this.maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}
