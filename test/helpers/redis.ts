import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis URL of the Redis suites (`TEST_REDIS_URL`), or undefined when they are switched off. */
export const TEST_REDIS_URL: string | undefined = process.env.TEST_REDIS_URL || undefined;

if (!TEST_REDIS_URL) console.warn('skipping Redis suites: TEST_REDIS_URL is not set');

/**
 * A key prefix no other test uses (`latchkey-test:<hex>:`), for `LATCHKEY_REDIS_PREFIX`, and a
 * cleanup that deletes every key under it.
 *
 * @example
 * const space = redisKeySpace()
 * afterEach(() => space.drop())
 * await startServer({ REDIS_URL: TEST_REDIS_URL!, LATCHKEY_REDIS_PREFIX: space.prefix })
 */
export function redisKeySpace(): { readonly prefix: string; keys(): Promise<string[]>; drop(): Promise<void> } {
  const prefix = `latchkey-test:${randomBytes(6).toString('hex')}:`;
  const withRedis = async <T>(work: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis(TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  };
  const keys = () => withRedis(async (redis) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  });
  return {
    prefix,
    keys,
    async drop() {
      const found = await keys();
      if (found.length > 0) await withRedis((redis) => redis.del(...found));
    },
  };
}
