import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { spawnServer, type ServerProcess } from './spawn-server.ts';

const run = promisify(execFile);
const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping the many-instances suite: TEST_DATABASE_URL is not set');

const GRACE_SECONDS = 2;
const PASSWORD = 'violet kettle hums at dawn 31';
const COOKIE = 'latchkey_refresh';

interface SignIn {
  status: number;
  accessToken?: string;
  refreshToken?: string;
}

async function signIn(response: Response): Promise<SignIn> {
  const body = (await response.json()) as { access_token?: string };
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  const value = cookie?.slice(COOKIE.length + 1).split(';')[0];
  return { status: response.status, accessToken: body.access_token, refreshToken: value || undefined };
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const login = async (base: string, email: string) => signIn(await fetch(`${base}/auth/login`, json({ email, password: PASSWORD })));
const refresh = async (base: string, token: string) =>
  signIn(await fetch(`${base}/auth/refresh`, { method: 'POST', headers: { cookie: `${COOKIE}=${token}` } }));
const me = (base: string, accessToken: string) => fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
const kidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
const sidOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;
const jwksKids = async (base: string) =>
  ((await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

describe.skipIf(!enabled)('two server processes on one PostgreSQL database', () => {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let store: KyselyStore;
  let env: Record<string, string>;
  const email = `many-${randomUUID()}@example.com`;

  beforeAll(async () => {
    db = (await createTestDatabase())!;
    env = {
      DATABASE_URL: db.url,
      LATCHKEY_SECRET: randomBytes(32).toString('hex'),
      LATCHKEY_ISSUER: 'http://latchkey.test',
      LATCHKEY_REFRESH_GRACE: String(GRACE_SECONDS),
      LATCHKEY_KEY_ACTIVATION_DELAY: '2', // a rotated key is published at once and signs 2 s later
    };
    // both start at once on an empty database: migrations and the first key race too
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    store = await openPostgresStore(db.url, { poolSize: 2 });
    const registered = await fetch(`${a.url}/auth/register`, json({ email, password: PASSWORD }));
    expect(registered.status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
    await db?.drop();
  });

  it('a token minted by one instance works on the other', async () => {
    const fromA = await login(a.url, email);
    expect(fromA.status).toBe(200);
    const onB = await me(b.url, fromA.accessToken!);
    expect(onB.status).toBe(200);
    expect(((await onB.json()) as { user: { email: string } }).user.email).toBe(email);
    const refreshedOnB = await refresh(b.url, fromA.refreshToken!);
    expect(refreshedOnB.status).toBe(200);
    expect((await me(a.url, refreshedOnB.accessToken!)).status).toBe(200);
  });

  it('`latchkey keys rotate` reaches both running instances without a restart; the old key stays published', async () => {
    let session = await login(a.url, email);
    const oldAccess = session.accessToken!;
    const oldKid = kidOf(oldAccess);
    const { stdout } = await run(process.execPath, ['bin/latchkey.js', 'keys', 'rotate'], { env: { ...process.env, ...env }, timeout: 30_000 });
    const newKid = /new signing key (\S+)/.exec(stdout)?.[1];
    expect(newKid).toBeTruthy();
    expect(newKid).not.toBe(oldKid);

    // each instance re-reads the keys every 5 s: within ~6 s (generously 12) both sign with the new key
    const deadline = Date.now() + 12_000;
    const seen = new Set<string>();
    while (seen.size < 2 && Date.now() < deadline) {
      for (const server of [a, b]) {
        session = await refresh(server.url, session.refreshToken!);
        expect(session.status).toBe(200);
        if (kidOf(session.accessToken!) === newKid) seen.add(server.url);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([...seen].sort()).toEqual([a.url, b.url].sort());

    for (const server of [a, b]) {
      expect(await jwksKids(server.url)).toEqual(expect.arrayContaining([oldKid, newKid]));
      expect((await me(server.url, oldAccess)).status).toBe(200); // signed by the retired key, still valid
      expect((await me(server.url, session.accessToken!)).status).toBe(200);
    }
  }, 60_000);

  it('50 concurrent refreshes of one token over both instances: all 200 with one new token, one chain; a late replay revokes it everywhere', async () => {
    const first = await login(b.url, email);
    const sid = sidOf(first.accessToken!);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => refresh((i % 2 ? a : b).url, first.refreshToken!)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    const tokens = new Set(results.map((r) => r.refreshToken));
    expect(tokens.size).toBe(1);
    const [next] = [...tokens] as string[];
    expect(next).not.toBe(first.refreshToken);
    const session = await store.findSession(sid);
    expect(session).toMatchObject({ counter: 1, revokedAt: null }); // one rotation, one live chain
    expect((await store.listEvents(session!.userId, 200, ['refresh_token_reuse', 'session_revoked'])).filter((e) => e.sessionId === sid)).toEqual([]);

    // outside the grace window, the retired token is theft: the session ends on both instances
    await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 600));
    const replay = await fetch(`${a.url}/auth/refresh`, { method: 'POST', headers: { cookie: `${COOKIE}=${first.refreshToken}` } });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await refresh(b.url, next!)).status).toBe(401);
    expect((await refresh(a.url, next!)).status).toBe(401);
    for (const server of [a, b]) expect((await me(server.url, results[0]!.accessToken!)).status).toBe(401);
    expect(await store.findSession(sid)).toMatchObject({ revokeReason: 'refresh_token_reuse' });
  }, 60_000);

  it('neither instance logged a server error', () => {
    for (const server of [a, b]) expect(server.output()).not.toMatch(/"level":50|unhandled error/);
  });
});
