import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { decodeJwt, PASSWORD, signedIn, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import { ISSUER } from '../helpers/server.ts';

const KEY_TYPES = { ES256: { kty: 'EC', crv: 'P-256' }, EdDSA: { kty: 'OKP', crv: 'Ed25519' }, RS256: { kty: 'RSA' } } as const;

async function jwks(url: string): Promise<JSONWebKeySet> {
  const res = await fetch(`${url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as JSONWebKeySet;
}

describe.each(Object.keys(KEY_TYPES) as Array<keyof typeof KEY_TYPES>)('access tokens signed with %s', (alg) => {
  it('carry alg, kid and typ at+jwt, the contract\'s claims plus email_verified (nothing else), and verify against the published JWKS', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    const server = await startApiServer({ LATCHKEY_SIGNING_ALG: alg, LATCHKEY_ACCESS_TTL: '300' }, { clock });
    try {
      const { client, userId, sessionId } = await signedIn(server.url);
      const token = client.accessToken!;
      const { header, payload } = decodeJwt(token);
      expect(header).toEqual({ alg, kid: expect.any(String), typ: 'at+jwt' });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'email_verified', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
      expect(payload).toMatchObject({ iss: ISSUER, aud: ISSUER, sub: userId, sid: sessionId, iat: clock.now() / 1000 });
      expect((payload.exp as number) - (payload.iat as number)).toBe(300);
      const serialized = JSON.stringify(payload);
      for (const leak of ['@', '127.0.0.1', 'Mozilla', 'Chrome']) expect(serialized).not.toContain(leak);

      const set = await jwks(server.url);
      const key = set.keys.find((k) => k.kid === header.kid);
      expect(key).toMatchObject({ kid: header.kid, alg, use: 'sig', ...KEY_TYPES[alg] });
      for (const k of set.keys) expect(k).not.toHaveProperty('d'); // no private parts
      const verified = await jwtVerify(token, createLocalJWKSet(set), {
        issuer: ISSUER,
        audience: ISSUER,
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(clock.now()),
      });
      expect(verified.payload.sub).toBe(userId);

      // A refreshed token is a new token with a new jti, same shape.
      clock.advance(30);
      const refreshed = await client.refresh();
      const next = decodeJwt(refreshed.body.access_token);
      expect(next.payload.jti).not.toBe(payload.jti);
      expect((next.payload.exp as number) - (next.payload.iat as number)).toBe(300);
      expect(refreshed.body.expires_in).toBe(300);
    } finally {
      await server.close();
    }
  });
});

describe('signing keys', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('survive a restart on the same data dir: same kid in the JWKS, old access token and cookie still accepted', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-restart-'));
    dirs.push(dataDir);
    const first = await startApiServer({ LATCHKEY_DATA_DIR: dataDir });
    const before = await jwks(first.url);
    const { client, email } = await signedIn(first.url);
    const kid = decodeJwt(client.accessToken!).header.kid;
    expect(before.keys.map((k) => k.kid)).toContain(kid);
    await first.close();
    expect(fs.existsSync(path.join(dataDir, 'latchkey.db'))).toBe(true);

    const second = await startApiServer({ LATCHKEY_DATA_DIR: dataDir });
    try {
      expect(await jwks(second.url)).toEqual(before);
      const moved = new BrowserClient(second.url);
      moved.accessToken = client.accessToken;
      moved.refreshCookie = client.refreshCookie;
      expect((await moved.request('GET', '/auth/me')).body.user.email).toBe(email);
      expect((await moved.refresh()).status).toBe(200);
      expect(decodeJwt(moved.accessToken!).header.kid).toBe(kid);
    } finally {
      await second.close();
    }
  });

  it('another data dir means another key: a token from one server is refused by the other', async () => {
    const a = await startApiServer();
    const b = await startApiServer();
    try {
      const { client } = await signedIn(a.url);
      expect((await jwks(a.url)).keys[0]?.kid).not.toBe((await jwks(b.url)).keys[0]?.kid);
      const stranger = new BrowserClient(b.url);
      stranger.accessToken = client.accessToken;
      expect((await stranger.request('GET', '/auth/me')).status).toBe(401);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a rotated key keeps verifying the tokens it signed while the new one signs', async () => {
    const clock = new ManualClock();
    const server = await startApiServer({ LATCHKEY_KEY_ACTIVATION_DELAY: '30' }, { clock });
    try {
      const email = uniqueEmail();
      const { client } = await signedIn(server.url, { email });
      const oldKid = decodeJwt(client.accessToken!).header.kid;
      clock.advance(1);
      const newKid = await server.latchkey.keys.rotate();
      const set = await jwks(server.url);
      expect(set.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
      expect((await client.request('GET', '/auth/me')).status).toBe(200);
      // published first, signing later: for LATCHKEY_KEY_ACTIVATION_DELAY the old key goes on signing
      const early = new BrowserClient(server.url);
      await early.login(email, PASSWORD);
      expect(decodeJwt(early.accessToken!).header.kid).toBe(oldKid);
      clock.advance(31);
      const fresh = new BrowserClient(server.url);
      await fresh.login(email, PASSWORD);
      expect(decodeJwt(fresh.accessToken!).header.kid).toBe(newKid);
      expect((await fresh.request('GET', '/auth/me')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
