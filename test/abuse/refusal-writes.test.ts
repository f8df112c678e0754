import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import fs from 'node:fs';
import os from 'node:os';

/** Store calls made on timers, not by requests: the key ring's re-read, the mail sender's poll and sweeps. */
const BACKGROUND = new Set(['listSigningKeys', 'claimMail', 'finishMail', 'sweepMail', 'sweepLinks']);

/** Every store call made while `counting` is on, by method name. */
function countingStore(store: Store, calls: string[], counting: { on: boolean }): Store {
  const wrap = (target: Store): Store =>
    new Proxy(target, {
      get(t, name, receiver) {
        const value = Reflect.get(t, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (counting.on) calls.push(String(name));
          if (name === 'transaction') {
            const work = args[0] as (s: Store) => Promise<unknown>;
            return t.transaction((inner) => work(wrap(inner)));
          }
          return value.apply(t, args);
        };
      },
    });
  return wrap(store);
}

// Finding: every throttled login of an existing account wrote a login_failed row (2,000 refusals,
// 2,000 rows in 3 s): a disk filler, a way to push the owner's events out of /auth/events, and an
// oracle (the extra write happened only for registered e-mails).
describe('refused logins', () => {
  let server: TestServer;
  let dataDir: string;
  const calls: string[] = [];
  const counting = { on: false };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-refusals-'));
    const store = await openSqliteStore(path.join(dataDir, 'latchkey.db'));
    server = await startServer(
      { LATCHKEY_TRUST_PROXY: 'loopback', LATCHKEY_LOGIN_FAILURE_LIMIT: '5', LATCHKEY_LOGIN_IP_LIMIT: '1000000' },
      { store: countingStore(store, calls, counting) },
    );
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = (type: string): number => {
    const db = new SQLite(path.join(dataDir, 'latchkey.db'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from events where type = ?').get(type) as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('write at most one throttled event per account and window, and do no store work per refusal', async () => {
    const email = uniqueEmail('flooded');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    const attacker = new BrowserClient(server.url, { 'user-agent': CHROME_LINUX, 'x-forwarded-for': '203.0.113.66' });
    for (let i = 0; i < 5; i++) expect((await attacker.login(email, `wrong ${i}`)).status).toBe(401);
    expect(rows('login_failed')).toBe(5); // the five wrong passwords

    const first = await attacker.login(email, 'wrong again');
    expect(first.status).toBe(429);
    counting.on = true;
    const refusals = await Promise.all(Array.from({ length: 200 }, (_, i) => attacker.login(email, `flood ${i}`)));
    counting.on = false;
    expect(new Set(refusals.map((r) => r.status))).toEqual(new Set([429]));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let any deferred write land before counting
    expect(rows('login_failed')).toBe(6); // five wrong passwords + one "throttled" for the whole window
    // (timers run whatever happens: the key ring re-reads its keys every 5 s, the mail sender polls its
    // outbox and sweeps it; on a slow machine one of them can fall inside the window: not the refusals' work)
    expect(calls.filter((name) => !BACKGROUND.has(name))).toEqual([]);

    // An unknown e-mail's refusals look the same from outside and write nothing.
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 30; i++) await attacker.login(ghost, `wrong ${i}`);
    expect(rows('login_failed')).toBe(6);
  });
});
