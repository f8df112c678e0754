import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { Clock } from '../../src/core/clock.ts';
import { createLatchkey } from '../../src/server/create-latchkey.ts';
import { TEST_ARGON2, type TestServer } from '../helpers/server.ts';

/**
 * Like test/helpers/server.ts `startServer`, but on a port chosen first, so the issuer (and with it
 * the allowed Origin) is the server's real URL, as a browser's same-origin requests need.
 */
export async function startPageServer(
  env: Record<string, string> = {},
  options: { clock?: Clock; /** Holds every POST /auth/refresh this long first: widens the window in which two refreshes overlap. */ refreshDelayMs?: number } = {},
): Promise<TestServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-e2e-'));
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, PORT: String(port), LATCHKEY_ISSUER: url, ...env });
  const latchkey = await createLatchkey(config, { clock: options.clock, argon2: TEST_ARGON2, logger: false });
  const delay = options.refreshDelayMs;
  if (delay) {
    latchkey.app.addHook('onRequest', async (request) => {
      if (request.method === 'POST' && request.url === '/auth/refresh') await new Promise((resolve) => setTimeout(resolve, delay));
    });
  }
  await latchkey.app.listen({ host: '127.0.0.1', port });
  return {
    url,
    latchkey,
    dataDir,
    async close() {
      await latchkey.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
