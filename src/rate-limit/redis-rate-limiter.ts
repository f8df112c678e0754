import { Redis } from 'ioredis';
import { rateLimitHit, type RateLimiter, type RateLimitHit } from './rate-limiter.ts';

/** INCR the key; the first hit of a window sets its expiry. One script, so the pair is atomic. */
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

type HitCommand = (key: string, windowMs: string) => Promise<[number, number]>;

/**
 * The {@link RateLimiter} shared by every instance: fixed windows in Redis (`INCR` + `PEXPIRE` in one
 * Lua script), keys under `prefix`. Commands fail fast instead of queueing while Redis is away (no
 * offline queue, one retry, 1 s connect and 500 ms command timeouts), so a caller can fall back
 * (see `FallbackRateLimiter`); ioredis keeps reconnecting in the background.
 *
 * @example
 * const limiter = await RedisRateLimiter.connect('redis://127.0.0.1:6379', 'latchkey:')
 * await limiter.hit('login:ip:203.0.113.9', 30, 60)
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #hit: HitCommand;

  private constructor(readonly redis: Redis) {
    redis.defineCommand('latchkeyHit', { numberOfKeys: 1, lua: HIT });
    this.#hit = (redis as unknown as { latchkeyHit: HitCommand }).latchkeyHit.bind(redis);
  }

  /**
   * Connects to `url`; resolves once connected or once the first attempt failed (the limiter then
   * answers with errors until ioredis reconnects). `onError` hears every connection error.
   */
  static async connect(url: string, prefix: string, onError: (err: Error) => void = () => {}): Promise<RedisRateLimiter> {
    const redis = new Redis(url, {
      keyPrefix: `${prefix}rl:`,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      commandTimeout: 500,
      retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    redis.on('error', onError);
    await redis.connect().catch(onError);
    return new RedisRateLimiter(redis);
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit> {
    const [count, ttl] = await this.#hit(key, String(windowSeconds * 1000));
    return rateLimitHit(Number(count), limit, Number(ttl));
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(key);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
