import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { collectGarbage, startSweeper } from '../../src/server/sweeper.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/core/store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { newSession, newUser } from './conformance.ts';

const run = promisify(execFile);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const config = loadConfig({ LATCHKEY_EVENT_RETENTION: String(30 * 86_400), LATCHKEY_ACCESS_TTL: '900', LATCHKEY_REFRESH_GRACE: '10' });

/** A user with garbage and live rows around `now`; returns what must go and what must stay. */
async function seed(store: Store, now: number) {
  const user = newUser({ createdAt: now - 90 * DAY });
  await store.createUser(user);
  const gone = [
    ...Array.from({ length: 5 }, () => newSession(user.id, { createdAt: now - 20 * DAY, expiresAt: now - 2 * HOUR })),
    ...Array.from({ length: 4 }, () => newSession(user.id, { createdAt: now - DAY, expiresAt: now + DAY, revokedAt: now - 2 * HOUR, revokeReason: 'logout' })),
  ];
  const kept = [
    newSession(user.id, { createdAt: now - DAY, expiresAt: now + DAY }), // live
    newSession(user.id, { createdAt: now - DAY, expiresAt: now - 10 * 60_000 }), // ended 10 minutes ago: a replay still sees it
    newSession(user.id, { createdAt: now - DAY, expiresAt: now + DAY, revokedAt: now - 60_000, revokeReason: 'refresh_token_reuse' }),
  ];
  for (const s of [...gone, ...kept]) await store.insertSession(s);
  const event = (at: number) => ({ userId: user.id, type: 'login' as const, at, sessionId: null, ip: null, userAgent: null, detail: null });
  await store.insertEvents([...Array.from({ length: 7 }, (_, i) => event(now - 31 * DAY - i)), event(now - 29 * DAY), event(now)]);
  const retiredLongAgo = { kid: `old-${user.id}`, alg: 'ES256', publicJwk: '{}', privateKey: 'sealed', createdAt: now - 10 * DAY };
  const current = { kid: `new-${user.id}`, alg: 'ES256', publicJwk: '{}', privateKey: 'sealed', createdAt: now - 2 * DAY };
  await store.addSigningKey({ ...retiredLongAgo, retiredAt: null });
  await store.addSigningKey({ ...current, retiredAt: null }); // retires the old key 2 days ago: past access TTL + 1 day
  return { user, gone, kept, keys: { old: retiredLongAgo.kid, current: current.kid } };
}

async function expectSwept(store: Store, seeded: Awaited<ReturnType<typeof seed>>) {
  for (const s of seeded.gone) expect(await store.findSession(s.id)).toBeUndefined();
  for (const s of seeded.kept) expect(await store.findSession(s.id)).toEqual(s);
  expect((await store.listEvents(seeded.user.id, 100)).length).toBe(2);
  const kids = (await store.listSigningKeys()).map((k) => k.kid);
  expect(kids).toContain(seeded.keys.current);
  expect(kids).not.toContain(seeded.keys.old);
}

function gcSuite(name: string, open: () => Promise<{ store: Store; cleanup(): Promise<void> }>) {
  describe(`garbage collection on ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await open()));
    afterAll(() => cleanup?.());

    it('collectGarbage removes ended sessions, old events and retired keys in small batches, and nothing live', async () => {
      const clock = new ManualClock(Date.parse('2030-01-10T00:00:00Z'));
      const seeded = await seed(store, clock.now());
      const sweep = vi.spyOn(store, 'sweep');
      const removed = await collectGarbage(store, config, clock, 3);
      expect(removed).toEqual({ sessions: 9, events: 7, keys: 1 });
      expect(sweep.mock.calls.length).toBeGreaterThanOrEqual(3); // 9 sessions at 3 per batch
      expect(sweep.mock.calls.every(([limits]) => limits.batch === 3)).toBe(true);
      sweep.mockRestore();
      await expectSwept(store, seeded);

      // the session that ended 10 minutes ago goes once it has been over for an hour
      clock.advance(3600);
      expect((await collectGarbage(store, config, clock, 3)).sessions).toBeGreaterThanOrEqual(1);
      expect(await store.findSession(seeded.kept[1]!.id)).toBeUndefined();
      expect(await store.findSession(seeded.kept[0]!.id)).toEqual(seeded.kept[0]);
    });

    it('the background sweeper removes garbage by itself, a bounded number of batches per round', async () => {
      const clock = new ManualClock(Date.parse('2031-01-10T00:00:00Z'));
      const seeded = await seed(store, clock.now());
      const stop = startSweeper(store, config, clock, 20, undefined, { batch: 2, maxBatches: 2 });
      try {
        // 9 ended sessions at 2 per batch and 2 batches per round: it takes 3 rounds, not one long delete
        await vi.waitFor(async () => expect(await store.findSession(seeded.gone.at(-1)!.id)).toBeUndefined(), { timeout: 5000, interval: 20 });
        await vi.waitFor(async () => expectSwept(store, seeded), { timeout: 5000, interval: 20 });
      } finally {
        stop();
      }
    });
  });
}

gcSuite('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-gc-'));
  const store = await openSqliteStore(path.join(dir, 'latchkey.db'));
  return { store, cleanup: async () => { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
});

const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping PostgreSQL garbage collection suite: TEST_DATABASE_URL is not set');

describe.skipIf(!enabled)('on PostgreSQL', () => {
  let db: TestDatabase;
  gcSuite('PostgreSQL', async () => {
    db = (await createTestDatabase())!;
    const store = await openPostgresStore(db.url);
    return { store, cleanup: async () => { await store.close(); await db.drop(); } };
  });

  it('`latchkey gc` empties the garbage on demand', async () => {
    const gcDb = (await createTestDatabase())!;
    try {
      const store = await openPostgresStore(gcDb.url);
      const seeded = await seed(store, Date.now());
      const { stdout } = await run(process.execPath, ['bin/latchkey.js', 'gc'], {
        env: { ...process.env, DATABASE_URL: gcDb.url, LATCHKEY_SECRET: 'ab'.repeat(32), LATCHKEY_EVENT_RETENTION: String(30 * 86_400) },
        timeout: 30_000,
      });
      expect(stdout).toMatch(/removed 9 sessions, 7 events, 1 keys/);
      await expectSwept(store, seeded);
      await store.close();
    } finally {
      await gcDb.drop();
    }
  });
});
