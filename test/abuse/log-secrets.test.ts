import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_REDACTIONS } from '../../src/http/app.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { refreshCookie, uniqueEmail } from '../helpers/http-auth.ts';
import { startLoggedServer, type LoggedServer } from './logged-server.ts';
import { PASSWORD_GRANT_ON } from '../helpers/server.ts';

const PASSWORD = 'ultraviolet lanterns 4711';
const WRONG = 'infrared lanterns 1174';

describe('secrets never reach the log (debug level, production logger configuration)', () => {
  let server: LoggedServer;
  const secrets: string[] = [PASSWORD, WRONG];

  beforeAll(async () => {
    server = await startLoggedServer({ ...PASSWORD_GRANT_ON, LATCHKEY_LOGIN_FAILURE_LIMIT: '2', LATCHKEY_REFRESH_GRACE: '0' }, { level: 'trace' });
  });
  afterAll(() => server.close());

  it('a full browser and OAuth cycle, with failures and hostile requests, logs no password, token or cookie', async () => {
    const email = uniqueEmail('logged');
    const browser = new BrowserClient(server.url, { 'user-agent': CHROME_LINUX });
    expect((await browser.register(email, PASSWORD)).status).toBe(201);

    const login = await browser.login(email, PASSWORD);
    expect(login.status).toBe(200);
    secrets.push(login.body.access_token, refreshCookie(login.setCookie).value);

    const refreshed = await browser.refresh();
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.access_token, refreshCookie(refreshed.setCookie).value);
    expect((await browser.request('GET', '/auth/me')).status).toBe(200);
    expect((await browser.request('POST', '/auth/password', { currentPassword: WRONG, newPassword: `${PASSWORD}!` })).status).toBe(401);
    expect((await browser.request('POST', '/auth/logout')).status).toBe(204);

    const form = (body: Record<string, string>) =>
      fetch(`${server.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': CHROME_LINUX },
        body: new URLSearchParams(body).toString(),
      });
    const grant = await form({ grant_type: 'password', username: email, password: PASSWORD });
    expect(grant.status).toBe(200);
    const granted = await grant.json();
    secrets.push(granted.access_token, granted.refresh_token);
    const rotated = await (await form({ grant_type: 'refresh_token', refresh_token: granted.refresh_token })).json();
    secrets.push(rotated.access_token, rotated.refresh_token);
    // A replay (no grace here) is reuse: a warning that names the session, not the token.
    expect((await form({ grant_type: 'refresh_token', refresh_token: granted.refresh_token })).status).toBe(400);
    await fetch(`${server.url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: rotated.refresh_token }) });

    // Failures: a wrong password (then throttled), malformed JSON holding the password, a body too
    // large, a forged bearer token and a cookie on a foreign origin.
    expect((await browser.login(email, WRONG)).status).toBe(401);
    expect((await browser.login(email, WRONG)).status).toBe(401);
    expect((await browser.login(email, PASSWORD)).status).toBe(429);
    const raw = `{"email":"${email}","password":"${PASSWORD}",`;
    expect((await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw })).status).toBe(400);
    const big = JSON.stringify({ email, password: PASSWORD, pad: 'x'.repeat(20_000) });
    expect((await fetch(`${server.url}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })).status).toBe(413);
    const forged = `${login.body.access_token}x`;
    secrets.push(forged);
    expect((await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const cookie = `latchkey_refresh=${refreshCookie(refreshed.setCookie).value}`;
    expect((await fetch(`${server.url}/auth/refresh`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);

    // Tokens sent in a URL (wrong, but clients do it) are redacted from the logged request line.
    expect((await fetch(`${server.url}/auth/me?access_token=${login.body.access_token}&limit=1`)).status).toBe(401);
    expect((await fetch(`${server.url}/oauth/revoke?token=${rotated.refresh_token}`, { method: 'POST' })).status).toBe(400);

    const lines = server.raw;
    expect(lines.some((line) => line.includes('/auth/me?access_token=[redacted]&limit=1'))).toBe(true);
    // The log is really there and really at debug level: requests, responses and security events.
    expect(lines.length).toBeGreaterThan(30);
    const parsed = server.lines();
    expect(parsed.some((l) => l.msg === 'incoming request')).toBe(true);
    expect(parsed.some((l) => (l.securityEvent as { type?: string } | undefined)?.type === 'refresh_token_reuse')).toBe(true);
    expect(parsed.some((l) => (l.securityEvent as { type?: string } | undefined)?.type === 'login_failed')).toBe(true);

    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      for (const line of lines) expect(line).not.toContain(secret);
      // Nor a recognisable part of one (a JWT's signature, the MAC half of a refresh token).
      const tail = secret.slice(-16);
      for (const line of lines) expect(line).not.toContain(tail);
    }
  });

  it('objects that carry secrets are censored wherever they are logged', () => {
    const written: string[] = [];
    const log = server.latchkey.app.log.child({});
    const before = server.raw.length;
    log.warn({ body: { password: PASSWORD }, token: 'tok-123456789', user: { refresh_token: 'rt-123456789', accessToken: 'at-123456789' } }, 'probe');
    log.warn({ req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'latchkey_refresh=zzz' } } }, 'probe');
    written.push(...server.raw.slice(before));
    expect(written).toHaveLength(2);
    for (const secret of [PASSWORD, 'tok-123456789', 'rt-123456789', 'at-123456789', 'abc.def.ghi', 'latchkey_refresh=zzz']) {
      for (const line of written) expect(line).not.toContain(secret);
    }
    expect(written.join('\n')).toContain('[redacted]');
    expect(LOG_REDACTIONS).toContain('*.password');
  });
});
