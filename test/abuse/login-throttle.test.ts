import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

/** A browser behind the trusted loopback proxy, seen by latchkey as coming from `ip`. */
const from = (url: string, ip: string) => new BrowserClient(url, { 'user-agent': CHROME_LINUX, 'x-forwarded-for': ip });

/** The contract's default limits, stated here so that a change of default is a visible decision. */
const LIMITS = {
  LATCHKEY_TRUST_PROXY: 'loopback',
  LATCHKEY_LOGIN_FAILURE_LIMIT: '5',
  LATCHKEY_LOGIN_FAILURE_WINDOW: '900',
  LATCHKEY_LOGIN_IP_LIMIT: '30',
  LATCHKEY_LOGIN_IP_WINDOW: '60',
};

function expectThrottled(res: { status: number; body: unknown; headers: Headers }, maxSeconds: number): void {
  expectError(res, 429, 'too_many_requests');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

async function register(url: string, email: string): Promise<void> {
  expect((await from(url, '198.51.100.250').register(email, PASSWORD)).status).toBe(201);
}

/** The owner's security events, read through the API after signing in from `ip`. */
async function eventsOf(url: string, email: string, ip: string): Promise<Array<{ type: string; ip: string; detail?: { reason?: string } }>> {
  const owner = from(url, ip);
  expect((await owner.login(email, PASSWORD)).status).toBe(200);
  return (await owner.request('GET', '/auth/events?limit=200')).body.events;
}

describe('login throttling (in memory)', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-05-01T08:00:00Z'));
    server = await startServer({ ...PASSWORD_GRANT_ON, ...LIMITS, LATCHKEY_REGISTER_IP_LIMIT: '1000' }, { clock });
  });
  afterAll(() => server.close());

  it('credential stuffing from one IP: many accounts, one guess each, is cut off at 30 attempts a minute', async () => {
    const victims = Array.from({ length: 3 }, () => uniqueEmail('stuffed'));
    for (const email of victims) await register(server.url, email);
    const stuffer = from(server.url, '203.0.113.10');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const email = i < 37 ? uniqueEmail('nobody') : victims[i - 37]!;
      const res = await stuffer.login(email, 'guess-from-a-leaked-list');
      statuses.push(res.status);
      if (res.status === 429) expectThrottled(res, 60);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
    // Even the right password is refused from that IP until the minute is over...
    expectThrottled(await stuffer.login(victims[0]!, PASSWORD), 60);
    // ...while every other client signs in as usual.
    expect((await from(server.url, '203.0.113.11').login(victims[0]!, PASSWORD)).status).toBe(200);
    // Each refusal of an existing account is a login_failed event (reason throttled) from the attacker's IP.
    const events = await eventsOf(server.url, victims[1]!, '203.0.113.12');
    expect(events.filter((e) => e.type === 'login_failed' && e.detail?.reason === 'throttled' && e.ip === '203.0.113.10')).toHaveLength(1);
    clock.advance(61);
    expect((await stuffer.login(victims[2]!, PASSWORD)).status).toBe(200);
  });

  it('one account guessed from one IP is refused after 5 failures, even with the right password', async () => {
    const email = uniqueEmail('guessed');
    await register(server.url, email);
    const attacker = from(server.url, '203.0.113.20');
    for (let i = 0; i < 5; i++) expectError(await attacker.login(email, `wrong guess ${i}`), 401, 'invalid_credentials');
    expectThrottled(await attacker.login(email, 'wrong guess 6'), 900);
    expectThrottled(await attacker.login(email, PASSWORD), 900);
    // An unknown e-mail is throttled exactly alike: the 429 tells nothing about which accounts exist.
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 5; i++) expectError(await attacker.login(ghost, `wrong guess ${i}`), 401, 'invalid_credentials');
    expectThrottled(await attacker.login(ghost, 'wrong guess 6'), 900);
    const events = await eventsOf(server.url, email, '203.0.113.21');
    const failed = events.filter((e) => e.type === 'login_failed' && e.ip === '203.0.113.20');
    expect(failed.filter((e) => e.detail?.reason === 'throttled')).toHaveLength(2);
    expect(failed.filter((e) => e.detail?.reason !== 'throttled')).toHaveLength(5);
    // The window ends: the attacker may try again (and the owner from that IP too).
    clock.advance(901);
    expect((await attacker.login(email, PASSWORD)).status).toBe(200);
  });

  it('one account attacked from many IPs: the owner still signs in from a fresh IP', async () => {
    const email = uniqueEmail('targeted');
    await register(server.url, email);
    for (let bot = 1; bot <= 12; bot++) {
      const attacker = from(server.url, `192.0.2.${bot}`);
      for (let i = 0; i < 5; i++) expectError(await attacker.login(email, `guess ${bot}/${i}`), 401, 'invalid_credentials');
      expectThrottled(await attacker.login(email, `guess ${bot}/5`), 900);
    }
    const owner = from(server.url, '198.51.100.7');
    const res = await owner.login(email, PASSWORD);
    expect(res.status).toBe(200);
    expect((await owner.request('GET', '/auth/me')).body.user.email).toBe(email);
  });

  it('a success clears the account+IP count: a user who mistypes now and then is never locked out', async () => {
    const email = uniqueEmail('typo');
    await register(server.url, email);
    const user = from(server.url, '198.51.100.30');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) expectError(await user.login(email, `typo ${i}`), 401, 'invalid_credentials');
      expect((await user.login(email, PASSWORD)).status).toBe(200);
    }
  });

  it('parallel guesses cannot slip past the limit: at most 5 of 25 at once reach the password check', async () => {
    const email = uniqueEmail('raced');
    await register(server.url, email);
    const attacker = from(server.url, '203.0.113.40');
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => attacker.login(email, `parallel guess ${i}`)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20);
  });

  it('an IPv6 attacker cannot dodge the limit by hopping addresses inside one /64', async () => {
    const email = uniqueEmail('v6');
    await register(server.url, email);
    for (let i = 0; i < 5; i++) expectError(await from(server.url, `2001:db8:1:2::${i + 1}`).login(email, `guess ${i}`), 401, 'invalid_credentials');
    expectThrottled(await from(server.url, '2001:db8:1:2:ffff::9').login(email, 'guess 6'), 900);
    expect((await from(server.url, '2001:db8:1:3::1').login(email, PASSWORD)).status).toBe(200);
  });
});

describe('sign-up and token endpoint limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      ...PASSWORD_GRANT_ON,
      LATCHKEY_TRUST_PROXY: 'loopback',
      LATCHKEY_REGISTER_IP_LIMIT: '3',
      LATCHKEY_REFRESH_IP_LIMIT: '4',
    }, { clock: new ManualClock(Date.parse('2026-05-01T08:00:00Z')) });
  });
  afterAll(() => server.close());

  it('sign-ups per IP are limited; another IP still signs up', async () => {
    const bot = from(server.url, '203.0.113.50');
    for (let i = 0; i < 3; i++) expect((await bot.register(uniqueEmail('bot'), PASSWORD)).status).toBe(201);
    const refused = await bot.register(uniqueEmail('bot'), PASSWORD);
    expectThrottled(refused, 3600);
    expect((await from(server.url, '203.0.113.51').register(uniqueEmail('human'), PASSWORD)).status).toBe(201);
  });

  it('the password grant of /oauth/token shares the login throttle', async () => {
    const email = uniqueEmail('oauth');
    await from(server.url, '203.0.113.60').register(email, PASSWORD);
    const grant = (ip: string, password: string) =>
      fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
        body: new URLSearchParams({ grant_type: 'password', username: email, password }).toString(),
      });
    for (let i = 0; i < 5; i++) expect((await grant('203.0.113.61', `guess ${i}`)).status).toBe(400);
    const refused = await grant('203.0.113.61', PASSWORD);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The browser API counts the same failures: the pair is throttled there too.
    expectThrottled(await from(server.url, '203.0.113.61').login(email, PASSWORD), 900);
    expect((await grant('203.0.113.62', PASSWORD)).status).toBe(200);
  });

  it('refreshes per IP are limited on both APIs', async () => {
    const email = uniqueEmail('refresher');
    const client = from(server.url, '203.0.113.70');
    await client.register(email, PASSWORD);
    expect((await client.login(email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await client.refresh()).status).toBe(200);
    expectThrottled(await client.refresh(), 60);
    const viaToken = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.70' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(40) }),
    });
    expect(viaToken.status).toBe(429);
  });
});

describe('password change shares the account+IP count', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_TRUST_PROXY: 'loopback' }, { clock: new ManualClock(Date.parse('2026-05-01T08:00:00Z')) });
  });
  afterAll(() => server.close());

  it('guessing the current password with a stolen access token is throttled; weak new passwords are not guesses', async () => {
    const email = uniqueEmail('changer');
    const me = from(server.url, '203.0.113.110');
    await me.register(email, PASSWORD);
    expect((await me.login(email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      expectError(await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'password1' }), 400, 'weak_password');
    }
    for (let i = 0; i < 5; i++) {
      expectError(await me.request('POST', '/auth/password', { currentPassword: `guess ${i}`, newPassword: 'a whole new passphrase' }), 401, 'invalid_credentials');
    }
    expectThrottled(await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'a whole new passphrase' }), 900);
    expectThrottled(await me.login(email, PASSWORD), 900);
    expect((await from(server.url, '198.51.100.111').login(email, PASSWORD)).status).toBe(200);
  });
});
