import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import type { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { startPageServer } from './page-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the forgot-password browser suite: no Chromium at ${CHROMIUM}`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'lantern orchard velvet 1987';

/** The link of a message, as a person would click it. */
function linkIn(text: string, kind: 'reset' | 'verify'): string {
  const match = new RegExp(`http://127\\.0\\.0\\.1:\\d+/account#${kind}=[A-Za-z0-9_-]+`).exec(text);
  if (!match) throw new Error(`no ${kind} link in the message`);
  return match[0];
}

describe.skipIf(!hasChromium)('the account page e-mail flows in Chromium', () => {
  let sink: SmtpSink;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await startPageServer({ LATCHKEY_SMTP_URL: sink.url });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sink?.close();
  });

  async function open(): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of (400|401|403)/.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    return { page, problems, close: () => context.close() };
  }

  it('forgot password end to end: ask on the page, open the mailed link, set a password; other devices are out, the old password fails', async () => {
    const email = `forgot-${Date.now()}@example.com`;
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    const phone = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    expect((await phone.login(email, PASSWORD)).status).toBe(200);

    const { page, problems, close } = await open();
    await page.goto(`${server.url}/account`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Address of your account').fill(email);
    await page.getByRole('button', { name: 'Send the reset link' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain(`If an account uses ${email}`);

    const message = await sink.next(email, 1, 'Reset your password');
    await page.goto(linkIn(message.text, 'reset'));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(page.url()).toBe(`${server.url}/account`); // the token left the address bar
    await page.getByLabel('Pick a password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toContain('Your password was changed');

    expect((await phone.refresh()).status).toBe(401); // the other device is signed out
    expect((await new BrowserClient(server.url).login(email, PASSWORD)).status).toBe(401); // the old password fails

    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: "Where you're signed in" }).waitFor();

    // The same link again is refused, in words.
    await page.goto(linkIn(message.text, 'reset'));
    await page.getByLabel('Pick a password').fill('another passphrase entirely');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect.poll(() => page.locator('#reset-error').textContent()).toContain('already used');
    expect(problems).toEqual([]);
    await close();
  }, 60_000);

  it('shows "Verify your e-mail" until the confirmation link is opened', async () => {
    const email = `verify-${Date.now()}@example.com`;
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    const { page, problems, close } = await open();
    await page.goto(`${server.url}/account`);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const banner = page.getByRole('region', { name: 'Address not confirmed yet' });
    await banner.waitFor();
    await banner.getByRole('button', { name: 'Send the link again' }).click();
    const message = await sink.next(email, 2, 'Confirm your e-mail address');

    await page.goto(linkIn(message.text, 'verify'));
    await expect.poll(() => page.locator('#notice').textContent()).toContain(`${email} is confirmed`);
    await page.getByRole('heading', { name: "Where you're signed in" }).waitFor();
    expect(await banner.isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await close();
  }, 60_000);
});
