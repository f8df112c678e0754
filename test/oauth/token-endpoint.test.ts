import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, CHROME_LINUX, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { decodeJwt, expectError, PASSWORD, signedIn, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';
import { postForm, postJson, type OAuthResponse } from './form.ts';

describe('POST /oauth/token and /oauth/revoke (RFC 6749, RFC 7009)', () => {
  let server: TestServer;
  let clock: ManualClock;
  let token: string;
  let revoke: string;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_REFRESH_GRACE: '10' }, { clock });
    token = `${server.url}/oauth/token`;
    revoke = `${server.url}/oauth/revoke`;
  });
  afterAll(() => server.close());

  async function account(): Promise<string> {
    const email = uniqueEmail('oauth');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    return email;
  }
  const password = (username: string, headers?: Record<string, string>) =>
    postForm(token, { grant_type: 'password', username, password: PASSWORD }, headers);
  const refresh = (refreshToken: string, headers?: Record<string, string>) =>
    postForm(token, { grant_type: 'refresh_token', refresh_token: refreshToken }, headers);
  const expectTokens = (res: OAuthResponse) => {
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
  };
  const sessionsOf = async (accessToken: string) => {
    const res = await fetch(`${server.url}/auth/sessions`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: res.status, body: (await res.json()) as { sessions?: { id: string }[] } };
  };

  describe('grant_type=password', () => {
    it('form-encoded: 200 {access_token, token_type, expires_in, refresh_token}, no-store', async () => {
      const email = await account();
      const res = await password(email);
      expectTokens(res);
      const { header, payload } = decodeJwt(res.body.access_token);
      expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
      expect(payload.exp as number - (payload.iat as number)).toBe(900);
      expect(res.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    });

    it('JSON is accepted too, and the e-mail is case-insensitive', async () => {
      const email = await account();
      expectTokens(await postJson(token, { grant_type: 'password', username: email.toUpperCase(), password: PASSWORD }));
    });

    it('form content type with a charset parameter (as oauth4webapi sends it)', async () => {
      const email = await account();
      const body = new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD, client_id: 'my-app' }).toString();
      const res = await fetch(token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, body });
      expect(res.status).toBe(200);
    });

    it('wrong password and unknown user: the same 400 invalid_grant (RFC 6749 §5.2), no-store', async () => {
      const email = await account();
      const wrong = await postForm(token, { grant_type: 'password', username: email, password: 'not the password' });
      const unknown = await postForm(token, { grant_type: 'password', username: uniqueEmail('nobody'), password: PASSWORD });
      expectError(wrong, 400, 'invalid_grant');
      expectError(unknown, 400, 'invalid_grant');
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.headers.get('cache-control')).toBe('no-store');
    });

    it('a login over OAuth creates a session with the device data, like the browser API', async () => {
      const email = await account();
      const deviceId = randomUUID();
      const res = await password(email, { 'user-agent': 'MyApp/1.0 (iPhone; iOS 17.1)', 'x-device-id': deviceId });
      expectTokens(res);
      const { body } = await sessionsOf(res.body.access_token);
      expect(body.sessions).toHaveLength(1);
      expect(body.sessions![0]).toMatchObject({ current: true, deviceId, userAgent: 'MyApp/1.0 (iPhone; iOS 17.1)' });
    });
  });

  describe('request errors', () => {
    it.each([
      ['no grant_type', 'username=a%40b.c&password=x', 'invalid_request'],
      ['password grant without password', 'grant_type=password&username=a%40b.c', 'invalid_request'],
      ['password grant without username', 'grant_type=password&password=x', 'invalid_request'],
      ['refresh grant without refresh_token', 'grant_type=refresh_token', 'invalid_request'],
      ['a repeated parameter', 'grant_type=password&grant_type=refresh_token&username=a&password=b', 'invalid_request'],
      ['an empty body', '', 'invalid_request'],
      ['an unknown grant type', 'grant_type=client_credentials', 'unsupported_grant_type'],
      ['the authorization_code grant without a client', 'grant_type=authorization_code&code=x', 'invalid_request'],
    ])('%s: 400 %s', async (_name, body, code) => {
      const res = await postForm(token, body);
      expectError(res, 400, code);
    });

    it('a JSON body with a non-string parameter: 400 invalid_request', async () => {
      expectError(await postJson(token, { grant_type: 'password', username: 42, password: 'x' }), 400, 'invalid_request');
      expectError(await postJson(token, ['grant_type', 'password']), 400, 'invalid_request');
    });

    it('an unsupported content type: 400 invalid_request, not a 5xx', async () => {
      const res = await fetch(token, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<grant/>' });
      expectError({ status: res.status, body: await res.json() }, 400, 'invalid_request');
    });

    it('a malformed JSON body: 400 invalid_request', async () => {
      const res = await fetch(token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('a bad X-Device-Id: 400 invalid_request', async () => {
      const email = await account();
      expectError(await password(email, { 'x-device-id': 'not-a-uuid' }), 400, 'invalid_request');
    });

    it('the browser API keeps its own status for invalid_grant (401)', async () => {
      const res = await new BrowserClient(server.url).refresh();
      expectError(res, 401, 'invalid_grant');
    });
  });

  describe('grant_type=refresh_token', () => {
    it('rotates: a new refresh token and a new access token for the same session', async () => {
      const email = await account();
      const first = await password(email);
      clock.advance(60);
      const second = await refresh(first.body.refresh_token);
      expectTokens(second);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect(decodeJwt(second.body.access_token).payload.sid).toBe(decodeJwt(first.body.access_token).payload.sid);
      clock.advance(60);
      expectTokens(await refresh(second.body.refresh_token));
    });

    it('a garbage or forged refresh token: 400 invalid_grant', async () => {
      expectError(await refresh('garbage'), 400, 'invalid_grant');
      const email = await account();
      const real: string = (await password(email)).body.refresh_token;
      const forged = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expectError(await refresh(forged), 400, 'invalid_grant');
      expectTokens(await refresh(real)); // the forgery did not harm the real chain
    });

    it('within the grace window the same device replaying the retired token gets the current one back', async () => {
      const email = await account();
      const first = await password(email);
      clock.advance(5);
      const second = await refresh(first.body.refresh_token);
      clock.advance(3);
      const replay = await refresh(first.body.refresh_token);
      expectTokens(replay);
      expect(replay.body.refresh_token).toBe(second.body.refresh_token);
    });

    it('replaying a rotated token after the grace window: 400 invalid_grant, the whole session ends, for the cookie API too', async () => {
      const { client, sessionId } = await signedIn(server.url);
      const retired = client.refreshCookie!;
      clock.advance(30);
      expect((await client.refresh()).status).toBe(200); // the cookie now holds the newest token
      const { access_token: accessToken } = (await client.refresh()).body as { access_token: string };
      clock.advance(30);

      const replay = await refresh(retired);
      expectError(replay, 400, 'invalid_grant');
      expect(replay.headers.get('cache-control')).toBe('no-store');

      const browser = await client.refresh();
      expectError(browser, 401, 'invalid_grant');
      expect((await sessionsOf(accessToken)).status).toBe(401);
      const events = await server.latchkey.auth.events((await server.latchkey.store.findSession(sessionId))!.userId);
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['refresh_token_reuse', 'session_revoked']));
    });

    it('replaying a rotated OAuth token also kills the newest token of its chain', async () => {
      const email = await account();
      const first = await password(email);
      clock.advance(20);
      const second = await refresh(first.body.refresh_token);
      clock.advance(20);
      expectError(await refresh(first.body.refresh_token), 400, 'invalid_grant');
      expectError(await refresh(second.body.refresh_token), 400, 'invalid_grant');
    });

    it('device binding: another X-Device-Id, or another browser family, ends the session', async () => {
      const email = await account();
      const deviceId = randomUUID();
      const app = { 'user-agent': CHROME_LINUX, 'x-device-id': deviceId };
      const first = await password(email, app);
      clock.advance(20);
      expectError(await refresh(first.body.refresh_token, { ...app, 'x-device-id': randomUUID() }), 400, 'invalid_grant');
      expectError(await refresh(first.body.refresh_token, app), 400, 'invalid_grant');

      const other = await password(email);
      clock.advance(20);
      expectError(await refresh(other.body.refresh_token, { 'user-agent': FIREFOX_WINDOWS }), 400, 'invalid_grant');
      const userId = decodeJwt(other.body.access_token).payload.sub as string;
      const types = (await server.latchkey.auth.events(userId)).map((e) => e.type);
      expect(types).toContain('suspicious_refresh');
    });

    it('idle expiry: an unused session cannot be refreshed after LATCHKEY_REFRESH_IDLE_TTL', async () => {
      const email = await account();
      const first = await password(email);
      clock.advance(14 * 24 * 3600 + 1);
      expectError(await refresh(first.body.refresh_token), 400, 'invalid_grant');
    });
  });

  describe('POST /oauth/revoke', () => {
    it('a refresh token: 200, and its session is over (refresh fails, access-token API calls fail)', async () => {
      const email = await account();
      const tokens = await password(email);
      const res = await postForm(revoke, { token: tokens.body.refresh_token, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expectError(await refresh(tokens.body.refresh_token), 400, 'invalid_grant');
      expect((await sessionsOf(tokens.body.access_token)).status).toBe(401);
    });

    it('an access token: 200, and the session named by its sid is over', async () => {
      const email = await account();
      const tokens = await password(email);
      const keep = await password(email);
      expect((await postForm(revoke, { token: tokens.body.access_token })).status).toBe(200);
      expectError(await refresh(tokens.body.refresh_token), 400, 'invalid_grant');
      const { body } = await sessionsOf(keep.body.access_token);
      expect(body.sessions!.map((s) => s.id)).toEqual([decodeJwt(keep.body.access_token).payload.sid]);
    });

    it('unknown, malformed and already revoked tokens: 200 all the same (RFC 7009 §2.2)', async () => {
      expect((await postForm(revoke, { token: 'nothing-we-issued' })).status).toBe(200);
      expect((await postForm(revoke, { token: 'a.b.c' })).status).toBe(200);
      const email = await account();
      const tokens = await password(email);
      expect((await postForm(revoke, { token: tokens.body.refresh_token })).status).toBe(200);
      expect((await postJson(revoke, { token: tokens.body.refresh_token })).status).toBe(200);
    });

    it('without a token: 400 invalid_request', async () => {
      expectError(await postForm(revoke, {}), 400, 'invalid_request');
    });
  });
});
