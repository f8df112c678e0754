import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) console.warn('skipping the database outage suite: TEST_DATABASE_URL is not set');

const PASSWORD = 'violet kettle hums at dawn 31';

describe.skipIf(!enabled)('while PostgreSQL is unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  const email = `outage-${randomUUID()}@example.com`;

  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000), // a hang fails the test instead of stalling it
    });
  const login = () => post('/auth/login', { email, password: PASSWORD });
  const refreshCookie = (response: Response) => response.headers.getSetCookie().find((c) => c.startsWith('latchkey_refresh='))!.split(';')[0]!;
  const readyz = () => fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(20_000) });

  async function expectUnavailable(response: Response) {
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'service_unavailable', error_description: expect.any(String) });
  }

  beforeAll(async () => {
    db = (await createTestDatabase())!;
    const target = new URL(db.url);
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname);
    target.host = `127.0.0.1:${proxy.port}`;
    server = await startServer({ DATABASE_URL: target.toString() });
    expect((await post('/auth/register', { email, password: PASSWORD })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('cut: requests get 503 service_unavailable at once, /readyz 503, and service resumes by itself', async () => {
    const before = await login();
    expect(before.status).toBe(200);
    const cookie = refreshCookie(before);
    expect((await readyz()).status).toBe(200);

    await proxy.cut();
    const started = Date.now();
    await expectUnavailable(await login());
    await expectUnavailable(await post('/auth/refresh', undefined, { cookie }));
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(10_000); // refused connections fail fast, never a hang
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200); // the process itself is fine

    await proxy.restore();
    expect((await readyz()).status).toBe(200);
    const after = await login();
    expect(after.status).toBe(200);
    const refreshed = await post('/auth/refresh', undefined, { cookie });
    expect(refreshed.status).toBe(200); // the token from before the outage still works: nothing was lost
  }, 60_000);

  it('freeze (a half-open network): requests get 503 within the timeouts instead of hanging, then recover', async () => {
    const before = await login();
    expect(before.status).toBe(200);
    const cookie = refreshCookie(before);

    proxy.freeze();
    const started = Date.now();
    const [loginDuring, refreshDuring, readyDuring] = await Promise.all([login(), post('/auth/refresh', undefined, { cookie }), readyz()]);
    await expectUnavailable(loginDuring);
    await expectUnavailable(refreshDuring);
    expect(readyDuring.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(15_000); // query timeout 8 s, connect timeout 3 s

    await proxy.restore();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await readyz()).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    expect((await login()).status).toBe(200);
  }, 60_000);
});
