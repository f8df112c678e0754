import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, type LatchkeyVerifier } from '../../src/verify/create-verifier.ts';
import { ISSUER } from '../helpers/server.ts';
import { signedIn, startApiServer } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../pg/tcp-proxy.ts';
import { eventually, FEED_KEY, logout, OTHER_FEED_KEY, outcome } from './feed-helpers.ts';

describe('revocation feed and a verifier that follows it (SQLite)', () => {
  let server: TestServer;
  const verifiers: LatchkeyVerifier[] = [];
  const follow = (extra: Partial<Parameters<typeof createVerifier>[0]> = {}, url?: string) => {
    const base = url ?? server.url;
    const verify = createVerifier({
      issuer: ISSUER,
      audience: ISSUER,
      jwksUri: `${server.url}/.well-known/jwks.json`,
      revocations: { url: `${base}/revocations`, key: FEED_KEY, heartbeat: 1 },
      ...extra,
    });
    verifiers.push(verify);
    return verify;
  };

  beforeAll(async () => {
    server = await startApiServer({ LATCHKEY_REVOCATION_KEYS: `${FEED_KEY}, ${OTHER_FEED_KEY}` });
  });
  afterAll(async () => {
    for (const v of verifiers) v.close();
    await server.close();
  });

  it('answers 401 without a key or with a wrong one, and never lists anything then', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer rs-key-0123456789abcdeX' }, { authorization: `Basic ${FEED_KEY}` }, { authorization: `Bearer ${FEED_KEY}x` }]) {
      const res = await fetch(`${server.url}/revocations`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(Object.keys(await res.json()).sort()).toEqual(['error', 'error_description']);
    }
    const stream = await fetch(`${server.url}/revocations`, { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(401);
    // both configured keys open it (rotation)
    for (const key of [FEED_KEY, OTHER_FEED_KEY]) {
      expect((await fetch(`${server.url}/revocations`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    }
  });

  it('is off (404) when LATCHKEY_REVOCATION_KEYS is unset', async () => {
    const off = await startApiServer();
    try {
      const res = await fetch(`${off.url}/revocations`, { headers: { authorization: `Bearer ${FEED_KEY}` } });
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('refuses a bad cursor with 400', async () => {
    const res = await fetch(`${server.url}/revocations?after=drop%20table`, { headers: { authorization: `Bearer ${FEED_KEY}` } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_request');
  });

  it("rejects a revoked session's access token while unrelated tokens pass, cached or not", async () => {
    const verify = follow();
    await verify.revocations!.ready();
    const alice = await signedIn(server.url);
    const bob = await signedIn(server.url);
    const aliceToken = alice.client.accessToken!;
    const bobToken = bob.client.accessToken!;
    expect(await outcome(verify, aliceToken)).toBe('ok'); // now in the verified-token cache
    expect(await outcome(verify, bobToken)).toBe('ok');

    await logout(server.url, aliceToken);
    await eventually(async () => (await outcome(verify, aliceToken)) === 'session_revoked', 10_000, 'the revocation to reach the verifier');
    expect(await outcome(verify, bobToken)).toBe('ok');
    expect(verify.revocations!.status()).toMatchObject({ connected: true, synced: true, revoked: 1 });

    // The JSON form lists it too, with the fields a resource server needs.
    const res = await fetch(`${server.url}/revocations`, { headers: { authorization: `Bearer ${FEED_KEY}` } });
    const body = (await res.json()) as { revocations: { sid: string; sub: string; reason: string; at: string; expiresAt: string }[]; cursor: string };
    const entry = body.revocations.find((r) => r.sid === alice.sessionId);
    expect(entry).toMatchObject({ sub: alice.userId, reason: 'logout' });
    expect(Date.parse(entry!.expiresAt) - Date.parse(entry!.at)).toBe((900 + 60) * 1000);
    expect(body.revocations.some((r) => r.sid === bob.sessionId)).toBe(false);
    // Nothing after the newest cursor.
    const after = await fetch(`${server.url}/revocations?after=${body.cursor}`, { headers: { authorization: `Bearer ${FEED_KEY}` } });
    expect(((await after.json()) as { revocations: unknown[] }).revocations).toEqual([]);
  });

  it('resumes after a verifier restart from its cursor with nothing missed', async () => {
    const first = follow();
    await first.revocations!.ready();
    const users = await Promise.all([0, 1, 2, 3].map(() => signedIn(server.url)));
    const tokens = users.map((u) => u.client.accessToken!);
    await logout(server.url, tokens[0]!);
    await eventually(async () => (await outcome(first, tokens[0]!)) === 'session_revoked');
    const saved = first.revocations!.snapshot();
    first.close();

    // While no verifier runs, two more sessions end (one signed out, one revoked from another device).
    await logout(server.url, tokens[1]!);
    const other = await users[2]!.client.login(users[2]!.email, 'correct horse battery staple');
    const revoke = await fetch(`${server.url}/auth/sessions/${users[2]!.sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${other.body.access_token}` },
    });
    expect(revoke.status).toBe(204);

    const resumed = follow({ revocations: { url: `${server.url}/revocations`, key: FEED_KEY, heartbeat: 1, resume: saved } });
    await resumed.revocations!.ready();
    expect(resumed.revocations!.status().revoked).toBeGreaterThanOrEqual(3);
    for (const token of tokens.slice(0, 3)) expect(await outcome(resumed, token)).toBe('session_revoked');
    expect(await outcome(resumed, tokens[3]!)).toBe('ok');

    // A verifier starting without any saved state reads the whole window: nothing is missed either.
    const fresh = follow();
    await fresh.revocations!.ready();
    for (const token of tokens.slice(0, 3)) expect(await outcome(fresh, token)).toBe('session_revoked');
    expect(await outcome(fresh, tokens[3]!)).toBe('ok');
  });

  it('reports staleness while the feed is unreachable, and fails closed past maxStaleness', async () => {
    let proxy: TcpProxy | undefined;
    let clock = Date.now();
    try {
      proxy = await startTcpProxy(Number(new URL(server.url).port));
      const verify = follow(
        { now: () => clock, revocations: { url: `http://127.0.0.1:${proxy.port}/revocations`, key: FEED_KEY, heartbeat: 1, maxStaleness: 30 } },
      );
      await verify.revocations!.ready();
      const user = await signedIn(server.url);
      const token = user.client.accessToken!;
      expect(await outcome(verify, token)).toBe('ok');

      await proxy.cut();
      await eventually(() => !verify.revocations!.status().connected, 10_000, 'the follower to notice the outage');
      clock += 20_000; // 20 s without news: stale, still within maxStaleness (fail open)
      expect(verify.revocations!.status().lag).toBeGreaterThanOrEqual(20_000);
      expect(await outcome(verify, token)).toBe('ok');
      clock += 15_000; // 35 s: past maxStaleness, every token is refused
      expect(await outcome(verify, token)).toBe('revocation_status_unknown');

      await proxy.restore();
      await eventually(() => verify.revocations!.status().lag < 30_000, 15_000, 'the follower to reconnect');
      expect(await outcome(verify, token)).toBe('ok');
    } finally {
      await proxy?.close();
    }
  });
});
