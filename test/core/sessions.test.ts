import { afterEach, describe, expect, it } from 'vitest';
import { FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import { device, expectCode, PASSWORD, CORE_BACKENDS, coreOn, type CoreHarness } from '../helpers/core-harness.ts';

const PHONE = '3f2b8c1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c';
const TABLET = 'b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e';
const CHROME_LINUX_NEWER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.85 Safari/537.36';

describe.each(CORE_BACKENDS)('accounts and sessions (core, manual clock) on %s', (backend) => {
  const startCore = coreOn(backend);
  let h: CoreHarness;
  afterEach(() => h.close());

  describe('register and login', () => {
    it('compares e-mail addresses case-insensitively', async () => {
      h = await startCore();
      const user = await h.signUp('Ann.Lee@Example.com');
      await expectCode(h.signUp('ann.lee@example.COM'), 'email_taken');
      const tokens = await h.auth.login({ email: 'ANN.LEE@example.com', password: PASSWORD }, device());
      expect(tokens.user.id).toBe(user.id);
      expect(tokens.user.email).toBe('Ann.Lee@Example.com');
    });

    it('an unknown e-mail and a wrong password fail the same way', async () => {
      h = await startCore();
      const user = await h.signUp();
      const unknown = await h.auth.login({ email: 'nobody@example.com', password: PASSWORD }, device()).catch((e: unknown) => e);
      const wrong = await h.auth.login({ email: user.email, password: 'not the password' }, device()).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ code: 'invalid_credentials' });
      expect(wrong).toMatchObject({ code: 'invalid_credentials' });
      expect((unknown as Error).message).toBe((wrong as Error).message);
      expect(await h.eventsOf(user.id, 'login_failed')).toHaveLength(1);
    });

    it('normalises passwords with NFKC', async () => {
      h = await startCore();
      const user = await h.signUp('nfkc@example.com', 'ｇｒｅｅｎｌａｍｐｏｃｅａｎ７'); // full-width forms
      await h.auth.login({ email: user.email, password: 'greenlampocean7' }, device());
    });

    it('refuses weak passwords and malformed e-mail addresses', async () => {
      h = await startCore();
      await expectCode(h.signUp('short@example.com', 'seven77'), 'weak_password');
      await expectCode(h.signUp('long@example.com', 'é'.repeat(513)), 'weak_password'); // 1026 bytes
      await expectCode(h.signUp('not-an-email', PASSWORD), 'invalid_request');
      await h.signUp('eight@example.com', 'qz7!xw2#'); // exactly 8 characters is enough
    });

    it('a login records login, and new_device only for a browser/OS/type or device id never seen for the user', async () => {
      h = await startCore();
      const user = await h.signUp();
      const login = (request = device()) => h.auth.login({ email: user.email, password: PASSWORD }, request);
      const newDevices = async () => (await h.eventsOf(user.id, 'new_device')).length;

      const first = await login();
      expect(await newDevices()).toBe(1);
      const [event] = await h.eventsOf(user.id, 'new_device');
      expect(event).toMatchObject({ sessionId: first.sessionId, detail: { browser: 'Chrome', os: 'Linux', type: 'desktop' } });

      await login(); // same device
      await login(device({ userAgent: CHROME_LINUX_NEWER, ip: '198.51.100.1' })); // version bump, other IP
      expect(await newDevices()).toBe(1);

      await login(device({ userAgent: FIREFOX_WINDOWS }));
      expect(await newDevices()).toBe(2);
      await login(device({ userAgent: SAFARI_IPHONE }));
      expect(await newDevices()).toBe(3);
      await login(device({ userAgent: SAFARI_IPHONE, deviceId: PHONE }));
      expect(await newDevices()).toBe(4);
      await login(device({ userAgent: SAFARI_IPHONE, deviceId: PHONE }));
      expect(await newDevices()).toBe(4);
      expect(await h.eventsOf(user.id, 'login')).toHaveLength(7);

      // Devices are remembered per user: another user's first login from Chrome/Linux is new for them.
      const other = await h.signUp();
      await h.auth.login({ email: other.email, password: PASSWORD }, device());
      expect(await h.eventsOf(other.id, 'new_device')).toHaveLength(1);
    });

    it('stores the device data of the login request', async () => {
      h = await startCore();
      const { tokens } = await h.signIn(device({ userAgent: SAFARI_IPHONE, ip: '192.0.2.44', deviceId: PHONE.toUpperCase().toLowerCase() }));
      const session = await h.session(tokens.sessionId);
      expect(session).toMatchObject({
        userAgent: SAFARI_IPHONE,
        ip: '192.0.2.44',
        lastIp: '192.0.2.44',
        deviceId: PHONE,
        device: { browser: 'Safari', os: 'iOS', type: 'mobile' },
      });
    });
  });

  describe('one session per device', () => {
    it('logging in again with the same X-Device-Id replaces that device\'s old session', async () => {
      h = await startCore();
      const user = await h.signUp();
      const phone = device({ userAgent: SAFARI_IPHONE, deviceId: PHONE });
      const old = await h.auth.login({ email: user.email, password: PASSWORD }, phone);
      const tablet = await h.auth.login({ email: user.email, password: PASSWORD }, device({ deviceId: TABLET }));
      const browser = await h.auth.login({ email: user.email, password: PASSWORD }, device());
      h.clock.advance(5);
      const fresh = await h.auth.login({ email: user.email, password: PASSWORD }, phone);

      expect(fresh.sessionId).not.toBe(old.sessionId);
      expect((await h.session(old.sessionId)).revokeReason).toBe('replaced');
      await expectCode(h.auth.refresh(old.refreshToken, phone), 'invalid_grant');
      const live = (await h.auth.sessions(user.id)).map((s) => s.id).sort();
      expect(live).toEqual([fresh.sessionId, tablet.sessionId, browser.sessionId].sort());
      const revoked = await h.eventsOf(user.id, 'session_revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]).toMatchObject({ sessionId: old.sessionId, detail: { reason: 'replaced' } });
    });

    it('logins without a device id never replace each other', async () => {
      h = await startCore();
      const user = await h.signUp();
      await h.auth.login({ email: user.email, password: PASSWORD }, device());
      await h.auth.login({ email: user.email, password: PASSWORD }, device());
      expect(await h.auth.sessions(user.id)).toHaveLength(2);
    });

    it('another user\'s session with the same device id is left alone', async () => {
      h = await startCore();
      const a = await h.signIn(device({ deviceId: PHONE }));
      const b = await h.signIn(device({ deviceId: PHONE }));
      expect((await h.session(a.tokens.sessionId)).revokedAt).toBeNull();
      expect((await h.session(b.tokens.sessionId)).revokedAt).toBeNull();
    });
  });

  describe('LATCHKEY_MAX_SESSIONS', () => {
    it('a login beyond the cap ends the least recently used session (session_revoked, reason limit)', async () => {
      h = await startCore({ LATCHKEY_MAX_SESSIONS: '2' });
      const user = await h.signUp();
      const login = () => h.auth.login({ email: user.email, password: PASSWORD }, device());
      const a = await login();
      h.clock.advance(10);
      const b = await login();
      h.clock.advance(10);
      await h.auth.refresh(a.refreshToken, device()); // a is now the most recently used
      h.clock.advance(10);
      const c = await login();

      const live = await h.auth.sessions(user.id);
      expect(live.map((s) => s.id)).toEqual([c.sessionId, a.sessionId]);
      expect((await h.session(b.sessionId)).revokeReason).toBe('limit');
      const revoked = await h.eventsOf(user.id, 'session_revoked');
      expect(revoked).toHaveLength(1);
      expect(revoked[0]).toMatchObject({ sessionId: b.sessionId, detail: { reason: 'limit' } });
      await expectCode(h.auth.refresh(b.refreshToken, device()), 'invalid_grant');
    });

    it('0 means no limit', async () => {
      h = await startCore({ LATCHKEY_MAX_SESSIONS: '0' });
      const user = await h.signUp();
      for (let i = 0; i < 6; i++) await h.auth.login({ email: user.email, password: PASSWORD }, device());
      expect(await h.auth.sessions(user.id)).toHaveLength(6);
      expect(await h.eventsOf(user.id, 'session_revoked')).toHaveLength(0);
    });

    it('a re-login on the same device id does not count against the cap', async () => {
      h = await startCore({ LATCHKEY_MAX_SESSIONS: '2' });
      const user = await h.signUp();
      const a = await h.auth.login({ email: user.email, password: PASSWORD }, device());
      h.clock.advance(1);
      await h.auth.login({ email: user.email, password: PASSWORD }, device({ deviceId: PHONE }));
      h.clock.advance(1);
      const phoneAgain = await h.auth.login({ email: user.email, password: PASSWORD }, device({ deviceId: PHONE }));
      const live = (await h.auth.sessions(user.id)).map((s) => s.id);
      expect(live).toEqual([phoneAgain.sessionId, a.sessionId]);
    });
  });

  describe('listing and ending sessions', () => {
    it('lists live sessions, most recently used first', async () => {
      h = await startCore();
      const user = await h.signUp();
      const login = () => h.auth.login({ email: user.email, password: PASSWORD }, device());
      const a = await login();
      h.clock.advance(1);
      const b = await login();
      h.clock.advance(1);
      const c = await login();
      h.clock.advance(1);
      await h.auth.refresh(a.refreshToken, device());
      expect((await h.auth.sessions(user.id)).map((s) => s.id)).toEqual([a.sessionId, c.sessionId, b.sessionId]);
    });

    it('revokeSession: not_found for an unknown id or another user\'s session', async () => {
      h = await startCore();
      const mine = await h.signIn();
      const theirs = await h.signIn();
      await expectCode(h.auth.revokeSession(mine.user.id, theirs.tokens.sessionId, device()), 'not_found');
      await expectCode(h.auth.revokeSession(mine.user.id, '00000000-0000-4000-8000-000000000000', device()), 'not_found');
      expect((await h.session(theirs.tokens.sessionId)).revokedAt).toBeNull();
      await h.auth.revokeSession(theirs.user.id, theirs.tokens.sessionId, device());
      await expectCode(h.auth.refresh(theirs.tokens.refreshToken, device()), 'invalid_grant');
    });

    it('signOut others keeps the caller; all ends everything', async () => {
      h = await startCore();
      const user = await h.signUp();
      const login = () => h.auth.login({ email: user.email, password: PASSWORD }, device());
      const me = await login();
      await login();
      await login();
      expect(await h.auth.signOut(user.id, me.sessionId, 'others', device())).toBe(2);
      expect((await h.auth.sessions(user.id)).map((s) => s.id)).toEqual([me.sessionId]);
      expect(await h.auth.signOut(user.id, me.sessionId, 'all', device())).toBe(1);
      expect(await h.auth.sessions(user.id)).toEqual([]);
    });

    it('logout is idempotent and records one logout event', async () => {
      h = await startCore();
      const { user, tokens } = await h.signIn();
      await h.auth.logoutWithRefreshToken(tokens.refreshToken, device());
      await h.auth.logoutWithRefreshToken(tokens.refreshToken, device());
      await h.auth.logout(user.id, tokens.sessionId, device());
      expect(await h.eventsOf(user.id, 'logout')).toHaveLength(1);
      await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    });
  });

  describe('password change', () => {
    it('revokes every other session of the user and keeps the caller\'s', async () => {
      h = await startCore();
      const user = await h.signUp();
      const login = (request = device()) => h.auth.login({ email: user.email, password: PASSWORD }, request);
      const me = await login();
      const laptop = await login(device({ userAgent: FIREFOX_WINDOWS }));
      const phone = await login(device({ userAgent: SAFARI_IPHONE, deviceId: PHONE }));
      const stranger = await h.signIn();

      await h.auth.changePassword(user.id, me.sessionId, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }, device());

      expect((await h.auth.sessions(user.id)).map((s) => s.id)).toEqual([me.sessionId]);
      for (const s of [laptop, phone]) {
        expect((await h.session(s.sessionId)).revokeReason).toBe('password_changed');
        await expectCode(h.auth.refresh(s.refreshToken, device()), 'invalid_grant');
      }
      await h.auth.refresh(me.refreshToken, device());
      expect((await h.session(stranger.tokens.sessionId)).revokedAt).toBeNull();

      expect(await h.eventsOf(user.id, 'password_changed')).toHaveLength(1);
      expect((await h.eventsOf(user.id, 'session_revoked')).map((e) => e.detail?.reason)).toEqual(['password_changed', 'password_changed']);
      await expectCode(h.auth.login({ email: user.email, password: PASSWORD }, device()), 'invalid_credentials');
      await h.auth.login({ email: user.email, password: 'a brand new passphrase' }, device());
    });

    it('a wrong current password changes nothing', async () => {
      h = await startCore();
      const user = await h.signUp();
      const me = await h.auth.login({ email: user.email, password: PASSWORD }, device());
      const other = await h.auth.login({ email: user.email, password: PASSWORD }, device());
      await expectCode(
        h.auth.changePassword(user.id, me.sessionId, { currentPassword: 'wrong password', newPassword: 'a brand new passphrase' }, device()),
        'invalid_credentials',
      );
      await expectCode(
        h.auth.changePassword(user.id, me.sessionId, { currentPassword: PASSWORD, newPassword: 'short' }, device()),
        'weak_password',
      );
      expect((await h.session(other.sessionId)).revokedAt).toBeNull();
      await h.auth.login({ email: user.email, password: PASSWORD }, device());
    });
  });
});
