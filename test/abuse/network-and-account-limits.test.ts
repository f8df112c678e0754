import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { fail } from '../../src/core/errors.ts';
import { DEFAULT_THROTTLE } from '../../src/config.ts';
import { LoginThrottle } from '../../src/rate-limit/login-throttle.ts';
import { MemoryRateLimiter } from '../../src/rate-limit/rate-limiter.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const from = (url: string, ip: string) => new BrowserClient(url, { 'user-agent': CHROME_LINUX, 'x-forwarded-for': ip });

// Finding: per-IP limits counted an IPv6 /64, so one /56 (a home allocation) had 256 times the login
// budget; nothing limited one account's guesses across addresses; and a login shed with 503 cleared
// the account+IP failure count.
describe('limits per IPv6 /56 and per account', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-05-01T08:00:00Z'));
    server = await startServer(
      {
        LATCHKEY_TRUST_PROXY: 'loopback',
        LATCHKEY_LOGIN_IP_LIMIT: '3',
        LATCHKEY_LOGIN_NET_LIMIT: '10',
        LATCHKEY_LOGIN_ACCOUNT_LIMIT: '8',
        LATCHKEY_LOGIN_ACCOUNT_WINDOW: '900',
        LATCHKEY_REGISTER_IP_LIMIT: '1000',
      },
      { clock },
    );
  });
  afterAll(() => server?.close());

  it('one /56 shares one budget however many /64s it spreads over; the next /56 has its own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await from(server.url, `2001:db8:aa:${(0x10 + i).toString(16)}::1`).login(uniqueEmail('nobody'), 'guess');
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect((await from(server.url, '2001:db8:ab:1::1').login(uniqueEmail('nobody'), 'guess')).status).toBe(401);
    clock.advance(61);
  });

  it('guesses at one account from many addresses are slowed down, while the owner still gets in', async () => {
    const email = uniqueEmail('targeted');
    const owner = from(server.url, '198.51.100.7');
    expect((await owner.register(email, PASSWORD)).status).toBe(201);
    const first = await owner.login(email, PASSWORD);
    expect(first.status).toBe(200);
    const deviceCookie = first.setCookie.find((c) => c.startsWith('latchkey_refresh_device='))?.split(';')[0];
    expect(deviceCookie).toMatch(/^latchkey_refresh_device=[A-Za-z0-9_-]{32}$/); // this browser is now a known device

    for (let bot = 1; bot <= 8; bot++) expectError(await from(server.url, `192.0.2.${bot}`).login(email, `guess ${bot}`), 401, 'invalid_credentials');
    // Over the account's budget: one guess per slow-down interval, from anywhere.
    expect((await from(server.url, '192.0.2.50').login(email, 'guess 50')).status).toBe(401);
    const slowed = await from(server.url, '192.0.2.51').login(email, 'guess 51');
    expectError(slowed, 429, 'too_many_requests');
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
    // ...even with the right password from a device never seen before.
    expect((await from(server.url, '203.0.113.99').login(email, PASSWORD)).status).toBe(429);

    // A forged or foreign device cookie does not help...
    const forged = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.98', cookie: `latchkey_refresh_device=${'A'.repeat(32)}` },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(forged.status).toBe(429);
    // ...but the owner's known browser signs in, and so does a password change from a live session.
    const again = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.7', cookie: deviceCookie! },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(again.status).toBe(200);
    const token = ((await again.json()) as { access_token: string }).access_token;
    const change = await owner.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'a new and longer passphrase' }, { authorization: `Bearer ${token}` });
    expect(change.status).toBe(204);
  });
});

describe('a login shed with 503', () => {
  it('keeps the account+IP failure count', async () => {
    const limiter = new MemoryRateLimiter(new ManualClock(Date.now()));
    const throttle = new LoginThrottle(limiter, { ...DEFAULT_THROTTLE, loginFailures: { limit: 2, window: 900 } }, { recordLoginFailure: async () => {} });
    const request = { userAgent: CHROME_LINUX, ip: '203.0.113.5', deviceId: null };
    const wrong = () => Promise.reject(fail('invalid_credentials', 'wrong'));
    const shed = () => Promise.reject(fail('service_unavailable', 'busy', 1));
    await expect(throttle.login('a@example.com', request, wrong)).rejects.toMatchObject({ code: 'invalid_credentials' });
    await expect(throttle.login('a@example.com', request, shed)).rejects.toMatchObject({ code: 'service_unavailable' });
    // Two attempts counted (one wrong, one shed before its password was checked): the third is refused.
    await expect(throttle.login('a@example.com', request, wrong)).rejects.toMatchObject({ code: 'too_many_requests' });
  });
});
