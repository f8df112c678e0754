import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Argon2Cost } from '../../src/core/passwords.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import type { Store } from '../../src/core/store.ts';

/** A cheap argon2id cost for tests that are not about hashing cost. */
export const TEST_ARGON2: Argon2Cost = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export const ISSUER = 'http://latchkey.test';

/**
 * Every test client comes from 127.0.0.1, so the per-IP limits (login, sign-up, refresh) are off
 * unless a test sets them (test/abuse does). The per-account+IP failure limit stays at its default.
 */
export const PER_IP_LIMITS_OFF: Readonly<Record<string, string>> = {
  LATCHKEY_LOGIN_IP_LIMIT: '0',
  LATCHKEY_REGISTER_IP_LIMIT: '0',
  LATCHKEY_REFRESH_IP_LIMIT: '0',
};

/**
 * `grant_type=password` is off by default (RFC 9700 §2.4: apps use the code flow). Suites that
 * test it, or use it to get tokens quickly, turn it on as an existing deployment would.
 */
export const PASSWORD_GRANT_ON: Readonly<Record<string, string>> = { LATCHKEY_PASSWORD_GRANT: 'true' };

export interface TestServer {
  readonly url: string;
  readonly latchkey: Latchkey;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts a real latchkey on 127.0.0.1 (random port) over a fresh SQLite data dir, unless `env`
 * names a DATABASE_URL or `options.store` is given. `env` holds contract settings.
 */
export async function startServer(
  env: Record<string, string> = {},
  options: { clock?: Clock; store?: Store; argon2?: Argon2Cost; logger?: boolean } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-test-'));
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: ISSUER, ...PER_IP_LIMITS_OFF, ...env });
  const latchkey = await createLatchkey(config, {
    clock: options.clock,
    store: options.store,
    argon2: options.argon2 ?? TEST_ARGON2,
    logger: options.logger ?? false,
  });
  const address = await latchkey.app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    latchkey,
    dataDir,
    async close() {
      await latchkey.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
