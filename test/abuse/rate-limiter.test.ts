import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_THROTTLE, loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { clientKey } from '../../src/rate-limit/login-throttle.ts';
import { MemoryRateLimiter } from '../../src/rate-limit/rate-limiter.ts';

describe('the in-memory rate limiter', () => {
  it('counts in fixed windows and tells how long until the window ends', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock);
    expect(await limiter.hit('k', 2, 60)).toEqual({ count: 1, allowed: true, retryAfter: 60 });
    clock.advance(10);
    expect(await limiter.hit('k', 2, 60)).toEqual({ count: 2, allowed: true, retryAfter: 50 });
    expect(await limiter.hit('k', 2, 60)).toEqual({ count: 3, allowed: false, retryAfter: 50 });
    expect((await limiter.hit('other', 2, 60)).count).toBe(1);
    clock.advance(50);
    expect(await limiter.hit('k', 2, 60)).toEqual({ count: 1, allowed: true, retryAfter: 60 });
    await limiter.reset('k');
    expect((await limiter.hit('k', 2, 60)).count).toBe(1);
  });

  it('keeps memory bounded: expired windows are swept, and a flood of keys never exceeds the cap', async () => {
    const clock = new ManualClock(Date.parse('2026-05-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock, 1000);
    for (let i = 0; i < 5000; i++) await limiter.hit(`flood:${i}`, 5, 60);
    expect(limiter.size).toBe(1000);
    clock.advance(61);
    await limiter.hit('after', 5, 60);
    expect(limiter.size).toBe(1);
  });
});

describe('throttle settings', () => {
  it('default to the documented limits and can be tuned or switched off', () => {
    expect(loadConfig({}).throttle).toEqual(DEFAULT_THROTTLE);
    expect(DEFAULT_THROTTLE).toEqual({
      loginFailures: { limit: 5, window: 900 },
      loginPerIp: { limit: 30, window: 60 },
      registerPerIp: { limit: 20, window: 3600 },
      refreshPerIp: { limit: 600, window: 60 },
    });
    const tuned = loadConfig({ LATCHKEY_LOGIN_FAILURE_LIMIT: '10', LATCHKEY_LOGIN_FAILURE_WINDOW: '3600', LATCHKEY_LOGIN_IP_LIMIT: '0' });
    expect(tuned.throttle.loginFailures).toEqual({ limit: 10, window: 3600 });
    expect(tuned.throttle.loginPerIp.limit).toBe(0);
    expect(loadConfig({}).redisPrefix).toBe('latchkey:');
  });

  it('a bad value stops the start with a message naming the setting', () => {
    expect(() => loadConfig({ LATCHKEY_LOGIN_IP_LIMIT: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ LATCHKEY_LOGIN_IP_LIMIT: 'many' })).toThrow(/LATCHKEY_LOGIN_IP_LIMIT/);
    expect(() => loadConfig({ LATCHKEY_REGISTER_IP_WINDOW: '0' })).toThrow(/LATCHKEY_REGISTER_IP_WINDOW/);
    expect(() => loadConfig({ LATCHKEY_REDIS_PREFIX: 'has space' })).toThrow(/LATCHKEY_REDIS_PREFIX/);
  });
});

describe('client keys', () => {
  it('IPv4 as is (also IPv4-mapped IPv6); IPv6 by its /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });
});
