import type { RateLimiter, RateLimitHit } from './rate-limiter.ts';

/** Where the fallback reports that the shared limiter went away and came back. */
export interface FallbackLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/**
 * A {@link RateLimiter} that uses `primary` (Redis) and, while it fails, `fallback` (in memory):
 * logins keep working when Redis goes away, limited per instance instead of across instances.
 * The outage and the recovery are logged once each; during an outage `primary` is tried again
 * every `retryMs` (default 10 s). A hit that fails on `primary` is counted on `fallback`.
 *
 * @example
 * const limiter = new FallbackRateLimiter(redisLimiter, new MemoryRateLimiter())
 * limiter.log = app.log
 */
export class FallbackRateLimiter implements RateLimiter {
  /** Silent until set. */
  log: FallbackLog | undefined;
  #down = false;
  #retryAt = 0;

  constructor(
    private readonly primary: RateLimiter,
    private readonly fallback: RateLimiter,
    private readonly retryMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True while answers come from the fallback. */
  get degraded(): boolean {
    return this.#down;
  }

  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit> {
    return this.#use((limiter) => limiter.hit(key, limit, windowSeconds));
  }

  async reset(key: string): Promise<void> {
    await Promise.all([this.#use((limiter) => limiter.reset(key)), this.#down ? undefined : this.fallback.reset(key)]);
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  async #use<T>(work: (limiter: RateLimiter) => Promise<T>): Promise<T> {
    if (this.#down && this.now() < this.#retryAt) return work(this.fallback);
    try {
      const result = await work(this.primary);
      if (this.#down) {
        this.#down = false;
        this.log?.info({}, 'rate limiter: Redis is back; limits are shared across instances again');
      }
      return result;
    } catch (err) {
      if (!this.#down) {
        this.log?.warn(
          { err: { message: err instanceof Error ? err.message : String(err) } },
          'rate limiter: Redis is unavailable; limiting per instance in memory until it answers again',
        );
      }
      this.#down = true;
      this.#retryAt = this.now() + this.retryMs;
      return work(this.fallback);
    }
  }
}
