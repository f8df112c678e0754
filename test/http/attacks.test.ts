import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
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
} from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** GET /auth/me with `token`; asserts the 401 invalid_token answer of RFC 6750. */
async function expectRefused(url: string, token: string): Promise<void> {
  for (const path of ['/auth/me', '/auth/sessions']) {
    const res = await new BrowserClient(url).request('GET', path, undefined, { authorization: `Bearer ${token}` });
    expectError(res, 401, 'invalid_token');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  }
}

describe('attacks that must fail', () => {
  let server: TestServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({}, { clock });
  });
  afterAll(() => server.close());

  describe('forged access tokens', () => {
    it('the genuine token works (control)', async () => {
      const { client } = await signedIn(server.url);
      expect((await client.request('GET', '/auth/me')).status).toBe(200);
    });

    it('alg: none is refused', async () => {
      const { client } = await signedIn(server.url);
      const { header, payload } = decodeJwt(client.accessToken!);
      for (const alg of ['none', 'None', 'NONE']) {
        await expectRefused(server.url, `${b64({ ...header, alg })}.${b64(payload)}.`);
      }
      await expectRefused(server.url, `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`);
    });

    it('HS256 signed with the server\'s public key (PEM or JWK bytes) is refused', async () => {
      const { client } = await signedIn(server.url);
      const { header, payload } = decodeJwt(client.accessToken!);
      const jwk = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()).keys.find((k: { kid: string }) => k.kid === header.kid);
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
      const secrets = [pem, pem.trim(), JSON.stringify(jwk), createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' })];
      for (const secret of secrets) {
        for (const alg of ['HS256', 'HS384', 'HS512']) {
          const input = `${b64({ ...header, alg })}.${b64(payload)}`;
          const mac = createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url');
          await expectRefused(server.url, `${input}.${mac}`);
        }
      }
    });

    it('a tampered payload (another user\'s sub and sid) is refused', async () => {
      const { client: attacker } = await signedIn(server.url);
      const { userId: victimId, sessionId: victimSid } = await signedIn(server.url);
      const [header, , signature] = attacker.accessToken!.split('.');
      const { payload } = decodeJwt(attacker.accessToken!);
      await expectRefused(server.url, `${header}.${b64({ ...payload, sub: victimId, sid: victimSid })}.${signature}`);
      await expectRefused(server.url, `${header}.${b64({ ...payload, exp: (payload.exp as number) + 86_400 })}.${signature}`);
      // Signature bytes flipped.
      const sig = Buffer.from(signature!, 'base64url');
      sig[5]! ^= 0xff;
      await expectRefused(server.url, `${header}.${b64(payload)}.${sig.toString('base64url')}`);
    });

    it('an unknown kid, a wrong typ or a missing claim is refused even when signed by the server\'s key', async () => {
      const { client } = await signedIn(server.url);
      const { header, payload } = decodeJwt(client.accessToken!);
      const [, body, signature] = client.accessToken!.split('.');
      await expectRefused(server.url, `${b64({ ...header, kid: 'someone-elses-key' })}.${body}.${signature}`);
      const noSid = { ...payload } as Record<string, unknown>;
      delete noSid.sid;
      await expectRefused(server.url, server.latchkey.keys.sign(noSid));
    });

    it('an expired token is refused', async () => {
      const { client } = await signedIn(server.url);
      expect((await client.request('GET', '/auth/me')).status).toBe(200);
      clock.advance(server.latchkey.config.session.accessTtl + 10);
      await expectRefused(server.url, client.accessToken!);
      // The session itself lives on: a refresh gives a working token.
      expect((await client.refresh()).status).toBe(200);
      expect((await client.request('GET', '/auth/me')).status).toBe(200);
    });

    it('a token with a wrong iss or aud, signed with the server\'s own key, is refused', async () => {
      const { client } = await signedIn(server.url);
      const { payload } = decodeJwt(client.accessToken!);
      expect((await new BrowserClient(server.url).request('GET', '/auth/me', undefined, { authorization: `Bearer ${server.latchkey.keys.sign(payload)}` })).status).toBe(200);
      await expectRefused(server.url, server.latchkey.keys.sign({ ...payload, iss: 'https://evil.example' }));
      await expectRefused(server.url, server.latchkey.keys.sign({ ...payload, aud: 'https://another-api.example' }));
      await expectRefused(server.url, server.latchkey.keys.sign({ ...payload, aud: ['https://another-api.example'] }));
    });

    it('a revoked device\'s access token is refused on /auth/sessions at once', async () => {
      const { client: laptop, email } = await signedIn(server.url);
      const stolen = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
      const stolenSid = (await stolen.login(email, PASSWORD)).body.session_id;
      expect((await laptop.request('DELETE', `/auth/sessions/${stolenSid}`)).status).toBe(204);
      await expectRefused(server.url, stolen.accessToken!);
      expectError(await stolen.request('DELETE', '/auth/sessions?scope=others'), 401, 'invalid_token');
      expect((await laptop.request('GET', '/auth/sessions')).body.sessions).toHaveLength(1);
    });
  });

  describe('foreign Origin on the cookie endpoints', () => {
    it('refresh and logout from a foreign Origin get 403 invalid_origin and change nothing', async () => {
      const { client, sessionId } = await signedIn(server.url);
      const cookie = client.refreshCookie;
      for (const path of ['/auth/refresh', '/auth/logout']) {
        const res = await client.request('POST', path, undefined, { origin: FOREIGN_ORIGIN });
        expectError(res, 403, 'invalid_origin');
        expect(res.setCookie).toEqual([]);
      }
      const session = await server.latchkey.store.findSession(sessionId);
      expect(session).toMatchObject({ counter: 0, revokedAt: null });
      expect(client.refreshCookie).toBe(cookie);
      expect((await client.refresh({ origin: ORIGIN })).status).toBe(200);
    });

    it('origins listed in LATCHKEY_ALLOWED_ORIGINS are allowed, others are not', async () => {
      const s = await startApiServer({ LATCHKEY_ALLOWED_ORIGINS: 'https://app.example.com' });
      try {
        const { client } = await signedIn(s.url);
        expectError(await client.refresh({ origin: ORIGIN }), 403, 'invalid_origin'); // the issuer is no longer listed
        expect((await client.refresh({ origin: 'https://app.example.com' })).status).toBe(200);
      } finally {
        await s.close();
      }
    });
  });

  describe('forged refresh tokens', () => {
    it('a refresh token with one MAC byte flipped is refused and does not revoke the real session', async () => {
      const { client, userId, sessionId } = await signedIn(server.url);
      const real = client.refreshCookie!;
      const bytes = Buffer.from(real, 'base64url');
      for (const index of [bytes.length - 1, bytes.length - 32, 17]) {
        const forged = Buffer.from(bytes);
        forged[index]! ^= 0x01;
        const attacker = new BrowserClient(server.url);
        attacker.refreshCookie = forged.toString('base64url');
        const res = await attacker.refresh();
        expectError(res, 401, 'invalid_grant');
        expect(isCleared(refreshCookie(res.setCookie))).toBe(true);
        // Logging out with the forged token does nothing either.
        attacker.refreshCookie = forged.toString('base64url');
        expect((await attacker.request('POST', '/auth/logout')).status).toBe(204);
      }
      expect(await server.latchkey.store.findSession(sessionId)).toMatchObject({ revokedAt: null, counter: 0 });
      expect(await server.latchkey.store.listEvents(userId, 50, ['refresh_token_reuse', 'session_revoked', 'logout'])).toEqual([]);
      expect((await client.refresh()).status).toBe(200);
    });
  });

  describe('X-Forwarded-For', () => {
    it('is ignored without LATCHKEY_TRUST_PROXY: the session keeps the socket address', async () => {
      const { client, sessionId } = await signedIn(server.url, { headers: { 'user-agent': FIREFOX_WINDOWS, 'x-forwarded-for': '198.51.100.23' } });
      const session = await server.latchkey.store.findSession(sessionId);
      expect(session).toMatchObject({ ip: '127.0.0.1', lastIp: '127.0.0.1' });
      // A refresh "from" another address is still the same socket address: no ip_changed.
      await client.refresh({ 'x-forwarded-for': '203.0.113.99' });
      expect((await server.latchkey.store.findSession(sessionId))?.lastIp).toBe('127.0.0.1');
      const listed = (await client.request('GET', '/auth/sessions')).body.sessions[0];
      expect(listed).toMatchObject({ ip: '127.0.0.1', lastIp: '127.0.0.1' });
      const types = (await client.request('GET', '/auth/events')).body.events.map((e: { type: string; ip: string }) => `${e.type}@${e.ip}`);
      expect(types.every((t: string) => t.endsWith('@127.0.0.1'))).toBe(true);
    });

    it('is believed from a proxy named in LATCHKEY_TRUST_PROXY=loopback', async () => {
      const s = await startApiServer({ LATCHKEY_TRUST_PROXY: 'loopback' });
      try {
        const { client, sessionId, userId } = await signedIn(s.url, { headers: { 'user-agent': FIREFOX_WINDOWS, 'x-forwarded-for': '198.51.100.23' } });
        expect(await s.latchkey.store.findSession(sessionId)).toMatchObject({ ip: '198.51.100.23', lastIp: '198.51.100.23' });
        client.headers = { ...client.headers, 'x-forwarded-for': '198.51.100.77' };
        expect((await client.refresh()).status).toBe(200);
        expect(await s.latchkey.store.findSession(sessionId)).toMatchObject({ ip: '198.51.100.23', lastIp: '198.51.100.77' });
        const changed = await s.latchkey.store.listEvents(userId, 10, ['ip_changed']);
        expect(changed).toHaveLength(1);
        expect(changed[0]).toMatchObject({ ip: '198.51.100.77', detail: { previousIp: '198.51.100.23' } });
      } finally {
        await s.close();
      }
    });

    it('a trusted proxy list that does not include the socket address is not believed', async () => {
      const s = await startApiServer({ LATCHKEY_TRUST_PROXY: '10.0.0.0/8' });
      try {
        const { sessionId } = await signedIn(s.url, { headers: { 'user-agent': FIREFOX_WINDOWS, 'x-forwarded-for': '198.51.100.23' } });
        expect(await s.latchkey.store.findSession(sessionId)).toMatchObject({ ip: '127.0.0.1' });
      } finally {
        await s.close();
      }
    });
  });

  describe('hostile input', () => {
    it('oversized, malformed and odd requests get clear 4xx answers, never a 5xx', async () => {
      const c = new BrowserClient(server.url);
      const answers = [
        await c.request('POST', '/auth/login', { email: 'a@example.com', password: 'x'.repeat(20_000) }),
        await c.request('POST', '/auth/login', { email: { $gt: '' }, password: PASSWORD }),
        await c.request('POST', '/auth/login', 'null'),
        await c.request('POST', '/auth/register', { email: `${'a'.repeat(300)}@example.com`, password: PASSWORD }),
        await c.request('POST', '/auth/refresh', undefined, { 'x-device-id': 'not-a-uuid' }),
        await c.request('GET', '/auth/me', undefined, { authorization: `Bearer ${'a'.repeat(9000)}` }),
        await c.request('GET', '/auth/events?limit=abc'),
      ];
      for (const res of answers) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(Object.keys(res.body as object).sort()).toEqual(['error', 'error_description']);
        expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      }
    });
  });
});
