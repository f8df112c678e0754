import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { decodeJwt, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { runCli } from './run-cli.ts';

const NEW_PASSWORD = 'set by the operator 2026';

describe('latchkey users set-password / verify-email and latchkey mail list / retry', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let env: Record<string, string>;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-mail-cli-'));

  beforeAll(async () => {
    sink = await SmtpSink.start();
    await sink.down();
    env = { LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: 'http://latchkey.test', LATCHKEY_SMTP_URL: sink.url };
    server = await startServer({ ...env, LATCHKEY_MAIL_MAX_ATTEMPTS: '1' });
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists a message that failed for good, and re-drives it once the mail server is back', async () => {
    const email = uniqueEmail('undelivered');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    await expect.poll(async () => (await server.latchkey.store.listMail(10, ['failed'])).length, { timeout: 10_000 }).toBe(1);

    const list = await runCli(['mail', 'list', '--status', 'failed'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`verify_email\\s+${email.replace(/[.]/g, '\\.')}\\s+failed\\s+1\\s+.*ECONNREFUSED`));

    await sink.up();
    const retry = await runCli(['mail', 'retry'], env);
    expect(retry.stdout).toContain('1 message(s) will be sent again');
    expect((await sink.next(email, 1, 'Confirm your e-mail address')).messageId).toMatch(/@latchkey\.test>$/);
    expect((await runCli(['mail', 'retry', '00000000-0000-4000-8000-000000000000'], env)).code).toBe(1);
  }, 60_000);

  it('set-password takes the password from stdin (never argv), ends every session and alerts; verify-email vouches', async () => {
    const email = uniqueEmail('locked-out');
    const laptop = new BrowserClient(server.url);
    expect((await laptop.register(email, PASSWORD)).status).toBe(201);
    expect((await laptop.login(email, PASSWORD)).status).toBe(200);
    const phone = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    expect((await phone.login(email, PASSWORD)).status).toBe(200);

    const [argv, set, verified] = await Promise.all([
      runCli(['users', 'set-password', email, '--password', NEW_PASSWORD], env),
      runCli(['users', 'set-password', email], env, `${NEW_PASSWORD}\n`),
      runCli(['users', 'verify-email', email], env),
    ]);
    expect(argv.code).toBe(2);
    expect(set.stdout).toContain('ended 2 session(s)');
    expect(verified.stdout).toContain(`${email} is verified now`);

    expect((await laptop.refresh()).status).toBe(401);
    expect((await phone.refresh()).status).toBe(401);
    expect((await new BrowserClient(server.url).login(email, PASSWORD)).status).toBe(401);
    const again = new BrowserClient(server.url);
    expect((await again.login(email, NEW_PASSWORD)).status).toBe(200);
    expect(decodeJwt(again.accessToken!).payload.email_verified).toBe(true);
    expect((await sink.next(email, 1, 'Your password was changed')).text).toContain('Your other devices were signed out');
  }, 60_000);
});
