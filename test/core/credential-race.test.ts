import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { PasswordHasher } from '../../src/core/passwords.ts';
import { UserAdmin } from '../../src/core/user-admin.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/core/store.ts';
import { device, PASSWORD, T0 } from '../helpers/core-harness.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { ISSUER, TEST_ARGON2 } from '../helpers/server.ts';

/** Holds the first transaction begun after `arm()` until `release()`: the moment a login starts its session. */
class Gate {
  #armed = false;
  #reached: () => void = () => {};
  #open: () => void = () => {};
  reached: Promise<void> = Promise.resolve();
  #opened: Promise<void> = Promise.resolve();

  arm(): void {
    this.#armed = true;
    this.reached = new Promise((resolve) => {
      this.#reached = resolve;
    });
    this.#opened = new Promise((resolve) => {
      this.#open = resolve;
    });
  }
  release(): void {
    this.#open();
  }
  wrap(store: Store): Store {
    return new Proxy(store, {
      get: (target, name, receiver) => {
        const value = Reflect.get(target, name, receiver);
        if (name !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
        return async (work: (s: Store) => Promise<unknown>) => {
          if (this.#armed) {
            this.#armed = false;
            this.#reached();
            await this.#opened;
          }
          return target.transaction(work);
        };
      },
    });
  }
}

const pg = await createTestDatabase('credential race on PostgreSQL');
const stores: Array<[string, (dir: string) => Promise<Store>]> = [['SQLite', (dir) => openSqliteStore(path.join(dir, 'latchkey.db'))]];
if (pg) stores.push(['PostgreSQL', () => openPostgresStore(pg.url)]);
afterAll(() => pg?.drop());

// Finding: login read the hash, waited in the hash queue, and re-checked only `disabledAt` in the
// transaction that creates the session, so a login begun before a password change (or a reset, or a
// disable-then-enable) finished after it with a new, refreshable session.
describe.each(stores)('a login that checked a credential which changed meanwhile (%s)', (_name, open) => {
  let latchkey: Latchkey;
  let gate: Gate;
  let dataDir: string;
  let n = 0;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-race-'));
    gate = new Gate();
    const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: ISSUER });
    latchkey = await createLatchkey(config, { store: gate.wrap(await open(dataDir)), clock: new ManualClock(T0), argon2: TEST_ARGON2, logger: false });
  });
  afterAll(async () => {
    await latchkey?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function loginAcross(change: (userId: string, email: string) => Promise<void>) {
    const email = `race${++n}-${process.pid}@example.com`;
    const user = await latchkey.auth.register({ email, password: PASSWORD }, device());
    gate.arm();
    const login = latchkey.auth.login({ email, password: PASSWORD }, device()).then(
      () => 'signed in',
      (err: { code?: string }) => err.code,
    );
    await gate.reached;
    await change(user.id, email);
    gate.release();
    const outcome = await login;
    return { outcome, sessions: await latchkey.store.listLiveSessions(user.id, T0) };
  }

  it('is refused after POST /auth/password from another session', async () => {
    const { outcome, sessions } = await loginAcross(async (userId, email) => {
      const other = await latchkey.auth.login({ email, password: PASSWORD }, device({ ip: '198.51.100.1' }));
      await latchkey.auth.changePassword(userId, other.sessionId, { currentPassword: PASSWORD, newPassword: 'a brand new password' }, device());
    });
    expect(outcome).toBe('invalid_credentials');
    expect(sessions.map((s) => s.ip)).toEqual(['198.51.100.1']); // only the session that changed it
  });

  it('is refused after a reset of the password (a new hash written), and no session is created', async () => {
    const { outcome, sessions } = await loginAcross(async (userId) => {
      await latchkey.store.updateUser(userId, { passwordHash: await new PasswordHasher(TEST_ARGON2).hash('a brand new password') });
    });
    expect(outcome).toBe('invalid_credentials');
    expect(sessions).toEqual([]);
  });

  it('is refused after a disable and an enable in between', async () => {
    const admin = new UserAdmin(latchkey.store, latchkey.auth, new ManualClock(T0));
    const { outcome, sessions } = await loginAcross(async (_userId, email) => {
      await admin.disable(email);
      await admin.enable(email);
    });
    expect(outcome).toBe('invalid_credentials');
    expect(sessions).toEqual([]);
  });
});
