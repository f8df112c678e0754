import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/core/store.ts';
import { newUser, testStore } from './conformance.ts';

const storeModule = new URL('../../src/store/sqlite.ts', import.meta.url).href;
const workerScript = new URL('./sqlite-worker.mjs', import.meta.url);

/**
 * A store on its own better-sqlite3 connection in a worker thread. better-sqlite3 blocks its thread
 * while it waits for a lock, so connections that race must live in different threads (or processes).
 */
async function threadStore(file: string): Promise<{ store: Store; close(): Promise<void> }> {
  const worker = new Worker(workerScript, { workerData: { file, storeModule } });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let next = 0;
  worker.on('message', (m: { id: number; value?: unknown; error?: string }) => {
    const call = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) call?.reject(new Error(m.error));
    else call?.resolve(m.value);
  });
  const store = new Proxy({} as Store, {
    get: (_, method) => (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        // A function cannot cross to the thread: a refresh decision goes as its data (see rotateIfAt).
        worker.postMessage({ id, method, args: args.map((a) => (typeof a === 'function' && 'rotateIfAt' in a ? { rotateIfAt: a.rotateIfAt } : a)) });
      }),
  });
  return { store, close: async () => void (await worker.terminate()) };
}

testStore('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-store-'));
  const file = path.join(dir, 'latchkey.db');
  const store = await openSqliteStore(file);
  return {
    store,
    async contenders(n) {
      // 8 connections in 8 threads (each costs a TypeScript load); the n racers take turns on them
      const opened = await Promise.all(Array.from({ length: Math.min(n, 8) }, () => threadStore(file)));
      return {
        stores: Array.from({ length: n }, (_, i) => opened[i % opened.length]!.store),
        close: async () => void (await Promise.all(opened.map((o) => o.close()))),
      };
    },
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('a new SQLite database opened by several processes at once', () => {
  it('is migrated once, and every opener gets a working store', async () => {
    for (let round = 0; round < 3; round++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-migrate-'));
      const file = path.join(dir, 'latchkey.db');
      const opened = await Promise.all(Array.from({ length: 8 }, () => threadStore(file)));
      try {
        await Promise.all(opened.map((o) => o.store.ping()));
        expect(await opened[0]!.store.listUsers(10, 0)).toEqual([]);
      } finally {
        await Promise.all(opened.map((o) => o.close()));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 180_000); // 24 worker threads each compiling the store through tsx: ~40 s alone on a loaded 2-core machine
});

describe('SQLite transactions from several processes on one file', () => {
  it('wait for each other instead of failing "database is locked" when a read turns into a write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-locks-'));
    const file = path.join(dir, 'latchkey.db');
    const store = await openSqliteStore(file);
    try {
      const user = newUser();
      await store.createUser(user);
      const script = new URL('./sqlite-transaction-worker.mjs', import.meta.url);
      const failures = await Promise.all(
        Array.from({ length: 4 }, () => new Promise<number>((resolve, reject) => {
          const worker = new Worker(script, { workerData: { file, storeModule, userId: user.id, transactions: 150 } });
          worker.once('message', resolve);
          worker.once('error', reject);
        })),
      );
      expect(failures).toEqual([0, 0, 0, 0]);
      expect(await store.listEvents(user.id, 1000)).toHaveLength(600);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
