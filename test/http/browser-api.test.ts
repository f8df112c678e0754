import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, CHROME_LINUX, FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import {
  decodeJwt,
  expectError,
  FOREIGN_ORIGIN,
  isCleared,
  ORIGIN,
  PASSWORD,
  refreshCookie,
  signedIn,
  startApiServer,
  uniqueEmail,
} from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('browser API over HTTP', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({}, { clock });
  });
  afterAll(() => server.close());
  const client = (headers: Record<string, string> = { 'user-agent': CHROME_LINUX }) => new BrowserClient(server.url, headers);

  describe('POST /auth/register', () => {
    it('201 {user} with id, email, name, createdAt, emailVerified and nothing else', async () => {
      const email = uniqueEmail('Reg');
      const res = await client().register(email, PASSWORD, 'Ann Lee');
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body).toEqual({ user: { id: expect.stringMatching(UUID), email, name: 'Ann Lee', createdAt: '2026-03-01T12:00:00.000Z', emailVerified: false } });
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    });

    it('name is optional', async () => {
      const res = await client().register(uniqueEmail(), PASSWORD);
      expect(res.status).toBe(201);
      expect(Object.keys(res.body.user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id']);
    });

    it('400 invalid_request for a missing field, a malformed e-mail, a non-object or non-JSON body', async () => {
      const c = client();
      expectError(await c.request('POST', '/auth/register', { email: uniqueEmail() }), 400, 'invalid_request');
      expectError(await c.request('POST', '/auth/register', { password: PASSWORD }), 400, 'invalid_request');
      expectError(await c.request('POST', '/auth/register', { email: 'no-at-sign', password: PASSWORD }), 400, 'invalid_request');
      expectError(await c.request('POST', '/auth/register', { email: 42, password: PASSWORD }), 400, 'invalid_request');
      expectError(await c.request('POST', '/auth/register', [1, 2]), 400, 'invalid_request');
      expectError(await c.request('POST', '/auth/register', '{"email": '), 400, 'invalid_request');
    });

    it('400 weak_password for a password under 8 characters or over 1024 bytes', async () => {
      expectError(await client().register(uniqueEmail(), 'seven77'), 400, 'weak_password');
      expectError(await client().register(uniqueEmail(), '€'.repeat(342)), 400, 'weak_password'); // 1026 bytes
    });

    it('409 email_taken, comparing e-mail case-insensitively', async () => {
      const email = uniqueEmail('Case');
      expect((await client().register(email, PASSWORD)).status).toBe(201);
      expectError(await client().register(email.toUpperCase(), PASSWORD), 409, 'email_taken');
      expectError(await client().register(email.toLowerCase(), 'another password'), 409, 'email_taken');
    });
  });

  describe('POST /auth/login', () => {
    it('200 {access_token, token_type, expires_in, session_id, user} + the refresh cookie, never the refresh token in the body', async () => {
      const email = uniqueEmail('Login');
      const c = client();
      await c.register(email, PASSWORD);
      const res = await c.login(email.toUpperCase(), PASSWORD);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'session_id', 'token_type', 'user']);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, session_id: expect.stringMatching(UUID) });
      expect(res.body.user).toMatchObject({ email, createdAt: expect.stringMatching(ISO) });
      expect(res.headers.get('cache-control')).toBe('no-store');

      const cookie = refreshCookie(res.setCookie);
      expect(cookie.value.length).toBeGreaterThanOrEqual(22); // >= 128 bits, base64url
      expect(cookie.value).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(JSON.stringify(res.body)).not.toContain(cookie.value);
      expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Strict', path: '/auth', 'max-age': '1209600' });
      expect(cookie.attributes.secure).toBeUndefined(); // http issuer
      expect(decodeJwt(res.body.access_token).payload.sid).toBe(res.body.session_id);
    });

    it('400 invalid_request for a malformed body', async () => {
      expectError(await client().request('POST', '/auth/login', { email: 'a@example.com' }), 400, 'invalid_request');
      expectError(await client().request('POST', '/auth/login', 'email=a@example.com&password=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
    });

    it('401 invalid_credentials with the very same body for an unknown e-mail and a wrong password, and no cookie', async () => {
      const email = uniqueEmail();
      await client().register(email, PASSWORD);
      const unknown = await client().login(uniqueEmail('nobody'), PASSWORD);
      const wrong = await client().login(email, 'wrong password!');
      expectError(unknown, 401, 'invalid_credentials');
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(unknown.setCookie).toEqual([]);
      expect(wrong.setCookie).toEqual([]);
    });
  });

  describe('POST /auth/refresh', () => {
    it('200, the login shape, a new cookie, no-store; the new access token works', async () => {
      const { client: c, sessionId } = await signedIn(server.url);
      const before = c.refreshCookie;
      clock.advance(60);
      const res = await c.refresh({ origin: ORIGIN });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'session_id', 'token_type', 'user']);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, session_id: sessionId });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const cookie = refreshCookie(res.setCookie);
      expect(cookie.value).not.toBe(before);
      expect(cookie.attributes).toMatchObject({ httponly: true, samesite: 'Strict', path: '/auth', 'max-age': '1209600' });
      expect(JSON.stringify(res.body)).not.toContain(cookie.value);
      expect((await c.request('GET', '/auth/me')).status).toBe(200);
    });

    it('401 invalid_grant and the cookie cleared, for no cookie, a junk cookie or a revoked session', async () => {
      const none = await client().request('POST', '/auth/refresh');
      expectError(none, 401, 'invalid_grant');
      expect(isCleared(refreshCookie(none.setCookie))).toBe(true);

      const junk = client();
      junk.refreshCookie = 'not-a-token';
      const res = await junk.refresh();
      expectError(res, 401, 'invalid_grant');
      expect(isCleared(refreshCookie(res.setCookie))).toBe(true);
      expect(junk.refreshCookie).toBeUndefined();

      const { client: c } = await signedIn(server.url);
      const token = c.refreshCookie;
      expect((await c.request('POST', '/auth/logout')).status).toBe(204);
      c.refreshCookie = token;
      const revoked = await c.refresh();
      expectError(revoked, 401, 'invalid_grant');
      expect(isCleared(refreshCookie(revoked.setCookie))).toBe(true);
    });

    it('403 invalid_origin for a foreign Origin, and nothing changes', async () => {
      const { client: c, sessionId } = await signedIn(server.url);
      const token = c.refreshCookie;
      for (const origin of [FOREIGN_ORIGIN, 'null', `${ORIGIN}.evil.example`, 'http://latchkey.test:8080']) {
        const res = await c.refresh({ origin });
        expectError(res, 403, 'invalid_origin');
        expect(res.setCookie).toEqual([]);
      }
      expect(c.refreshCookie).toBe(token);
      expect((await server.latchkey.store.findSession(sessionId))?.counter).toBe(0);
      expect((await c.refresh({ origin: ORIGIN })).status).toBe(200);
      expect((await c.refresh()).status).toBe(200); // no Origin header at all: not a browser cross-site request
    });

    it('the Max-Age of the cookie is the session\'s remaining life', async () => {
      const local = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
      const s = await startApiServer({ LATCHKEY_ACCESS_TTL: '300', LATCHKEY_REFRESH_IDLE_TTL: '600', LATCHKEY_SESSION_MAX_AGE: '1000' }, { clock: local });
      try {
        const c = new BrowserClient(s.url);
        const email = uniqueEmail();
        await c.register(email, PASSWORD);
        expect(refreshCookie((await c.login(email, PASSWORD)).setCookie).attributes['max-age']).toBe('600');
        local.advance(500);
        expect(refreshCookie((await c.refresh()).setCookie).attributes['max-age']).toBe('500'); // absolute deadline
        local.advance(499);
        expect(refreshCookie((await c.refresh()).setCookie).attributes['max-age']).toBe('1');
      } finally {
        await s.close();
      }
    });

    it('Secure is added for an https issuer or LATCHKEY_COOKIE_SECURE=true', async () => {
      const settings: Array<Record<string, string>> = [{ LATCHKEY_ISSUER: 'https://auth.latchkey.test' }, { LATCHKEY_COOKIE_SECURE: 'true' }];
      for (const env of settings) {
        const s = await startApiServer(env);
        try {
          const c = new BrowserClient(s.url);
          const email = uniqueEmail();
          await c.register(email, PASSWORD);
          const login = await c.login(email, PASSWORD);
          expect(refreshCookie(login.setCookie).attributes).toMatchObject({ secure: true, httponly: true, samesite: 'Strict', path: '/auth' });
          expect(refreshCookie((await c.refresh()).setCookie).attributes.secure).toBe(true);
        } finally {
          await s.close();
        }
      }
    });
  });

  describe('POST /auth/logout', () => {
    it('with the cookie: 204, the cookie cleared, this session only; idempotent', async () => {
      const { client: c, email, sessionId } = await signedIn(server.url);
      const other = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
      await other.login(email, PASSWORD);
      const token = c.refreshCookie;

      const res = await c.request('POST', '/auth/logout', undefined, { origin: ORIGIN });
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      const cleared = refreshCookie(res.setCookie);
      expect(isCleared(cleared)).toBe(true);
      expect(cleared.attributes).toMatchObject({ path: '/auth', httponly: true, samesite: 'Strict' }); // same path, or browsers keep it
      expect((await server.latchkey.store.findSession(sessionId))?.revokeReason).toBe('logout');

      c.refreshCookie = token;
      expect((await c.request('POST', '/auth/logout')).status).toBe(204);
      expect((await c.refresh()).status).toBe(401);
      expect((await other.refresh()).status).toBe(200);
      expect((await other.request('GET', '/auth/sessions')).body.sessions).toHaveLength(1);
    });

    it('with a Bearer token: 204 and the session ends; idempotent', async () => {
      const { client: c, sessionId } = await signedIn(server.url);
      const access = c.accessToken!;
      const bearerOnly = new BrowserClient(server.url);
      bearerOnly.accessToken = access;
      expect((await bearerOnly.request('POST', '/auth/logout')).status).toBe(204);
      expect((await server.latchkey.store.findSession(sessionId))?.revokedAt).not.toBeNull();
      expect((await bearerOnly.request('POST', '/auth/logout')).status).toBe(204);
      expect((await c.refresh()).status).toBe(401);
      expect((await bearerOnly.request('GET', '/auth/me')).status).toBe(401);
    });

    it('without any credential: 204', async () => {
      expect((await client().request('POST', '/auth/logout')).status).toBe(204);
    });
  });

  describe('GET /auth/me', () => {
    it('200 {user}', async () => {
      const { client: c, email, userId } = await signedIn(server.url);
      const res = await c.request('GET', '/auth/me');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: { id: userId, email, createdAt: expect.stringMatching(ISO), emailVerified: false } });
    });

    it('401 invalid_token with WWW-Authenticate: Bearer, with no token, a junk token or a non-Bearer scheme', async () => {
      for (const authorization of [undefined, 'Bearer junk', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz']) {
        const res = await client().request('GET', '/auth/me', undefined, authorization ? { authorization } : {});
        expectError(res, 401, 'invalid_token');
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      }
    });
  });

  describe('sessions', () => {
    it('GET /auth/sessions: the contract\'s fields, current marks the caller, most recently used first, device parsed', async () => {
      const phoneId = 'D3C4B5A6-1F2E-4A3B-9C8D-7E6F5A4B3C2D';
      const { client: laptop, email, sessionId: laptopSid } = await signedIn(server.url);
      clock.advance(1);
      const phone = new BrowserClient(server.url, { 'user-agent': SAFARI_IPHONE, 'x-device-id': phoneId });
      const phoneSid = (await phone.login(email, PASSWORD)).body.session_id;
      clock.advance(1);
      const firefox = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
      const firefoxSid = (await firefox.login(email, PASSWORD)).body.session_id;
      clock.advance(1);
      expect((await laptop.refresh()).status).toBe(200);

      const res = await phone.request('GET', '/auth/sessions');
      expect(res.status).toBe(200);
      const sessions = res.body.sessions as Array<Record<string, unknown>>;
      expect(sessions.map((s) => s.id)).toEqual([laptopSid, firefoxSid, phoneSid]);
      for (const s of sessions) {
        expect(Object.keys(s).sort()).toEqual(
          ['app', 'createdAt', 'current', 'device', 'deviceId', 'expiresAt', 'id', 'ip', 'lastActiveAt', 'lastIp', 'userAgent'].sort(),
        );
        expect(s.app).toBeNull(); // signed in to latchkey itself, not through an app (src/oauth/)
        expect(s).toMatchObject({ createdAt: expect.stringMatching(ISO), lastActiveAt: expect.stringMatching(ISO), expiresAt: expect.stringMatching(ISO), ip: '127.0.0.1', lastIp: '127.0.0.1' });
      }
      expect(sessions.map((s) => s.current)).toEqual([false, false, true]);
      expect(sessions[2]).toMatchObject({ userAgent: SAFARI_IPHONE, deviceId: phoneId.toLowerCase(), device: { browser: 'Safari', os: 'iOS', type: 'mobile' } });
      expect(sessions[1]).toMatchObject({ deviceId: null, device: { browser: 'Firefox', os: 'Windows', type: 'desktop' } });
      expect(sessions[0]).toMatchObject({ userAgent: CHROME_LINUX, device: { browser: 'Chrome', os: 'Linux', type: 'desktop' } });
      expect(Date.parse(sessions[0]!.lastActiveAt as string)).toBeGreaterThan(Date.parse(sessions[0]!.createdAt as string));

      const mine = await laptop.request('GET', '/auth/sessions');
      expect(mine.body.sessions.filter((s: { current: boolean }) => s.current).map((s: { id: string }) => s.id)).toEqual([laptopSid]);
    });

    it('GET /auth/sessions: 401 without a valid access token', async () => {
      const res = await client().request('GET', '/auth/sessions');
      expectError(res, 401, 'invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    });

    it('DELETE /auth/sessions/:id: 204; 404 not_found for an unknown id and for another user\'s session', async () => {
      const { client: a, email } = await signedIn(server.url);
      const second = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
      const secondSid = (await second.login(email, PASSWORD)).body.session_id;
      const { client: stranger, sessionId: strangerSid } = await signedIn(server.url);

      expect((await a.request('DELETE', `/auth/sessions/${secondSid}`)).status).toBe(204);
      expect((await second.refresh()).status).toBe(401);
      expect((await second.request('GET', '/auth/sessions')).status).toBe(401);

      expectError(await a.request('DELETE', `/auth/sessions/${secondSid}`), 404, 'not_found'); // already ended
      expectError(await a.request('DELETE', '/auth/sessions/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
      expectError(await a.request('DELETE', '/auth/sessions/not-a-uuid'), 404, 'not_found');
      expectError(await a.request('DELETE', `/auth/sessions/${strangerSid}`), 404, 'not_found');
      expect((await stranger.refresh()).status).toBe(200);
      expectError(await client().request('DELETE', `/auth/sessions/${strangerSid}`), 401, 'invalid_token');
    });

    it('DELETE /auth/sessions?scope=others and ?scope=all: {revoked: n}; 400 for a missing or bad scope', async () => {
      const { client: me, email } = await signedIn(server.url);
      const others = [new BrowserClient(server.url), new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS })];
      for (const o of others) await o.login(email, PASSWORD);

      expectError(await me.request('DELETE', '/auth/sessions'), 400, 'invalid_request');
      expectError(await me.request('DELETE', '/auth/sessions?scope=everyone'), 400, 'invalid_request');
      expect((await me.request('GET', '/auth/sessions')).body.sessions).toHaveLength(3);

      const res = await me.request('DELETE', '/auth/sessions?scope=others');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ revoked: 2 });
      for (const o of others) expect((await o.refresh()).status).toBe(401);
      expect((await me.request('GET', '/auth/sessions')).body.sessions).toHaveLength(1);

      const another = new BrowserClient(server.url);
      await another.login(email, PASSWORD);
      expect((await me.request('DELETE', '/auth/sessions?scope=all')).body).toEqual({ revoked: 2 });
      expect((await me.request('GET', '/auth/me')).status).toBe(401);
      expect((await me.refresh()).status).toBe(401);
      expect((await another.refresh()).status).toBe(401);
    });
  });

  describe('GET /auth/events', () => {
    it('200 {events}: this user\'s security events, newest first, with the contract\'s fields', async () => {
      const { client: c, email, sessionId } = await signedIn(server.url);
      clock.advance(1);
      await c.refresh();
      clock.advance(1);
      await new BrowserClient(server.url).login(email, 'wrong password!');
      clock.advance(1);
      await signedIn(server.url); // someone else's events must not show

      const res = await c.request('GET', '/auth/events');
      expect(res.status).toBe(200);
      const events = res.body.events as Array<Record<string, unknown>>;
      const types = events.map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(['login_failed', 'refresh']);
      expect(types).toEqual(expect.arrayContaining(['login', 'new_device', 'refresh', 'login_failed']));
      const times = events.map((e) => Date.parse(e.at as string));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      for (const e of events) {
        for (const key of ['id', 'type', 'at', 'sessionId', 'ip', 'userAgent']) expect(e).toHaveProperty(key);
        expect(Object.keys(e).every((k) => ['id', 'type', 'at', 'sessionId', 'ip', 'userAgent', 'device', 'detail'].includes(k))).toBe(true);
        expect(JSON.stringify(e)).not.toContain(PASSWORD);
        expect(e.sessionId === null || typeof e.sessionId === 'string').toBe(true);
      }
      expect(events.find((e) => e.type === 'login')).toMatchObject({ sessionId, ip: '127.0.0.1', userAgent: CHROME_LINUX, at: expect.stringMatching(ISO) });
      expect(events.find((e) => e.type === 'new_device')).toMatchObject({ detail: { browser: 'Chrome', os: 'Linux', type: 'desktop' } });
    });

    it('401 without a valid access token', async () => {
      expectError(await client().request('GET', '/auth/events'), 401, 'invalid_token');
    });
  });

  describe('POST /auth/password', () => {
    it('204; every other session of the user is revoked and cannot refresh; the caller goes on', async () => {
      const { client: me, email } = await signedIn(server.url);
      const other = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
      await other.login(email, PASSWORD);
      const newPassword = 'an entirely new passphrase';

      const res = await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword });
      expect(res.status).toBe(204);
      expect((await other.refresh()).status).toBe(401);
      expect((await other.request('GET', '/auth/sessions')).status).toBe(401);
      expect((await me.request('GET', '/auth/sessions')).body.sessions).toHaveLength(1);
      expect((await me.refresh()).status).toBe(200);
      expectError(await new BrowserClient(server.url).login(email, PASSWORD), 401, 'invalid_credentials');
      expect((await new BrowserClient(server.url).login(email, newPassword)).status).toBe(200);
      const events = (await me.request('GET', '/auth/events')).body.events.map((e: { type: string }) => e.type);
      expect(events).toContain('password_changed');
    });

    it('401 invalid_credentials for a wrong current password, 400 weak_password, 400 invalid_request, 401 without a token', async () => {
      const { client: me, email } = await signedIn(server.url);
      const other = new BrowserClient(server.url);
      await other.login(email, PASSWORD);
      expectError(await me.request('POST', '/auth/password', { currentPassword: 'not my password', newPassword: 'a fine new passphrase' }), 401, 'invalid_credentials');
      expectError(await me.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }), 400, 'weak_password');
      expectError(await me.request('POST', '/auth/password', { newPassword: 'a fine new passphrase' }), 400, 'invalid_request');
      expectError(await client().request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'a fine new passphrase' }), 401, 'invalid_token');
      expect((await other.refresh()).status).toBe(200); // nothing was revoked
      expect((await new BrowserClient(server.url).login(email, PASSWORD)).status).toBe(200);
    });
  });

  describe('health', () => {
    it('GET /healthz and /readyz answer 200', async () => {
      const health = await client().request('GET', '/healthz');
      expect(health.status).toBe(200);
      const ready = await client().request('GET', '/readyz');
      expect(ready.status).toBe(200);
    });

    it('GET /readyz answers 503 when the database does not answer, /healthz still 200', async () => {
      const s = await startApiServer();
      try {
        await s.latchkey.store.close();
        const ready = await new BrowserClient(s.url).request('GET', '/readyz');
        expectError(ready, 503, 'service_unavailable');
        expect((await new BrowserClient(s.url).request('GET', '/healthz')).status).toBe(200);
      } finally {
        await s.close().catch(() => undefined);
      }
    });

    it('an unknown route is a 404 in the error shape', async () => {
      expectError(await client().request('GET', '/auth/nothing-here'), 404, 'not_found');
    });
  });
});
