import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

describe('LATCHKEY_SIGNUP=closed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer({ LATCHKEY_SIGNUP: 'closed' });
  });
  afterAll(() => server?.close());

  it('answers /auth/register with 403 signup_closed and creates nothing', async () => {
    const email = uniqueEmail('closed');
    expectError(await new BrowserClient(server.url).register(email, PASSWORD), 403, 'signup_closed');
    expectError(await new BrowserClient(server.url).login(email, PASSWORD), 401, 'invalid_credentials');
  });

  it('tells the account page to hide the sign-up form', async () => {
    const html = await (await fetch(`${server.url}/account`)).text();
    expect(html).toContain('data-signup="closed"');
  });

  it('still lets an operator create accounts with `latchkey users create`', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-closed-'));
    try {
      const env = { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_SIGNUP: 'closed', LATCHKEY_NEW_PASSWORD: PASSWORD };
      const res = await runCli(['users', 'create', 'operator-made@example.com'], env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('created user operator-made@example.com');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('LATCHKEY_SIGNUP=open (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server?.close());

  it('lets anyone register, and the page shows the form', async () => {
    expect((await new BrowserClient(server.url).register(uniqueEmail('open'), PASSWORD)).status).toBe(201);
    expect(await (await fetch(`${server.url}/account`)).text()).toContain('data-signup="open"');
  });
});
