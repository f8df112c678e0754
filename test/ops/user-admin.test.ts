import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { LatchkeyError } from '../../src/core/errors.ts';
import { MAX_ROLES, UserAdmin } from '../../src/core/user-admin.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

const PASSWORD = 'correct horse battery staple';
const MOBILE_DEVICE = '8b0f3c52-2f3e-4d7a-9c1e-5a6b7c8d9e0f';

let server: TestServer;
let admin: UserAdmin;

beforeAll(async () => {
  server = await startServer(PASSWORD_GRANT_ON);
  admin = new UserAdmin(server.latchkey.store, server.latchkey.auth, systemClock);
});
afterAll(() => server?.close());

async function oauth(params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ShopApp/3.1 (iPhone; iOS 17.1)', ...headers },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
    return undefined;
  } catch (err) {
    return err instanceof LatchkeyError ? err.code : String(err);
  }
}

describe('disabling a user', () => {
  it('ends every session at once (browser and mobile), refuses login and refresh on both APIs, and records why', async () => {
    const user = await admin.create('dora@example.com', PASSWORD, 'Dora');
    const browser = new BrowserClient(server.url);
    expect((await browser.login('dora@example.com', PASSWORD)).status).toBe(200);
    const mobile = await oauth({ grant_type: 'password', username: 'dora@example.com', password: PASSWORD }, { 'x-device-id': MOBILE_DEVICE });
    expect(mobile.status).toBe(200);
    const accessToken = browser.accessToken;

    const ended = await admin.disable('DORA@example.com');
    expect(ended).toHaveLength(2);
    expect(await server.latchkey.store.listLiveSessions(user.id, Date.now())).toEqual([]);

    // refresh refused on both APIs
    expect((await browser.refresh()).status).toBe(401);
    const refreshed = await oauth({ grant_type: 'refresh_token', refresh_token: mobile.body.refresh_token }, { 'x-device-id': MOBILE_DEVICE });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    // login refused with the right password, on both APIs, with the same answer as a wrong password
    const login = await new BrowserClient(server.url).login('dora@example.com', PASSWORD);
    expect(login.status).toBe(401);
    expect(login.body.error).toBe('invalid_credentials');
    expect((await oauth({ grant_type: 'password', username: 'dora@example.com', password: PASSWORD })).body.error).toBe('invalid_grant');
    // the account endpoints refuse the old access token at once: its session has ended
    const me = await fetch(`${server.url}/auth/sessions`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(401);

    const revoked = await server.latchkey.store.listEvents(user.id, 50, ['session_revoked']);
    expect(revoked.map((e) => e.detail?.reason)).toEqual(['user_disabled', 'user_disabled']);
    expect(new Set(revoked.map((e) => e.sessionId))).toEqual(new Set(ended));
    const failed = await server.latchkey.store.listEvents(user.id, 50, ['login_failed']);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]!.detail).toEqual({ reason: 'disabled' });
  });

  it('is idempotent, and enabling lets the user log in again while ended sessions stay ended', async () => {
    await admin.create('ed@example.com', PASSWORD);
    const before = new BrowserClient(server.url);
    expect((await before.login('ed@example.com', PASSWORD)).status).toBe(200);
    expect(await admin.disable('ed@example.com')).toHaveLength(1);
    expect(await admin.disable('ed@example.com')).toEqual([]);
    await admin.enable('ed@example.com');
    expect((await new BrowserClient(server.url).login('ed@example.com', PASSWORD)).status).toBe(200);
    expect((await before.refresh()).status).toBe(401);
  });

  it('names an unknown user instead of doing nothing', async () => {
    expect(await codeOf(admin.disable('nobody@example.com'))).toBe('not_found');
    expect(await codeOf(admin.enable('nobody@example.com'))).toBe('not_found');
    expect(await codeOf(admin.addRole('nobody@example.com', 'admin'))).toBe('not_found');
    expect(await codeOf(admin.revokeSession('00000000-0000-4000-8000-000000000000'))).toBe('not_found');
  });
});

describe('roles', () => {
  it('refuses names that are not role names, and more than the maximum', async () => {
    await admin.create('rita@example.com', PASSWORD);
    for (const bad of ['', 'Admin', '1admin', 'has space', 'a'.repeat(65), 'admin\n', 'ünïcode', 'x,y', '"quoted"']) {
      expect(await codeOf(admin.addRole('rita@example.com', bad)), bad).toBe('invalid_request');
    }
    expect(await admin.roles('rita@example.com')).toEqual([]);
    for (let i = 0; i < MAX_ROLES; i++) await admin.addRole('rita@example.com', `role-${i}`);
    expect(await codeOf(admin.addRole('rita@example.com', 'one-too-many'))).toBe('invalid_request');
    expect(await admin.addRole('rita@example.com', 'role-0')).toHaveLength(MAX_ROLES); // already held: no change
  });

  it('ride in the access token of the next login or refresh, and leave it when removed', async () => {
    await admin.create('sam@example.com', PASSWORD);
    await admin.addRole('sam@example.com', 'orders:admin');
    const client = new BrowserClient(server.url);
    await client.login('sam@example.com', PASSWORD);
    const claims = (token: string | undefined) => JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString());
    expect(claims(client.accessToken).roles).toEqual(['orders:admin']);
    await admin.removeRole('sam@example.com', 'orders:admin');
    await client.refresh();
    expect(claims(client.accessToken)).not.toHaveProperty('roles');
  });
});
