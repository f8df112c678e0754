import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, createAuthClient, type AuthClient, type AuthClientOptions } from '../../src/client/index.ts';
import { BASE, FakeAuthServer, FakeLocks } from './fake-auth-server.ts';

const API = `${BASE}/api/data`;
const opened: AuthClient[] = [];

afterEach(() => {
  for (const client of opened.splice(0)) client.close();
});

/** A browser: one clock, one cookie jar (the server's), one lock manager; tabs are clients. */
function browser(options: { locks?: boolean; channel?: boolean } = {}) {
  let ms = Date.parse('2026-06-01T12:00:00Z');
  const now = () => ms;
  const server = new FakeAuthServer(now);
  const locks = options.locks === false ? null : new FakeLocks();
  const channelName = `latchkey-test-${Math.random()}`;
  const tab = (extra: Partial<AuthClientOptions> = {}) => {
    const client = createAuthClient({
      baseUrl: BASE,
      fetch: server.fetch,
      now,
      locks,
      channel: options.channel === false ? null : new BroadcastChannel(channelName),
      ...extra,
    });
    opened.push(client);
    return client;
  };
  return { server, locks, tab, advance: (seconds: number) => (ms += seconds * 1000) };
}

function recordEnds(client: AuthClient) {
  const ends: unknown[] = [];
  client.on('session-ended', (detail) => ends.push(detail));
  return ends;
}

describe('latchkey/client: refresh', () => {
  it('keeps the access token in memory and attaches it to API requests', async () => {
    const { server, tab } = browser();
    const auth = tab();
    const signIn = await auth.login('ann@example.com', 'right password');
    expect(signIn).toMatchObject({ sessionId: 's1', expiresIn: 900, user: { email: 'ann@example.com' } });
    expect(JSON.stringify(signIn)).not.toContain('a1');
    const res = await auth.fetch('/api/data');
    expect(res.status).toBe(200);
    expect(server.calls('/api/data')[0]?.authorization).toBe('Bearer a1');
    expect(server.refreshes).toBe(0);
  });

  it('single flight: N concurrent requests that need a fresh token cause exactly one refresh', async () => {
    const { server, tab, advance } = browser({ locks: false }); // in-tab single flight, even without Web Locks
    const auth = tab();
    await auth.login('ann@example.com', 'right password');
    advance(901);
    const responses = await Promise.all(Array.from({ length: 10 }, () => auth.fetch(API)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(server.refreshes).toBe(1);
    expect(server.reuses).toBe(0);
    expect(new Set(server.calls('/api/data').map((c) => c.authorization))).toEqual(new Set(['Bearer a2']));
  });

  it('refreshes proactively when the token expires within the margin (30 s), not before', async () => {
    const { server, tab, advance } = browser();
    const auth = tab();
    await auth.login('ann@example.com', 'right password');
    advance(860); // 40 s left
    await auth.fetch(API);
    expect(server.refreshes).toBe(0);
    advance(11); // 29 s left
    const res = await auth.fetch(API);
    expect(res.status).toBe(200);
    expect(server.refreshes).toBe(1);
    const order = server.log.slice(-2).map((r) => `${r.path} ${r.authorization ?? ''}`);
    expect(order).toEqual(['/auth/refresh ', '/api/data Bearer a2']);
  });

  it('a 401 causes one refresh and one retry, and never more', async () => {
    const { server, tab } = browser();
    const auth = tab();
    await auth.login('ann@example.com', 'right password');
    server.rejectAll = true;
    const res = await auth.fetch(API);
    expect(res.status).toBe(401);
    expect(server.calls('/api/data').map((c) => c.authorization)).toEqual(['Bearer a1', 'Bearer a2']);
    expect(server.refreshes).toBe(1);
    expect(auth.signedIn).toBe(true); // the refresh itself worked: the API is the one refusing
  });

  it('concurrent 401s are repaired by one refresh, and every retry succeeds', async () => {
    const { server, tab } = browser({ locks: false });
    const auth = tab();
    await auth.login('ann@example.com', 'right password');
    server.forgetAccessTokens(); // the token is still "fresh" for the client, but refused
    const responses = await Promise.all(Array.from({ length: 5 }, () => auth.fetch(API)));
    expect(responses.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(server.refreshes).toBe(1);
    expect(server.calls('/api/data').map((c) => c.authorization).sort()).toEqual([...Array(5).fill('Bearer a1'), ...Array(5).fill('Bearer a2')]);
  });

  it('emits session-ended once on invalid_grant and stops refreshing (no loop)', async () => {
    const { server, tab, advance } = browser();
    const auth = tab();
    const ends = recordEnds(auth);
    await auth.login('ann@example.com', 'right password');
    server.revoke(); // signed out from another device
    const res = await auth.fetch(API);
    expect(res.status).toBe(401);
    expect(ends).toEqual([{ reason: 'revoked', otherTab: false }]);
    expect(auth.signedIn).toBe(false);
    expect(auth.user).toBeNull();
    const refreshesAtEnd = server.refreshes;
    expect(refreshesAtEnd).toBe(1);
    advance(3600);
    for (let i = 0; i < 5; i++) expect((await auth.fetch(API)).status).toBe(401);
    await expect(auth.sessions()).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
    expect(server.refreshes).toBe(refreshesAtEnd);
    expect(ends).toHaveLength(1);
    expect(server.calls('/api/data').slice(1).every((c) => c.authorization === null)).toBe(true);
  });

  it('a wrong current password is an error of the call, not a reason to refresh', async () => {
    const { server, tab } = browser();
    const auth = tab();
    await auth.login('ann@example.com', 'right password');
    const err = await auth.changePassword('wrong', 'a new long passphrase').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: 'invalid_credentials', status: 401 });
    expect(server.refreshes).toBe(0);
    expect(auth.signedIn).toBe(true);
    await auth.changePassword('right password', 'a new long passphrase');
  });

  it('restore() picks up the session from the cookie after a reload, and reports none without an event', async () => {
    const { server, tab } = browser();
    await tab().login('ann@example.com', 'right password');
    const reloaded = tab();
    expect(await reloaded.restore()).toMatchObject({ user: { email: 'ann@example.com' }, sessionId: 's1' });
    expect(server.refreshes).toBe(1);

    server.jar = undefined; // no cookie: never signed in on this browser
    const fresh = tab({ channel: null });
    const ends = recordEnds(fresh);
    expect(await fresh.restore()).toBeNull();
    expect(ends).toEqual([]);
  });

  it('sends the token only to its own origins', async () => {
    const { server, tab } = browser();
    const auth = tab({ apiOrigins: ['https://api.example.test'] });
    await auth.login('ann@example.com', 'right password');
    await auth.fetch('https://elsewhere.example.test/api/data');
    await auth.fetch('https://api.example.test/api/data');
    expect(server.calls('/api/data').map((c) => c.authorization)).toEqual([null, 'Bearer a1']);
  });
});

describe('latchkey/client: tabs', () => {
  it('two tabs refreshing at the same moment never reuse a token (lock + shared token)', async () => {
    const { server, tab, advance, locks } = browser();
    const a = tab();
    const b = tab();
    await a.login('ann@example.com', 'right password');
    await new Promise((resolve) => setTimeout(resolve, 5)); // b hears of the token
    expect(b.signedIn).toBe(true);
    advance(901);
    const [ra, rb] = await Promise.all([a.fetch(API), b.fetch(API)]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(server.reuses).toBe(0);
    expect(server.refreshes).toBeGreaterThanOrEqual(1);
    expect(server.refreshes).toBeLessThanOrEqual(2);
    expect(locks!.requests).toBeGreaterThanOrEqual(2);
    expect(a.signedIn && b.signedIn).toBe(true);
  });

  it('control: without the lock and the channel the same race is caught as reuse by a strict server', async () => {
    const { server, tab, advance } = browser({ locks: false, channel: false });
    const a = tab();
    await a.login('ann@example.com', 'right password');
    const b = tab();
    await b.restore();
    advance(901);
    await Promise.all([a.fetch(API), b.fetch(API)]);
    expect(server.reuses).toBe(1);
  });

  it('a tab that refreshed hands its token to the others, so they need no refresh', async () => {
    const { server, tab, advance } = browser();
    const a = tab();
    const b = tab();
    await a.login('ann@example.com', 'right password');
    advance(901);
    await a.fetch(API);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await b.fetch(API);
    expect(server.refreshes).toBe(1);
    expect(server.calls('/api/data').map((c) => c.authorization)).toEqual(['Bearer a2', 'Bearer a2']);
  });

  it('signing out in one tab ends the session in the others', async () => {
    const { tab } = browser();
    const a = tab();
    const b = tab();
    const endsA = recordEnds(a);
    const endsB = recordEnds(b);
    await a.login('ann@example.com', 'right password');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await a.logout();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(endsA).toEqual([{ reason: 'logout', otherTab: false }]);
    expect(endsB).toEqual([{ reason: 'logout', otherTab: true }]);
    expect(b.signedIn).toBe(false);
  });
});

describe('latchkey/client: packaging', () => {
  it('imports nothing but its own files (no server code, no dependencies)', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/client');
    let imports = 0;
    for (const file of fs.readdirSync(dir)) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const [statement, from, dynamic] of source.matchAll(/^(?:import|export)\b[^;]*?from\s*'([^']+)'|\bimport\s*\(\s*'([^']+)'/gm)) {
        const spec = from ?? dynamic;
        // Its own files, or the wire types of src/contract/, which a type-only import erases.
        if (/^import type \{[^}]*\} from '\.\.\/contract\/index\.ts'$/.test(statement)) continue;
        expect(spec, `${file} imports ${spec}`).toMatch(/^\.\/[a-z-]+\.ts$/);
        imports++;
      }
    }
    expect(imports).toBeGreaterThan(5);
  });

  it('shares only types with the server: src/contract/ holds no code and imports only itself', () => {
    const dir = path.resolve(import.meta.dirname, '../../src/contract');
    for (const file of fs.readdirSync(dir)) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      const statements = source.match(/^(?:import|export)\b.*$/gm) ?? [];
      expect(statements.length, file).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement, `${file}: ${statement}`).toMatch(/^(?:import type|export type|export interface)\b/);
        expect(statement, `${file}: ${statement}`).not.toMatch(/from '(?!\.\/[a-z-]+\.ts')/);
      }
    }
  });
});
