import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { ROOT } from '../cli/run-cli.ts';
import { sample, startLoggedServer, type LoggedServer } from './logged-server.ts';
import { PASSWORD_GRANT_ON } from '../helpers/server.ts';

const PASSWORD = 'correct horse battery staple';
const DEVICE = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_DEVICE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const hasLoginThrottle = fs.existsSync(path.join(ROOT, 'src/rate-limit/login-throttle.ts'));

let server: LoggedServer;
let url: string;

beforeAll(async () => {
  server = await startLoggedServer(PASSWORD_GRANT_ON);
  // A route that answers 429 the way every rate limit does, so the rate-limit counter's plumbing is
  // tested whatever limits the server has (the login throttle is tested below when it exists).
  server.latchkey.app.get('/ops-test/limited', async (_request, reply) =>
    reply.code(429).header('retry-after', '1').send({ error: 'too_many_requests', error_description: 'Slow down.' }),
  );
  url = await server.listen();
});
afterAll(() => server?.close());

async function metrics(): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

async function oauth(params: Record<string, string>, deviceId: string) {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ShopApp/3.1 (iPhone; iOS 17.1)', 'x-device-id': deviceId },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('/metrics', () => {
  it('counts a login, a refresh, a grace replay, a reuse, a suspicious refresh, an invalid token and a 429', async () => {
    const browser = new BrowserClient(url);
    expect((await browser.register('mia@example.com', PASSWORD)).status).toBe(201);
    expect((await browser.login('mia@example.com', PASSWORD)).status).toBe(200); // login success
    expect((await new BrowserClient(url).login('mia@example.com', 'wrong password!')).status).toBe(401); // failure
    const first = browser.refreshCookie;
    expect((await browser.refresh()).status).toBe(200); // success
    const second = browser.refreshCookie;
    browser.refreshCookie = first;
    expect((await browser.refresh()).status).toBe(200); // the retired token again, inside the window: grace
    browser.refreshCookie = second;
    expect((await browser.refresh()).status).toBe(200); // success
    browser.refreshCookie = first;
    expect((await browser.refresh()).status).toBe(401); // two steps behind: reuse, the session ends
    browser.refreshCookie = 'not-a-token';
    expect((await browser.refresh()).status).toBe(401); // invalid

    // the OAuth API: a login, then a refresh from another device id (suspicious, revoked)
    const mobile = await oauth({ grant_type: 'password', username: 'mia@example.com', password: PASSWORD }, DEVICE);
    expect(mobile.status).toBe(200);
    expect((await oauth({ grant_type: 'refresh_token', refresh_token: mobile.body.refresh_token }, OTHER_DEVICE)).status).toBe(400);

    const limited = await fetch(`${url}/ops-test/limited`);
    expect(limited.status).toBe(429);

    const text = await metrics();
    expect(sample(text, 'latchkey_logins_total', { outcome: 'success' })).toBe(2);
    expect(sample(text, 'latchkey_logins_total', { outcome: 'failure' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'success' })).toBe(2);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'grace' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'reuse' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'invalid' })).toBe(1);
    expect(sample(text, 'latchkey_refreshes_total', { outcome: 'suspicious' })).toBe(1);
    expect(sample(text, 'latchkey_reuse_detections_total')).toBe(1);
    expect(sample(text, 'latchkey_suspicious_refreshes_total')).toBe(1);
    expect(sample(text, 'latchkey_revocations_total', { reason: 'refresh_token_reuse' })).toBe(1);
    expect(sample(text, 'latchkey_revocations_total', { reason: 'suspicious_refresh' })).toBe(1);
    expect(sample(text, 'latchkey_rate_limited_total', { route: '/ops-test/limited' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/auth/login', status: '200' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/auth/refresh', status: '200' })).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/oauth/token', status: '400' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket', { method: 'POST', route: '/auth/login', status: '200', le: '+Inf' })).toBe(1);
  });

  it('labels requests by route pattern, never by raw URL, so an attacker cannot blow up the label set', async () => {
    await fetch(`${url}/no/such/path/${'x'.repeat(50)}?token=secret`);
    await fetch(`${url}/auth/sessions/00000000-0000-4000-8000-000000000000`, { method: 'DELETE' });
    const text = await metrics();
    expect(text).not.toContain('xxxxxxxxxx');
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(text).not.toContain('secret');
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'DELETE', route: '/auth/sessions/:id', status: '401' })).toBe(1);
  });

  it('uses a registry of its own: two servers in one process never share counts', async () => {
    const other = await startLoggedServer(PASSWORD_GRANT_ON);
    try {
      const otherText = await other.latchkey.metrics!.registry.metrics();
      expect(sample(otherText, 'latchkey_logins_total', { outcome: 'success' })).toBe(0);
      expect(sample(await metrics(), 'latchkey_logins_total', { outcome: 'success' })).toBe(2);
    } finally {
      await other.close();
    }
  });

  it.skipIf(!hasLoginThrottle)('counts logins refused by the login throttle as throttled and rate limited', async () => {
    const attacker = new BrowserClient(url);
    let status = 0;
    for (let i = 0; i < 50 && status !== 429; i++) status = (await attacker.login('mia@example.com', `wrong password ${i}`)).status;
    expect(status).toBe(429);
    const text = await metrics();
    expect(sample(text, 'latchkey_logins_total', { outcome: 'throttled' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'latchkey_rate_limited_total', { route: '/auth/login' })).toBeGreaterThanOrEqual(1);
  });
});

if (!hasLoginThrottle) console.warn('skipping the login-throttle 429 case: src/rate-limit/login-throttle.ts does not exist yet (the 429 plumbing is tested with a test route)');
