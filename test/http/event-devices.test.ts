import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { UserAdmin } from '../../src/core/user-admin.ts';
import type { SecurityEvent } from '../../src/client/index.ts';
import { describeEvent } from '../../src/web/describe-event.ts';
import { renderEvent } from '../../src/http/render.ts';
import { BrowserClient, CHROME_LINUX, FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import { PASSWORD, signedIn, startApiServer } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

const FIREFOX = { browser: 'Firefox', os: 'Windows', type: 'desktop' };
const CHROME = { browser: 'Chrome', os: 'Linux', type: 'desktop' };

type WireEvent = { type: string; sessionId: string | null; device?: unknown; detail?: Record<string, unknown> };

async function events(client: BrowserClient): Promise<WireEvent[]> {
  const res = await client.request('GET', '/auth/events?limit=200');
  expect(res.status).toBe(200);
  return res.body.events;
}

function revoked(list: WireEvent[], reason: string): WireEvent {
  const found = list.find((e) => e.type === 'session_revoked' && e.detail?.reason === reason);
  if (!found) throw new Error(`no session_revoked (${reason}) in ${JSON.stringify(list.map((e) => e.type))}`);
  return found;
}

// Finding: "Chrome on Linux was signed out" where Firefox on Windows was: the event kept the
// User-Agent of the request that signed it out, and the page guessed the device from it.
describe("every event about a session carries that session's device", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer({ LATCHKEY_REFRESH_GRACE: '0' }, { clock: new ManualClock(Date.now()) });
  });
  afterAll(() => server?.close());

  it('a device signed out from another one is named as itself, in the API and in the page\'s words', async () => {
    const { client: chrome, email } = await signedIn(server.url, { headers: { 'user-agent': CHROME_LINUX } });
    const firefox = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    const login = await firefox.login(email, PASSWORD);
    expect((await chrome.request('DELETE', `/auth/sessions/${login.body.session_id}`)).status).toBe(204);
    const list = await events(chrome);
    const event = revoked(list, 'revoked_by_user');
    expect(event.sessionId).toBe(login.body.session_id);
    expect(event.device).toEqual(FIREFOX);
    expect(event.detail).toEqual({ reason: 'revoked_by_user' }); // the device is not repeated in the detail
    expect(list.find((e) => e.type === 'login' && e.sessionId === login.body.session_id)?.device).toEqual(FIREFOX);
    // The page names the device from the event alone, even with no live session to look it up in.
    expect(describeEvent(event as unknown as SecurityEvent, () => null).text).toBe('Firefox on Windows was signed out from this page');
  });

  it('reuse, the session limit and a replaced device each name the session that ended', async () => {
    const s = await startApiServer({ LATCHKEY_MAX_SESSIONS: '2', LATCHKEY_REFRESH_GRACE: '0' });
    try {
      const { client: firefox, email } = await signedIn(s.url, { headers: { 'user-agent': FIREFOX_WINDOWS } });
      const stolen = firefox.refreshCookie;
      expect((await firefox.refresh()).status).toBe(200);
      const thief = new BrowserClient(s.url, { 'user-agent': CHROME_LINUX });
      thief.refreshCookie = stolen;
      expect((await thief.refresh()).status).toBe(401); // reuse: Firefox's session ends

      const owner = new BrowserClient(s.url, { 'user-agent': CHROME_LINUX });
      await owner.login(email, PASSWORD);
      const phone = new BrowserClient(s.url, { 'user-agent': SAFARI_IPHONE, 'x-device-id': '7d0c3a52-3c1e-4a8e-9b3f-5f1f6f7e8a90' });
      await phone.login(email, PASSWORD);
      const tablet = new BrowserClient(s.url, { 'user-agent': FIREFOX_WINDOWS, 'x-device-id': '7d0c3a52-3c1e-4a8e-9b3f-5f1f6f7e8a90' });
      await tablet.login(email, PASSWORD); // same device id: replaces the iPhone's session
      await new BrowserClient(s.url, { 'user-agent': FIREFOX_WINDOWS }).login(email, PASSWORD); // over the limit of 2: Chrome goes

      const list = await events(tablet);
      expect(list.find((e) => e.type === 'refresh_token_reuse')?.device).toEqual(FIREFOX);
      expect(revoked(list, 'refresh_token_reuse').device).toEqual(FIREFOX);
      expect(revoked(list, 'replaced').device).toEqual({ browser: 'Safari', os: 'iOS', type: 'mobile' });
      expect(revoked(list, 'limit').device).toEqual(CHROME);
    } finally {
      await s.close();
    }
  });

  it('an operator ending sessions or disabling the account names each device, in words the page knows', async () => {
    const { client: chrome, email, userId } = await signedIn(server.url, { headers: { 'user-agent': CHROME_LINUX } });
    const firefox = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    const login = await firefox.login(email, PASSWORD);
    const admin = new UserAdmin(server.latchkey.store, server.latchkey.auth, new ManualClock(Date.now()));
    await admin.revokeSession(login.body.session_id);
    const byAdmin = revoked(await events(chrome), 'revoked_by_admin');
    expect(byAdmin.device).toEqual(FIREFOX);
    expect(describeEvent(byAdmin as unknown as SecurityEvent, () => null).text).toBe('Firefox on Windows was signed out by an administrator');

    await admin.disable(email);
    const all = (await server.latchkey.auth.events(userId)).filter((e) => e.type === 'session_revoked' && e.detail?.reason === 'user_disabled');
    expect(all).toHaveLength(1);
    const rendered = renderEvent(all[0]!);
    expect(rendered.device).toEqual(CHROME);
    expect(describeEvent(rendered as unknown as SecurityEvent, () => null).text).toBe('Chrome on Linux was signed out because the account was disabled');
  });
});
