import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLatchkey } from '../../src/server/create-latchkey.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startLoggedServer, type LoggedServer } from './logged-server.ts';

/** A port on 127.0.0.1 that nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a wrong REDIS_URL', () => {
  let server: LoggedServer | undefined;
  afterAll(() => server?.close());

  it('is reported at start in one warning line, and the start goes on with in-memory limits', async () => {
    const port = await closedPort();
    server = await startLoggedServer({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
    const url = await server.listen();
    const email = uniqueEmail('redis');
    expect((await new BrowserClient(url).register(email, PASSWORD)).status).toBe(201);
    expect((await new BrowserClient(url).login(email, PASSWORD)).status).toBe(200);
    const warnings = server.lines.filter((l) => l.level === 40 && /REDIS_URL/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain(`127.0.0.1:${port}`);
    expect(warnings[0]?.msg).toMatch(/in memory/);
    expect(server.text()).not.toContain('hunter2');
  });
});

describe('a PostgreSQL that cannot be reached', () => {
  it('stops the start with "cannot reach PostgreSQL at host:port", not "migration failed"', async () => {
    const port = await closedPort();
    const config = loadConfig({ DATABASE_URL: `postgres://latchkey:s3cret@127.0.0.1:${port}/latchkey` });
    const failure = await createLatchkey(config, { logger: false }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure?.message).toMatch(new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}`));
    expect(failure?.message).not.toMatch(/migration/);
    expect(failure?.message).not.toContain('s3cret');
  });
});
