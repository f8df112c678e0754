import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLatchkey } from '../../src/server/create-latchkey.ts';
import { runCli } from '../cli/run-cli.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { TEST_ARGON2 } from '../helpers/server.ts';
import { startServe } from './serve-process.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-first-run-'));
  dirs.push(dir);
  return dir;
}

/** A real server with the settings a new user has: none (only a data dir and a free port). */
async function defaultServer(env: Record<string, string> = {}) {
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir(), PORT: '0', ...env });
  const latchkey = await createLatchkey(config, { argon2: TEST_ARGON2, logger: false });
  const url = await latchkey.app.listen({ host: '127.0.0.1', port: 0 });
  return { latchkey, port: Number(new URL(url).port), url };
}

// Finding: `npm start` printed http://127.0.0.1:3000 while the default issuer was http://localhost:3000,
// so the account page opened at the printed address answered every sign-in with 403 invalid_origin.
describe('the cookie endpoints with no LATCHKEY_ISSUER set', () => {
  it('accept every loopback spelling of the served port, and nothing else', async () => {
    const { latchkey, port, url } = await defaultServer();
    try {
      const email = uniqueEmail('first');
      expect((await new BrowserClient(url).register(email, PASSWORD)).status).toBe(201);
      for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
        const res = await new BrowserClient(url).request('POST', '/auth/login', { email, password: PASSWORD }, { origin });
        expect({ origin, status: res.status }).toEqual({ origin, status: 200 });
      }
      for (const origin of [`http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, 'http://evil.example', 'null']) {
        const res = await new BrowserClient(url).request('POST', '/auth/login', { email, password: PASSWORD }, { origin });
        expect({ origin, status: res.status, error: res.body.error }).toEqual({ origin, status: 403, error: 'invalid_origin' });
      }
    } finally {
      await latchkey.close();
    }
  });

  it('a set issuer keeps the exact-origin rule', async () => {
    const { latchkey, port, url } = await defaultServer({ LATCHKEY_ISSUER: 'https://auth.example.com' });
    try {
      const res = await new BrowserClient(url).request('POST', '/auth/login', { email: 'a@example.com', password: PASSWORD }, { origin: `http://127.0.0.1:${port}` });
      expect(res.status).toBe(403);
    } finally {
      await latchkey.close();
    }
  });
});

describe('the first run of `latchkey serve`', () => {
  it('first names the page, the database and what it just created; later starts say nothing was created', async () => {
    const dir = dataDir();
    const first = await startServe({ LATCHKEY_DATA_DIR: dir });
    try {
      const line = String(first.lines[0]?.msg);
      expect(line).toContain(`${first.url}/account`);
      expect(line).toContain(`SQLite ${path.join(dir, 'latchkey.db')}`);
      expect(line).toMatch(/created a new server secret/);
      expect(line).toMatch(/and a new ES256 signing key/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    // On a terminal (here: asked for) the lines are readable text, not JSON.
    const again = await startServe({ LATCHKEY_DATA_DIR: dir, LATCHKEY_LOG_FORMAT: 'pretty' });
    try {
      const line = String(again.lines[0]?.msg);
      expect(() => JSON.parse(line)).toThrow();
      expect(line).toContain(`${again.url}/account`);
      expect(line).not.toMatch(/created/);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });

  it('`latchkey --version` prints the version', async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const res = await runCli(['--version'], {});
    expect(res).toMatchObject({ code: 0, stdout: `latchkey ${pkg.version}\n` });
  });
});
