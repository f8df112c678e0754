import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../src/oauth/clients.ts';
import { KyselyOAuthStore } from '../../src/oauth/kysely-oauth-store.ts';
import type { StoredCode } from '../../src/oauth/oauth-store.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { createTestDatabase, TEST_DATABASE_URL } from '../helpers/postgres.ts';

interface Opened {
  readonly store: KyselyStore;
  /** More stores on the same database (own connections), for races. */
  readonly others: KyselyStore[];
  close(): Promise<void>;
}

/** The OAuth tables' guarantees, on every database latchkey runs on. */
function testOAuthStore(name: string, open: () => Promise<Opened>): void {
  describe(`OAuth store on ${name}`, () => {
    let opened: Opened;
    let oauth: KyselyOAuthStore;
    let userId: string;
    beforeAll(async () => {
      opened = await open();
      oauth = new KyselyOAuthStore(opened.store.database);
      userId = randomUUID();
      await opened.store.createUser({ id: userId, email: `${userId}@example.com`, name: null, createdAt: Date.now(), disabledAt: null, roles: [], passwordHash: 'x' });
    });
    afterAll(() => opened?.close());

    const client = (id: string): OAuthClient => ({
      id,
      name: `App ${id}`,
      type: 'confidential',
      secretHash: 'ab'.repeat(32),
      redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'],
      postLogoutRedirectUris: ['https://app.example/bye'],
      firstParty: false,
      createdAt: 1_700_000_000_000,
    });
    const code = (hash: string, now = Date.now()): StoredCode => ({
      codeHash: hash,
      clientId: 'a',
      userId,
      redirectUri: 'https://app.example/cb',
      codeChallenge: 'c'.repeat(43),
      scope: 'openid email',
      nonce: null,
      authTime: now - 5000,
      createdAt: now,
      expiresAt: now + 60_000,
    });

    it('clients: add (a taken id is refused), find, list, names, remove', async () => {
      expect(await oauth.addClient(client('a'))).toBe(true);
      expect(await oauth.addClient({ ...client('a'), name: 'Impostor' })).toBe(false);
      expect(await oauth.findClient('a')).toEqual(client('a'));
      expect(await oauth.addClient(client('b'))).toBe(true);
      expect((await oauth.listClients()).map((c) => c.id)).toEqual(['a', 'b']);
      expect(await oauth.clientNames(['a', 'b', 'a', 'zzz'])).toEqual(new Map([['a', 'App a'], ['b', 'App b']]));
      expect(await oauth.removeClient('b')).toBe(true);
      expect(await oauth.removeClient('b')).toBe(false);
      expect(await oauth.findClient('b')).toBeUndefined();
    });

    it('a code is consumed exactly once, however many racers on however many connections', async () => {
      await oauth.insertCode(code('race'), 0);
      const racers = [opened.store, ...opened.others].flatMap((s) => Array.from({ length: 4 }, () => new KyselyOAuthStore(s.database)));
      const results = await Promise.all(racers.map((r) => r.consumeCode('race', Date.now())));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(results.find(Boolean)).toEqual(code('race', results.find(Boolean)!.createdAt));
    });

    it('a replay learns the session of the first use, and a first use learns of an earlier replay', async () => {
      await oauth.insertCode(code('first-then-replay'), 0);
      expect(await oauth.consumeCode('first-then-replay', Date.now())).toBeDefined();
      expect(await oauth.attachSession('first-then-replay', 'session-1')).toBe(false);
      expect(await oauth.markCodeReplayed('first-then-replay', Date.now())).toMatchObject({ sessionId: 'session-1', userId });

      await oauth.insertCode(code('replay-during-use'), 0);
      expect(await oauth.consumeCode('replay-during-use', Date.now())).toBeDefined();
      expect(await oauth.markCodeReplayed('replay-during-use', Date.now())).toMatchObject({ sessionId: null });
      expect(await oauth.attachSession('replay-during-use', 'session-2')).toBe(true);
      expect(await oauth.markCodeReplayed('never-issued', Date.now())).toBeUndefined();
    });

    it('inserting a code sweeps codes that expired before the given time', async () => {
      const old = Date.now() - 3_600_000;
      await oauth.insertCode(code('old', old), 0);
      await oauth.insertCode(code('new'), Date.now() - 600_000);
      expect(await oauth.markCodeReplayed('old', Date.now())).toBeUndefined();
      expect(await oauth.markCodeReplayed('new', Date.now())).toBeDefined();
    });

    it('a session keeps the client and scope it was started for', async () => {
      const now = Date.now();
      const session = {
        id: randomUUID(), userId, nonce: 'n', counter: 0, createdAt: now, lastActiveAt: now, rotatedAt: null, expiresAt: now + 60_000,
        userAgent: 'ua', device: { browser: 'b', os: 'o', type: 'unknown' as const }, ip: '127.0.0.1', lastIp: '127.0.0.1',
        deviceId: null, revokedAt: null, revokeReason: null, clientId: 'a', scope: 'openid email',
      };
      await opened.store.insertSession(session);
      expect(await opened.store.findSession(session.id)).toEqual(session);
      expect((await opened.store.findSessionWithUser(session.id))?.session).toMatchObject({ clientId: 'a', scope: 'openid email' });
    });
  });
}

testOAuthStore('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-oauth-store-'));
  const store = await openSqliteStore(path.join(dir, 'latchkey.db'));
  const other = await openSqliteStore(path.join(dir, 'latchkey.db'));
  return {
    store,
    others: [other],
    async close() {
      await Promise.all([store.close(), other.close()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL', () => {
  testOAuthStore('PostgreSQL', async () => {
    const db = (await createTestDatabase('OAuth store on PostgreSQL'))!;
    const store = await openPostgresStore(db.url);
    const others = await Promise.all([1, 2, 3].map(() => openPostgresStore(db.url, { poolSize: 4 })));
    return {
      store,
      others,
      async close() {
        await Promise.all([store, ...others].map((s) => s.close()));
        await db.drop();
      },
    };
  });
});
