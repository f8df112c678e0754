import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAEP_SESSION_REVOKED } from '../../src/delivery/security-event-token.ts';
import { readEventStream } from '../../src/verify/event-stream.ts';
import { PASSWORD, signedIn, startApiServer } from '../helpers/http-auth.ts';
import { ISSUER, type TestServer } from '../helpers/server.ts';
import { FEED_KEY, logout, OTHER_FEED_KEY } from './feed-helpers.ts';

describe('Security Event Tokens (RFC 8417, CAEP session-revoked) by RFC 8936 poll, and the session stream', () => {
  let server: TestServer;
  const poll = (key: string | undefined, body: object) =>
    fetch(`${server.url}/ssf/poll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startApiServer({ LATCHKEY_REVOCATION_KEYS: `${FEED_KEY},${OTHER_FEED_KEY}` });
  });
  afterAll(() => server?.close());

  it('hands out a signed session-revoked SET until the receiver acknowledges it; each key is its own receiver', async () => {
    expect((await poll(undefined, { returnImmediately: true })).status).toBe(401);
    const user = await signedIn(server.url);
    await logout(server.url, user.client.accessToken!);

    const first = (await (await poll(FEED_KEY, { returnImmediately: true })).json()) as { sets: Record<string, string>; moreAvailable: boolean };
    const mine = Object.entries(first.sets).filter(([, jwt]) => jwt.includes('.'));
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    let found: [string, Record<string, unknown>] | undefined;
    for (const [jti, jwt] of mine) {
      const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: ISSUER, typ: 'secevent+jwt' });
      expect(protectedHeader.typ).toBe('secevent+jwt');
      expect(payload.jti).toBe(jti);
      const subject = payload.sub_id as { format: string; session: { id: string }; user: { sub: string } };
      if (subject.session.id === user.sessionId) found = [jti, payload];
    }
    expect(found).toBeDefined();
    const [jti, payload] = found!;
    expect(payload.sub_id).toEqual({ format: 'complex', session: { format: 'opaque', id: user.sessionId }, user: { format: 'iss_sub', iss: ISSUER, sub: user.userId } });
    expect((payload.events as Record<string, unknown>)[CAEP_SESSION_REVOKED]).toMatchObject({ initiating_entity: 'user', reason_admin: { en: 'logout' } });

    // Acknowledged: not sent again to this receiver, still sent to the other one.
    const acked = (await (await poll(FEED_KEY, { ack: [jti], returnImmediately: true })).json()) as { sets: Record<string, string> };
    expect(Object.keys(acked.sets)).not.toContain(jti);
    const other = (await (await poll(OTHER_FEED_KEY, { returnImmediately: true })).json()) as { sets: Record<string, string> };
    expect(Object.keys(other.sets)).toContain(jti);

    const metadata = (await (await fetch(`${server.url}/.well-known/ssf-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: ISSUER, delivery_methods_supported: ['urn:ietf:rfc:8936'] });
  });

  it('refuses a malformed poll with 400', async () => {
    const res = await poll(FEED_KEY, { maxEvents: -1 });
    expect(res.status).toBe(400);
  });

  it("tells a page at once that its own session was ended from another device, and only that", async () => {
    const here = await signedIn(server.url);
    const token = here.client.accessToken!;
    const res = await fetch(`${server.url}/auth/session/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    const events = readEventStream(res.body!);
    // Someone else signing out is not news for this page.
    const stranger = await signedIn(server.url);
    await logout(server.url, stranger.client.accessToken!);
    // Another device of the same user signs this one out.
    const other = await here.client.login(here.email, PASSWORD);
    const revoke = await fetch(`${server.url}/auth/sessions/${here.sessionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${other.body.access_token}` } });
    expect(revoke.status).toBe(204);
    const next = await events.next();
    expect(next.value).toMatchObject({ event: 'session-ended', data: JSON.stringify({ reason: 'revoked_by_user' }) });
    // The stream is over, and the ended session cannot open a new one.
    expect((await events.next()).done).toBe(true);
    const again = await fetch(`${server.url}/auth/session/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(401);
  });
});
