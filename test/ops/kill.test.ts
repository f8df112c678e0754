import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { RefreshTokenCodec } from '../../src/core/refresh-token.ts';
import { ServerSecret } from '../../src/core/server-secret.ts';
import { loadServerSecret } from '../../src/server/server-secret-file.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const SESSIONS = 20;
const LOAD_MS = 2000;
const PASSWORD = 'correct horse battery staple';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-kill-'));
const env = {
  LATCHKEY_DATA_DIR: dataDir,
  LATCHKEY_ISSUER: 'http://latchkey.test',
  LATCHKEY_REFRESH_GRACE: '120', // the restart happens well inside the window
  LATCHKEY_LOGIN_IP_LIMIT: '0', // every client comes from 127.0.0.1: the per-IP throttles would get in the way
  LATCHKEY_REFRESH_IP_LIMIT: '0',
  LATCHKEY_LOGIN_FAILURE_LIMIT: '0', // 20 parallel logins to one account are counted before their passwords check out
  LATCHKEY_LOG_LEVEL: 'info',
};
const running: ServeProcess[] = [];

afterAll(async () => {
  for (const server of running) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface SessionRow {
  id: string;
  nonce: string;
  counter: number;
  revoked_at: number | null;
}

/** Opens the database file as it is on disk (recovering the WAL, as a restart would) and reads it. */
function inspect(): { integrity: string; sessions: Map<string, SessionRow>; refreshEvents: Map<string, number> } {
  const db = new SQLite(path.join(dataDir, 'latchkey.db'));
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join(',');
    const sessions = new Map((db.prepare('select id, nonce, counter, revoked_at from sessions').all() as SessionRow[]).map((s) => [s.id, s]));
    const rows = db.prepare("select session_id, count(*) as n from events where type = 'refresh' group by session_id").all() as Array<{ session_id: string; n: number }>;
    return { integrity, sessions, refreshEvents: new Map(rows.map((r) => [r.session_id, r.n])) };
  } finally {
    db.close();
  }
}

const parse = (token: string) => new RefreshTokenCodec(Buffer.alloc(32)).parse(token)!;

describe('SIGKILL under refresh load', () => {
  it('leaves every session on its old or its new token, none lost or corrupted, and the store intact', async () => {
    const first = await startServe(env);
    running.push(first);
    const owner = new BrowserClient(first.url);
    expect((await owner.register('kim@example.com', PASSWORD)).status).toBe(201);
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const client = new BrowserClient(first.url);
        expect((await client.login('kim@example.com', PASSWORD)).status).toBe(200);
        return client;
      }),
    );

    // Load: every client refreshes in a loop, always with the last token it received, until the server dies.
    let rotations = 0;
    const deadline = Date.now() + LOAD_MS;
    const loops = clients.map(async (client) => {
      for (;;) {
        let res: Awaited<ReturnType<typeof client.refresh>>;
        try {
          res = await client.refresh();
        } catch (err) {
          if (Date.now() >= deadline) return; // the connection died with the server: expected
          throw err;
        }
        if (res.status !== 200) throw new Error(`refresh answered ${res.status} under load: ${JSON.stringify(res.body)}`);
        rotations++;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    await Promise.all(loops);
    expect(rotations).toBeGreaterThan(SESSIONS * 2); // there was real load

    // On disk, before anything restarts: intact, and every rotation whole (its counter and its event together).
    const crashed = inspect();
    expect(crashed.integrity).toBe('ok');
    let caughtMidway = 0;
    for (const client of clients) {
      const held = parse(client.refreshCookie!);
      const row = crashed.sessions.get(held.sessionId);
      expect(row, 'session lost').toBeDefined();
      expect(row!.revoked_at).toBeNull();
      expect([held.counter, held.counter + 1]).toContain(row!.counter);
      if (row!.counter === held.counter + 1) caughtMidway++;
      expect(crashed.refreshEvents.get(held.sessionId) ?? 0).toBe(row!.counter);
    }

    // Restart on the same data dir: each client's token still works, or the server hands it the very
    // token it was about to receive when the process died.
    const second = await startServe(env);
    running.push(second);
    const codec = new RefreshTokenCodec(new ServerSecret(loadServerSecret({ dataDir, secret: undefined })).refreshMacKey);
    for (const client of clients) {
      const held = parse(client.refreshCookie!);
      const row = crashed.sessions.get(held.sessionId)!;
      const resumed = new BrowserClient(second.url);
      resumed.refreshCookie = client.refreshCookie;
      const res = await resumed.refresh();
      expect(res.status).toBe(200);
      if (row.counter === held.counter + 1) {
        expect(resumed.refreshCookie).toBe(codec.issue(held.sessionId, row.nonce, row.counter)); // the one it missed
      } else {
        expect(parse(resumed.refreshCookie!).counter).toBe(held.counter + 1); // an ordinary rotation
      }
      expect((await resumed.refresh()).status).toBe(200); // and the chain goes on
      expect(res.body.session_id).toBe(held.sessionId);
    }

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const after = inspect();
    expect(after.integrity).toBe('ok');
    expect([...after.sessions.values()].filter((s) => s.revoked_at !== null)).toEqual([]);
    const reuse = new SQLite(path.join(dataDir, 'latchkey.db'), { readonly: true });
    try {
      expect(reuse.prepare("select count(*) as n from events where type in ('refresh_token_reuse', 'suspicious_refresh')").get()).toEqual({ n: 0 });
    } finally {
      reuse.close();
    }
    console.info(`kill test: ${rotations} rotations in ${LOAD_MS} ms over ${SESSIONS} sessions; ${caughtMidway} caught between commit and response`);
  }, 90_000);
});
