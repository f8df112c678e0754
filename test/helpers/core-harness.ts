import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Auth } from '../../src/core/auth.ts';
import type { IssuedTokens } from '../../src/core/token-issuer.ts';
import { ManualClock } from '../../src/core/clock.ts';
import type { ErrorCode, EventType } from '../../src/contract/index.ts';
import type { RequestContext, SecurityEvent, Session, User } from '../../src/core/types.ts';
import { createLatchkey } from '../../src/server/create-latchkey.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import type { Store } from '../../src/core/store.ts';
import { CHROME_LINUX } from './browser-client.ts';
import { createTestDatabase, TEST_DATABASE_URL } from './postgres.ts';
import { ISSUER, TEST_ARGON2 } from './server.ts';

/** A fixed instant, so expiry arithmetic in tests reads as plain numbers. */
export const T0 = Date.parse('2026-03-01T12:00:00Z');

export const PASSWORD = 'correct horse battery staple';

/** The device data of a request: Chrome on Linux from 203.0.113.10 without a device id, unless overridden. */
export function device(overrides: Partial<RequestContext> = {}): RequestContext {
  return { userAgent: CHROME_LINUX, ip: '203.0.113.10', deviceId: null, ...overrides };
}

export interface CoreHarness {
  readonly auth: Auth;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly config: Config;
  /** Registers a user (fresh e-mail unless given) and returns it. */
  signUp(email?: string, password?: string): Promise<User>;
  /** Registers a user and logs in from `request`. */
  signIn(request?: RequestContext): Promise<{ user: User; tokens: IssuedTokens }>;
  /** The user's events of `type`, newest first. */
  eventsOf(userId: string, type: EventType): Promise<SecurityEvent[]>;
  session(id: string): Promise<Session>;
  close(): Promise<void>;
}

/** The databases the core suite runs on: SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set. */
export type CoreBackend = 'SQLite' | 'PostgreSQL';

export const CORE_BACKENDS: readonly CoreBackend[] = TEST_DATABASE_URL ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
if (!TEST_DATABASE_URL) console.warn('skipping the core suite on PostgreSQL: TEST_DATABASE_URL is not set');

/**
 * {@link startCore} on `backend`, for a suite that runs once per database:
 *
 * @example
 * describe.each(CORE_BACKENDS)('sessions on %s', (backend) => {
 *   const startCore = coreOn(backend);
 *   it('...', async () => { const h = await startCore({ LATCHKEY_MAX_SESSIONS: '2' }); ... });
 * });
 */
export function coreOn(backend: CoreBackend): (env?: Record<string, string>) => Promise<CoreHarness> {
  return (env = {}) => startCore(env, backend);
}

/**
 * The real core (Auth over a SQLite file in a temp dir, or over a fresh PostgreSQL database, real keys, real argon2id at a cheap cost)
 * with a {@link ManualClock}, wired by createLatchkey exactly as `latchkey serve` wires it, but not listening.
 * `env` holds contract settings (e.g. `{ LATCHKEY_REFRESH_GRACE: '10' }`).
 */
export async function startCore(env: Record<string, string> = {}, backend: CoreBackend = 'SQLite'): Promise<CoreHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-core-'));
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: ISSUER, ...env });
  const clock = new ManualClock(T0);
  const db = backend === 'PostgreSQL' ? await createTestDatabase() : undefined;
  if (backend === 'PostgreSQL' && !db) throw new Error('the PostgreSQL core suite needs TEST_DATABASE_URL');
  const pgStore = db && (await openPostgresStore(db.url));
  const latchkey = await createLatchkey(config, { clock, argon2: TEST_ARGON2, logger: false, ...(pgStore && { store: pgStore }) });
  const { auth, store } = latchkey;
  let users = 0;
  const harness: CoreHarness = {
    auth,
    store,
    clock,
    config,
    signUp: (email = `user${++users}@example.com`, password = PASSWORD) => auth.register({ email, password }, device()),
    async signIn(request = device()) {
      const user = await harness.signUp();
      return { user, tokens: await auth.login({ email: user.email, password: PASSWORD }, request) };
    },
    async eventsOf(userId, type) {
      return store.listEvents(userId, 200, [type]);
    },
    async session(id) {
      const session = await store.findSession(id);
      if (!session) throw new Error(`no session ${id}`);
      return session;
    },
    async close() {
      await latchkey.close();
      await db?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Asserts that `promise` rejects with a LatchkeyError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'LatchkeyError', code });
}
