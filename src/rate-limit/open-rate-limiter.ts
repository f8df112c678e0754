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
  let failure: Error | undefined;
  let starting = true;
  const redis = await RedisRateLimiter.connect(options.redisUrl, options.prefix, (err) => {
    if (starting) failure ??= err;
  });
  starting = false;
  const limiter = new FallbackRateLimiter(redis, memory);
  // A wrong REDIS_URL is told once, at start; the start goes on, limiting in memory until it answers.
  if (failure) limiter.startDegraded(`REDIS_URL (${where(options.redisUrl)}) cannot be reached (${failure.message}): Redis is unavailable; limiting per instance in memory until it answers again`);
  return limiter;
}

/** `host:port` of a Redis URL, never its password. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return 'unparseable URL';
  }
}
