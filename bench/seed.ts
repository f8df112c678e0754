import { randomBytes, randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { parseDevice } from '../src/core/device.ts';
import { RefreshTokenCodec } from '../src/core/refresh-token.ts';
import { ServerSecret } from '../src/core/server-secret.ts';
import type { Session } from '../src/core/types.ts';
import type { Store } from '../src/core/store.ts';

export const BENCH_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const DEVICE = parseDevice(BENCH_UA);

/** A server secret shared with the benchmark server (LATCHKEY_SECRET), so the bench can mint refresh tokens. */
export function benchSecret(): { hex: string; codec: RefreshTokenCodec } {
  const bytes = randomBytes(32);
  return { hex: bytes.toString('hex'), codec: new RefreshTokenCodec(new ServerSecret(bytes).refreshMacKey) };
}

/** A session as a login from 127.0.0.1 with {@link BENCH_UA} would have made it. */
export function benchSession(userId: string, now: number): Session {
  return {
    id: randomUUID(),
    userId,
    nonce: RefreshTokenCodec.newNonce(),
    counter: 0,
    createdAt: now,
    lastActiveAt: now,
    rotatedAt: null,
    expiresAt: now + 86_400_000,
    userAgent: BENCH_UA,
    device: DEVICE,
    ip: '127.0.0.1',
    lastIp: '127.0.0.1',
    deviceId: null,
    revokedAt: null,
    revokeReason: null,
  };
}

/**
 * Creates one user with `count` live sessions through the store, and returns the refresh token of
 * each session (what its device holds after login).
 */
export async function seedSessions(store: Store, codec: RefreshTokenCodec, count: number): Promise<{ userId: string; sessions: Session[]; tokens: string[] }> {
  const now = Date.now();
  const userId = randomUUID();
  await store.createUser({
    id: userId,
    email: `bench-${userId}@example.com`,
    name: null,
    createdAt: now,
    disabledAt: null,
    roles: [],
    passwordHash: 'not-a-hash',
  });
  const sessions = Array.from({ length: count }, () => benchSession(userId, now));
  for (const s of sessions) await store.insertSession(s);
  return { userId, sessions, tokens: sessions.map((s) => codec.issue(s.id, s.nonce, s.counter)) };
}

/**
 * Adds `count` live sessions of `userId` straight into a SQLite file: one prepared statement, one
 * transaction (the scale benchmark's filler rows). Returns the seconds it took.
 */
export function bulkInsertSessions(file: string, userId: string, count: number): number {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    `INSERT INTO sessions (id, user_id, nonce, counter, created_at, last_active_at, rotated_at, expires_at, user_agent,
       browser, os, device_type, ip, last_ip, device_id, revoked_at, revoke_reason)
     VALUES (?, ?, ?, 0, ?, ?, NULL, ?, ?, ?, ?, ?, '127.0.0.1', '127.0.0.1', NULL, NULL, NULL)`,
  );
  const now = Date.now();
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = now - (i % 86_400) * 1000;
      insert.run(randomUUID(), userId, RefreshTokenCodec.newNonce(), at, at, at + 86_400_000, BENCH_UA, DEVICE.browser, DEVICE.os, DEVICE.type);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - t0) / 1000;
}
