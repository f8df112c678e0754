import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.ts';
import { BrowserClient, FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import type { TestServer } from '../helpers/server.ts';
import { startPageServer } from './page-server.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping browser suite: no Chromium at ${CHROMIUM} (CI installs it via .ci/run)`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery staple';
const OUTPUT = path.resolve(import.meta.dirname, '../../test-output');

let users = 0;

/** A fresh account, created through the API. */
async function newUser(server: TestServer, email = `user${++users}-${Date.now()}@example.com`): Promise<{ email: string; id: string }> {
  const res = await new BrowserClient(server.url).register(email, PASSWORD, 'Ann');
  expect(res.status).toBe(201);
  return { email, id: res.body.user.id };
}

/** Another device of the same user, signed in over the API with its own User-Agent and cookie jar. */
async function otherDevice(server: TestServer, email: string, userAgent: string): Promise<BrowserClient> {
  const device = new BrowserClient(server.url, { 'user-agent': userAgent });
  expect((await device.login(email, PASSWORD)).status).toBe(200);
  return device;
}

/** A page that fails the test on any script error or CSP violation. */
async function openPage(context: BrowserContext, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  return page;
}

async function signInThroughForm(page: Page, url: string, email: string): Promise<void> {
  await page.goto(`${url}/account`);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect.poll(() => page.getByRole('heading', { name: "Where you're signed in" }).isVisible()).toBe(true);
  await page.locator('li.device[data-current="true"]').waitFor();
}

function device(page: Page, name: string) {
  return page.locator('li.device', { has: page.getByRole('heading', { name }) });
}

describe.skipIf(!hasChromium)('the account page in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startPageServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function fresh(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    const problems: string[] = [];
    return { context, page: await openPage(context, problems), problems };
  }

  it('signs in through the form, with no inline script or style anywhere (strict CSP holds)', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    const response = await page.goto(`${server.url}/account`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.locator('[style]').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);

    // keyboard only: type, Tab, type, Enter
    await page.getByLabel('E-mail').focus();
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');

    const mine = page.locator('li.device[data-current="true"]');
    await mine.waitFor();
    await expect.poll(() => mine.textContent()).toContain('This device');
    expect(await page.locator('#who-email').textContent()).toBe(email);
    await expect.poll(() => page.locator('#events').textContent()).toContain('New sign-in from Chrome on Linux');
    expect(await page.locator('#events').textContent()).toContain('Account created');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a second device signed in through the API, signs it out after confirmation, and its refresh then fails', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    const firefox = await otherDevice(server, email, FIREFOX_WINDOWS);
    const iphone = await otherDevice(server, email, SAFARI_IPHONE);

    await page.getByRole('button', { name: 'Refresh' }).click();
    const item = device(page, 'Firefox on Windows');
    await item.waitFor();
    expect(await item.locator('.device-type').textContent()).toBe('Computer');
    expect(await item.locator('use').getAttribute('href')).toBe('#icon-desktop');
    expect(await item.textContent()).toContain('127.0.0.1');
    expect(await item.textContent()).not.toContain('This device');
    expect(await device(page, 'Safari on iOS').locator('.device-type').textContent()).toBe('Phone');
    expect(await device(page, 'Safari on iOS').locator('use').getAttribute('href')).toBe('#icon-mobile');
    await expect.poll(() => page.locator('#events').textContent()).toContain('New sign-in from Firefox on Windows');

    // Cancel first: nothing happens
    await item.getByRole('button', { name: 'Sign out' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Sign out Firefox on Windows?');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect((await firefox.refresh()).status).toBe(200);

    // Then confirm, with the keyboard
    await item.getByRole('button', { name: 'Sign out' }).click();
    await page.keyboard.press('Tab'); // from Cancel to the confirming button
    await page.keyboard.press('Enter');
    await expect.poll(() => item.count()).toBe(0);
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Firefox on Windows was signed out.');
    expect(await device(page, 'Safari on iOS').count()).toBe(1);
    expect((await firefox.refresh()).status).toBe(401);
    expect((await iphone.refresh()).status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('#events').textContent()).toContain('Firefox on Windows was signed out from this page');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('"Sign out all other devices" ends every session but this one', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    const others = [await otherDevice(server, email, FIREFOX_WINDOWS), await otherDevice(server, email, SAFARI_IPHONE)];
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('li.device').count()).toBe(3);

    await page.getByRole('button', { name: 'Sign out all other devices' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out all others' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Signed out 2 other devices.');
    await expect.poll(() => page.locator('li.device').count()).toBe(1);
    expect(await page.locator('li.device[data-current="true"]').count()).toBe(1);
    for (const other of others) expect((await other.refresh()).status).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('stays signed in across a reload, and page JavaScript cannot read the refresh cookie', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    await page.reload();
    await page.locator('li.device[data-current="true"]').waitFor();
    expect(await page.locator('#sign-in-view').isHidden()).toBe(true);
    expect(await page.locator('#who-email').textContent()).toBe(email);

    const cookies = await context.cookies();
    const refresh = cookies.find((c) => c.name === 'latchkey_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('latchkey_refresh');
    // Under /auth (the cookie's path) too: only HttpOnly keeps it from script there.
    await page.goto(`${server.url}/auth/me`);
    expect(await page.evaluate(() => document.cookie)).not.toContain('latchkey_refresh');
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('changes the password (a wrong current one is refused), which signs out the other devices', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    const firefox = await otherDevice(server, email, FIREFOX_WINDOWS);

    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('an entirely new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toBe('The current password is not right.');
    expect(await page.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    expect((await firefox.refresh()).status).toBe(200);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.locator('#notice').textContent()).toBe('Your password was changed. Every other device was signed out.');
    expect((await firefox.refresh()).status).toBe(401);
    await expect.poll(() => page.locator('li.device').count()).toBe(1);
    await expect.poll(() => page.locator('#events').textContent()).toContain('Password changed');
    expect(await page.locator('#account-view').isVisible()).toBe(true); // this device stays signed in
    expect(problems).toEqual([]);
    await context.close();
  });

  it('"Sign out" ends this session: the cookie is cleared and a reload shows the sign-in form', async () => {
    const { email } = await newUser(server);
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('#notice').textContent()).toBe('You are signed out.');
    expect((await context.cookies()).find((c) => c.name === 'latchkey_refresh')).toBeUndefined();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('#account-view').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a device revoked elsewhere as signed out at once, without any action (session stream)', async () => {
    const { email } = await newUser(server);
    const { context, page } = await fresh();
    await signInThroughForm(page, server.url, email);
    const sessionId = await page.locator('li.device[data-current="true"]').getAttribute('data-session-id');
    const phone = await otherDevice(server, email, SAFARI_IPHONE);
    // The page's access token is good for 15 minutes and nothing is clicked: only the stream can tell it.
    const revokedAt = Date.now();
    expect((await phone.request('DELETE', `/auth/sessions/${sessionId}`)).status).toBe(204);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    console.info(`the page showed the revocation ${Date.now() - revokedAt} ms after it was requested`);
    expect(await page.locator('#notice').textContent()).toContain('You were signed out');
    expect(await page.locator('#account-view').isHidden()).toBe(true);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor(); // and no session comes back
    await context.close();
  });

  it('takes screenshots at desktop and phone width (test-output/)', async () => {
    const { email } = await newUser(server, 'ann@example.com');
    const { context, page, problems } = await fresh();
    await signInThroughForm(page, server.url, email);
    await otherDevice(server, email, SAFARI_IPHONE);
    const stolen = await otherDevice(server, email, FIREFOX_WINDOWS);
    const oldCookie = stolen.refreshCookie;
    await stolen.refresh();
    await stolen.refresh();
    const thief = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    thief.refreshCookie = oldCookie;
    expect((await thief.refresh()).status).toBe(401); // reuse: the session ends
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('#events').textContent()).toContain('A stolen sign-in token was used; that device was signed out');
    await expect.poll(() => page.locator('li.device').count()).toBe(2);

    fs.mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'account-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0); // readable on a phone: no sideways scrolling
    await page.screenshot({ path: path.join(OUTPUT, 'account-phone.png'), fullPage: true });
    expect(fs.statSync(path.join(OUTPUT, 'account-phone.png')).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    await context.close();
  });
});

/** Real time plus a jump: time runs (so a zero grace window is really zero) and can leap ahead. */
class LeapingClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(seconds: number): void {
    this.offset += seconds * 1000;
  }
}

describe.skipIf(!hasChromium)('two tabs in Chromium', () => {
  const clock = new LeapingClock();
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    // No grace window: only the client's coordination (Web Locks + BroadcastChannel) keeps two
    // tabs from presenting the same refresh token twice, which the server would treat as theft.
    // Every refresh is held 300 ms, so the two tabs' refreshes would overlap if they were not coordinated.
    server = await startPageServer({ LATCHKEY_REFRESH_GRACE: '0' }, { clock, refreshDelayMs: 300 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('two tabs forced to refresh at the same moment both stay signed in (no reuse)', async () => {
    const { email, id } = await newUser(server);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(10_000);
    const problems: string[] = [];
    const first = await openPage(context, problems);
    await signInThroughForm(first, server.url, email);
    const second = await openPage(context, problems);
    await second.goto(`${server.url}/account`);
    await second.locator('li.device[data-current="true"]').waitFor(); // restored through the cookie
    expect(await second.evaluate(() => typeof navigator.locks?.request)).toBe('function');
    const refreshes = async () => (await server.latchkey.auth.events(id, 200)).filter((e) => e.type === 'refresh').length;
    let before = await refreshes();

    for (let round = 0; round < 3; round++) {
      clock.advance(16 * 60); // every access token in both tabs has expired on the server
      await Promise.all([
        first.getByRole('button', { name: 'Refresh' }).click(),
        second.getByRole('button', { name: 'Refresh' }).click(),
      ]);
      for (const page of [first, second]) {
        await expect.poll(() => page.locator('#devices').getAttribute('aria-busy')).toBe('false');
        expect(await page.locator('#account-view').isVisible()).toBe(true);
        expect(await page.locator('li.device[data-current="true"]').count()).toBe(1);
      }
      const after = await refreshes();
      console.log(`two tabs, round ${round + 1}: ${after - before} refresh(es) on the server`);
      expect(after - before).toBeGreaterThanOrEqual(1);
      expect(after - before).toBeLessThanOrEqual(2);
      before = after;
    }

    const events = await server.latchkey.auth.events(id, 200);
    expect(events.filter((e) => e.type === 'refresh_token_reuse' || e.type === 'session_revoked')).toEqual([]);
    expect(await server.latchkey.auth.sessions(id)).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
