import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FallbackRateLimiter, type FallbackLog } from '../../src/rate-limit/fallback-rate-limiter.ts';
import { MemoryRateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import { RedisRateLimiter } from '../../src/rate-limit/redis-rate-limiter.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { redisKeySpace, TEST_REDIS_URL } from '../helpers/redis.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startLoggedServer, type LoggedServer } from './logged-server.ts';

const from = (url: string, ip: string) => new BrowserClient(url, { 'user-agent': CHROME_LINUX, 'x-forwarded-for': ip });

/** Closes what a test opened, even when it fails. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!TEST_REDIS_URL)('limits shared through Redis', () => {
  /** Two instances on one database (one SQLite file, one server secret) and one Redis key space. */
  async function twoInstances(env: Record<string, string>): Promise<[TestServer, TestServer, ReturnType<typeof redisKeySpace>]> {
    const space = redisKeySpace();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-shared-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }), () => space.drop());
    const shared = { ...env, LATCHKEY_DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL!, LATCHKEY_REDIS_PREFIX: space.prefix, LATCHKEY_TRUST_PROXY: 'loopback' };
    const a = await startServer(shared);
    cleanups.push(() => a.close());
    const b = await startServer(shared);
    cleanups.push(() => b.close());
    return [a, b, space];
  }

  it('failures for one account+IP add up across instances', async () => {
    const [a, b, space] = await twoInstances({});
    const email = uniqueEmail('shared');
    expect((await from(a.url, '198.51.100.1').register(email, PASSWORD)).status).toBe(201);
    const servers = [a, b, a, b, a];
    for (const [i, server] of servers.entries()) {
      expectError(await from(server.url, '203.0.113.80').login(email, `guess ${i}`), 401, 'invalid_credentials');
    }
    // The sixth try, on the instance that saw only two failures, is refused.
    const refused = await from(b.url, '203.0.113.80').login(email, PASSWORD);
    expectError(refused, 429, 'too_many_requests');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    // The owner, elsewhere, signs in on either instance.
    expect((await from(a.url, '198.51.100.2').login(email, PASSWORD)).status).toBe(200);
    expect((await from(b.url, '198.51.100.3').login(email, PASSWORD)).status).toBe(200);
    // The counters live in Redis under the prefix, and name no e-mail address.
    const keys = await space.keys();
    expect(keys.some((k) => k.startsWith(`${space.prefix}rl:login:fail:`) && k.endsWith(':203.0.113.80'))).toBe(true);
    expect(keys.join('\n')).not.toContain('example.com');
  });

  it('a flood from one IP is limited across instances', async () => {
    const [a, b] = await twoInstances({ LATCHKEY_LOGIN_IP_LIMIT: '6', LATCHKEY_LOGIN_IP_WINDOW: '60' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await from((i % 2 ? b : a).url, '203.0.113.90').login(uniqueEmail('flood'), 'guess')).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
  });
});

describe('when Redis is unreachable', () => {
  it('the server starts, serves, throttles per instance, and says so in the log once', async () => {
    const server: LoggedServer = await startLoggedServer(
      { REDIS_URL: 'redis://127.0.0.1:1', LATCHKEY_TRUST_PROXY: 'loopback' },
      { level: 'info' },
    );
    cleanups.push(() => server.close());
    const email = uniqueEmail('offline');
    expect((await from(server.url, '198.51.100.9').register(email, PASSWORD)).status).toBe(201);
    expect((await from(server.url, '198.51.100.9').login(email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 5; i++) expectError(await from(server.url, '203.0.113.99').login(email, `guess ${i}`), 401, 'invalid_credentials');
    expectError(await from(server.url, '203.0.113.99').login(email, PASSWORD), 429, 'too_many_requests');
    expect((await from(server.url, '198.51.100.10').login(email, PASSWORD)).status).toBe(200);
    const warnings = server.lines().filter((line) => String(line.msg).includes('Redis is unavailable'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.level).toBe(40);
  });
});

/** A TCP proxy in front of the real Redis that the test can cut and restore. */
async function redisProxy(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let port = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen();
  port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  };
  return { url: `redis://127.0.0.1:${port}`, cut, restore: listen, close: () => (server.listening ? cut() : Promise.resolve()) };
}

describe.skipIf(!TEST_REDIS_URL)('when Redis goes away and comes back', () => {
  it('counting moves to memory during the outage and back to Redis after it, logged once each way', async () => {
    const proxy = await redisProxy(new URL(TEST_REDIS_URL!));
    const space = redisKeySpace();
    const redis = await RedisRateLimiter.connect(proxy.url, space.prefix);
    const limiter = new FallbackRateLimiter(redis, new MemoryRateLimiter(), 50);
    const logged: Array<[string, string]> = [];
    const log: FallbackLog = { warn: (_o, msg) => logged.push(['warn', msg]), info: (_o, msg) => logged.push(['info', msg]) };
    limiter.log = log;
    cleanups.push(() => proxy.close(), () => limiter.close(), () => space.drop());

    expect((await limiter.hit('k', 10, 60)).count).toBe(1);
    expect(await space.keys()).toEqual([`${space.prefix}rl:k`]);

    await proxy.cut();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await limiter.hit('k', 10, 60));
    expect(limiter.degraded).toBe(true);
    expect(during.map((h) => h.count)).toEqual([1, 2, 3, 4, 5]); // counted in memory, from zero
    expect(logged).toEqual([['warn', expect.stringContaining('Redis is unavailable')]]);

    await proxy.restore();
    // ioredis reconnects with back-off; wait (bounded) until a hit reaches Redis again.
    const deadline = Date.now() + 15_000;
    let hit = await limiter.hit('k', 10, 60);
    while (limiter.degraded && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      hit = await limiter.hit('k', 10, 60);
    }
    expect(limiter.degraded).toBe(false);
    expect(hit.count).toBe(2); // Redis kept its window: the first hit, then this one
    expect(logged.map(([level]) => level)).toEqual(['warn', 'info']);
  }, 30_000);
});
