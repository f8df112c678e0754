import type { Clock } from '../core/clock.ts';
import { FallbackRateLimiter } from './fallback-rate-limiter.ts';
import { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';

/**
 * The rate limiter for a config: in memory (timed by `clock`) without `redisUrl`; with it, Redis
 * shared by every instance, falling back to memory while Redis does not answer. Never throws for an
 * unreachable Redis: the server starts and serves, and uses Redis once it answers.
 *
 * @example
 * const limiter = await openRateLimiter({ redisUrl: config.redisUrl, prefix: config.redisPrefix, clock })
 * if (limiter instanceof FallbackRateLimiter) limiter.log = app.log
 */
export async function openRateLimiter(options: {
  readonly redisUrl: string | undefined;
  readonly prefix: string;
  readonly clock: Clock;
}): Promise<RateLimiter> {
  const memory = new MemoryRateLimiter(options.clock);
  if (!options.redisUrl) return memory;
  return new FallbackRateLimiter(await RedisRateLimiter.connect(options.redisUrl, options.prefix), memory);
}
