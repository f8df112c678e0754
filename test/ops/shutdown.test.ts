import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeOnSignals } from '../../src/server/lifecycle.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const IN_FLIGHT = 40;
const PASSWORD = 'correct horse battery staple';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-shutdown-'));
let server: ServeProcess | undefined;

afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await server?.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('graceful shutdown of latchkey serve', () => {
  it('on SIGTERM stops accepting, finishes every in-flight login (real argon2id cost), closes the store and exits 0', async () => {
    server = await startServe({
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_ISSUER: 'http://latchkey.test',
      LATCHKEY_LOGIN_IP_LIMIT: '0', // 40 logins from one IP at once is the point here, not abuse
      LATCHKEY_LOGIN_FAILURE_LIMIT: '0',
      LATCHKEY_LOG_LEVEL: 'debug', // 'incoming request' lines tell when all 40 logins have arrived
    });
    const { url } = server;
    expect((await new BrowserClient(url).register('ivy@example.com', PASSWORD)).status).toBe(201);

    // 40 logins at once: at OWASP's argon2id cost they queue for the hash pool for a few hundred ms.
    let answeredBeforeSignal = 0;
    let signalled = false;
    const logins = Array.from({ length: IN_FLIGHT }, async () => {
      const res = await new BrowserClient(url).login('ivy@example.com', PASSWORD);
      if (!signalled) answeredBeforeSignal++;
      return res;
    });
    const loginsSeen = () => server!.lines.filter((l) => l.msg === 'incoming request' && l.req?.url === '/auth/login').length;
    await server.waitForLine(() => loginsSeen() === IN_FLIGHT);
    server.child.kill('SIGTERM');
    signalled = true;

    await server.waitForLine((l) => typeof l.msg === 'string' && l.msg.includes('shutting down'));
    // no new work is taken once the shutdown began: a new request is refused or answered 503
    const late = await fetch(`${url}/healthz`).then((r) => r.status, () => 'refused');
    expect([503, 'refused']).toContain(late);

    const results = await Promise.all(logins);
    expect(answeredBeforeSignal).toBeLessThan(IN_FLIGHT); // some really were in flight at the signal
    expect(results.map((r) => r.status)).toEqual(Array(IN_FLIGHT).fill(200));
    for (const r of results) expect(r.body.access_token).toEqual(expect.any(String));

    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.lines.some((l) => l.msg === 'shut down cleanly')).toBe(true);
    // the store was closed cleanly: SQLite folded its write-ahead log back into the database
    expect(fs.existsSync(path.join(dataDir, 'latchkey.db-wal'))).toBe(false);
  }, 60_000);
});

describe('closeOnSignals', () => {
  it('exits 1 when closing takes longer than the timeout, and at once on a second signal', async () => {
    const codes: number[] = [];
    const stop = closeOnSignals({ close: () => new Promise(() => {}) }, { signals: ['SIGUSR2'], timeoutMs: 50, exit: (code) => codes.push(code) });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(codes).toEqual([]);
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(codes).toEqual([1]);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(codes).toEqual([1, 1]);
    } finally {
      stop();
    }
  });

  it('exits 0 once close() resolves, and 1 when it fails', async () => {
    const codes: number[] = [];
    let closed = 0;
    const stop = closeOnSignals({ close: async () => void closed++ }, { signals: ['SIGUSR2'], exit: (code) => codes.push(code) });
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((resolve) => setImmediate(resolve));
    stop();
    expect([closed, codes]).toEqual([1, [0]]);

    const failing = closeOnSignals({ close: async () => Promise.reject(new Error('store gone')) }, { signals: ['SIGUSR2'], exit: (code) => codes.push(code) });
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((resolve) => setImmediate(resolve));
    failing();
    expect(codes).toEqual([0, 1]);
  });
});
