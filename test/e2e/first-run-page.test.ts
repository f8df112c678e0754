import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import { BrowserClient, FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import { TEST_ARGON2 } from '../helpers/server.ts';
import { freePort } from './page-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'a fresh start on a quiet laptop';

// Finding: with no LATCHKEY_ISSUER the page at the address the server prints could not sign in, and
// nobody could sign up on it. This runs the page exactly as a new user meets it: default settings
// (only a data dir and a port), opened at http://127.0.0.1:<port>/account.
describe.skipIf(!hasChromium)('the account page with default settings, at the printed address', () => {
  let latchkey: Latchkey;
  let browser: Browser;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    const port = await freePort();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-e2e-default-'));
    latchkey = await createLatchkey(loadConfig({ LATCHKEY_DATA_DIR: dataDir, PORT: String(port) }), { argon2: TEST_ARGON2, logger: false });
    url = `http://127.0.0.1:${port}`;
    await latchkey.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await latchkey?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const events = (page: Page) => page.locator('#events').textContent();

  it('signs up, signs in, shows the device, and names the device it signed out', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const email = `newcomer-${Date.now()}@example.com`;

    await page.goto(`${url}/account`);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('E-mail address').fill(email);
    expect(await page.locator('#sign-up-password-rules').textContent()).toContain('At least 8 characters'); // the rules, before submitting
    await page.getByLabel('Choose a password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#sign-up-error').textContent()).toContain('at least 8 characters');
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('li.device[data-current="true"]').waitFor();

    await page.locator('#sign-out').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('#sign-in-view').getByLabel('E-mail', { exact: true }).fill(email);
    await page.locator('#sign-in-view').getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const mine = page.locator('li.device[data-current="true"]');
    await mine.waitFor();
    await expect.poll(() => mine.textContent()).toContain('This device');
    await expect.poll(() => mine.textContent()).toContain('Chrome on Linux');

    // Firefox on Windows signs in, then enough other sign-ins follow that its own sign-in event is no
    // longer among the events the page reads: only the event itself can name the device now.
    const firefox = new BrowserClient(url, { 'user-agent': FIREFOX_WINDOWS });
    expect((await firefox.login(email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 16; i++) {
      const phone = new BrowserClient(url, { 'user-agent': SAFARI_IPHONE, 'x-device-id': '0b7f6c1e-2a39-4c55-8d0e-3f1a2b4c5d6e' });
      expect((await phone.login(email, PASSWORD)).status).toBe(200);
    }
    await page.getByRole('button', { name: 'Refresh' }).click();
    const item = page.locator('li.device', { has: page.getByRole('heading', { name: 'Firefox on Windows' }) });
    await item.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => item.count()).toBe(0);
    await expect.poll(() => events(page)).toContain('Firefox on Windows was signed out from this page');
    expect(await events(page)).not.toContain('Chrome on Linux was signed out');
    expect((await firefox.refresh()).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });
});
