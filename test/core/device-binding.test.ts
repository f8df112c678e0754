import { afterEach, describe, expect, it } from 'vitest';
import { FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { device, expectCode, CORE_BACKENDS, coreOn, type CoreHarness } from '../helpers/core-harness.ts';

const PHONE = '3f2b8c1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c';
const OTHER_PHONE = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROME_LINUX_NEWER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.85 Safari/537.36';

describe.each(CORE_BACKENDS)('device binding on refresh (core, manual clock) on %s', (backend) => {
  const startCore = coreOn(backend);
  let h: CoreHarness;
  afterEach(() => h.close());

  async function expectRevoked(userId: string, sessionId: string, reason: string) {
    const session = await h.session(sessionId);
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokeReason).toBe('suspicious_refresh');
    const suspicious = await h.eventsOf(userId, 'suspicious_refresh');
    expect(suspicious).toHaveLength(1);
    expect(suspicious[0]).toMatchObject({ sessionId, detail: { reason } });
    const revoked = await h.eventsOf(userId, 'session_revoked');
    expect(revoked.map((e) => e.detail?.reason)).toEqual(['suspicious_refresh']);
  }

  describe('X-Device-Id', () => {
    it('another X-Device-Id revokes the session (suspicious_refresh)', async () => {
      h = await startCore();
      const { user, tokens } = await h.signIn(device({ deviceId: PHONE }));
      await expectCode(h.auth.refresh(tokens.refreshToken, device({ deviceId: OTHER_PHONE })), 'invalid_grant');
      await expectRevoked(user.id, tokens.sessionId, 'device_id');
      await expectCode(h.auth.refresh(tokens.refreshToken, device({ deviceId: PHONE })), 'invalid_grant');
    });

    it('a missing X-Device-Id when the session has one revokes the session', async () => {
      h = await startCore();
      const { user, tokens } = await h.signIn(device({ deviceId: PHONE }));
      await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
      await expectRevoked(user.id, tokens.sessionId, 'device_id');
    });

    it('the same X-Device-Id refreshes normally', async () => {
      h = await startCore();
      const { user, tokens } = await h.signIn(device({ deviceId: PHONE }));
      await h.auth.refresh(tokens.refreshToken, device({ deviceId: PHONE }));
      expect(await h.eventsOf(user.id, 'suspicious_refresh')).toHaveLength(0);
    });
  });

  describe('User-Agent', () => {
    it('LATCHKEY_UA_CHANGE=revoke (default): another browser family revokes', async () => {
      h = await startCore();
      expect(h.config.session.uaChange).toBe('revoke');
      const { user, tokens } = await h.signIn();
      await expectCode(h.auth.refresh(tokens.refreshToken, device({ userAgent: FIREFOX_WINDOWS })), 'invalid_grant');
      await expectRevoked(user.id, tokens.sessionId, 'user_agent');
    });

    it('LATCHKEY_UA_CHANGE=revoke: the same browser on another OS family revokes', async () => {
      h = await startCore({ LATCHKEY_UA_CHANGE: 'revoke' });
      const { user, tokens } = await h.signIn();
      await expectCode(h.auth.refresh(tokens.refreshToken, device({ userAgent: CHROME_WINDOWS })), 'invalid_grant');
      await expectRevoked(user.id, tokens.sessionId, 'user_agent');
    });

    it('LATCHKEY_UA_CHANGE=log: the refresh goes on and the change is recorded', async () => {
      h = await startCore({ LATCHKEY_UA_CHANGE: 'log' });
      const { user, tokens } = await h.signIn();
      const next = await h.auth.refresh(tokens.refreshToken, device({ userAgent: FIREFOX_WINDOWS }));
      expect(next.sessionId).toBe(tokens.sessionId);
      expect((await h.session(tokens.sessionId)).revokedAt).toBeNull();
      const suspicious = await h.eventsOf(user.id, 'suspicious_refresh');
      expect(suspicious).toHaveLength(1);
      expect(suspicious[0]).toMatchObject({
        sessionId: tokens.sessionId,
        userAgent: FIREFOX_WINDOWS,
        detail: { reason: 'user_agent', browser: 'Firefox', os: 'Windows' },
      });
      expect(await h.eventsOf(user.id, 'session_revoked')).toHaveLength(0);
    });

    it('a version bump of the same browser never counts, under either policy', async () => {
      for (const policy of ['revoke', 'log']) {
        h = await startCore({ LATCHKEY_UA_CHANGE: policy });
        const { user, tokens } = await h.signIn();
        const next = await h.auth.refresh(tokens.refreshToken, device({ userAgent: CHROME_LINUX_NEWER }));
        expect(next.sessionId).toBe(tokens.sessionId);
        expect(await h.eventsOf(user.id, 'suspicious_refresh')).toHaveLength(0);
        expect((await h.session(tokens.sessionId)).revokedAt).toBeNull();
        await h.close();
      }
      h = await startCore(); // for afterEach
    });
  });

  describe('client IP', () => {
    const NEW_IP = '198.51.100.7';

    it('LATCHKEY_IP_CHANGE=allow: goes on silently, lastIp follows', async () => {
      h = await startCore({ LATCHKEY_IP_CHANGE: 'allow' });
      const { user, tokens } = await h.signIn();
      await h.auth.refresh(tokens.refreshToken, device({ ip: NEW_IP }));
      const session = await h.session(tokens.sessionId);
      expect(session).toMatchObject({ ip: '203.0.113.10', lastIp: NEW_IP, revokedAt: null });
      expect(await h.eventsOf(user.id, 'ip_changed')).toHaveLength(0);
      expect(await h.eventsOf(user.id, 'suspicious_refresh')).toHaveLength(0);
    });

    it('LATCHKEY_IP_CHANGE=log (default): goes on, lastIp updated, ip_changed recorded', async () => {
      h = await startCore();
      expect(h.config.session.ipChange).toBe('log');
      const { user, tokens } = await h.signIn();
      const next = await h.auth.refresh(tokens.refreshToken, device({ ip: NEW_IP }));
      const session = await h.session(tokens.sessionId);
      expect(session).toMatchObject({ ip: '203.0.113.10', lastIp: NEW_IP, revokedAt: null });
      const changed = await h.eventsOf(user.id, 'ip_changed');
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({ sessionId: tokens.sessionId, ip: NEW_IP, detail: { previousIp: '203.0.113.10' } });
      // From the new IP onwards there is nothing new to report.
      h.clock.advance(60);
      await h.auth.refresh(next.refreshToken, device({ ip: NEW_IP }));
      expect(await h.eventsOf(user.id, 'ip_changed')).toHaveLength(1);
    });

    it('LATCHKEY_IP_CHANGE=revoke: the session ends', async () => {
      h = await startCore({ LATCHKEY_IP_CHANGE: 'revoke' });
      const { user, tokens } = await h.signIn();
      await expectCode(h.auth.refresh(tokens.refreshToken, device({ ip: NEW_IP })), 'invalid_grant');
      await expectRevoked(user.id, tokens.sessionId, 'ip');
      await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    });

    it('LATCHKEY_IP_CHANGE=revoke: the same IP refreshes normally', async () => {
      h = await startCore({ LATCHKEY_IP_CHANGE: 'revoke' });
      const { tokens } = await h.signIn();
      await h.auth.refresh(tokens.refreshToken, device());
    });
  });
});
