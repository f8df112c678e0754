import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { device, expectCode, CORE_BACKENDS, coreOn, type CoreHarness } from '../helpers/core-harness.ts';

const GRACE = 10;

describe.each(CORE_BACKENDS)('refresh-token rotation and reuse (core, manual clock) on %s', (backend) => {
  const startCore = coreOn(backend);
  let h: CoreHarness;
  beforeEach(async () => {
    h = await startCore({ LATCHKEY_REFRESH_GRACE: String(GRACE) });
  });
  afterEach(() => h.close());

  it('returns a new refresh token and a new access token on every refresh', async () => {
    const { tokens } = await h.signIn();
    const seen = new Set([tokens.refreshToken]);
    let current = tokens;
    for (let i = 1; i <= 4; i++) {
      h.clock.advance(60);
      const next = await h.auth.refresh(current.refreshToken, device());
      expect(seen.has(next.refreshToken)).toBe(false);
      expect(next.accessToken).not.toBe(current.accessToken);
      expect(next.sessionId).toBe(tokens.sessionId);
      seen.add(next.refreshToken);
      current = next;
      expect((await h.session(tokens.sessionId)).counter).toBe(i);
    }
  });

  it('retires the old token: presenting it after the grace window fails', async () => {
    const { tokens } = await h.signIn();
    await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(GRACE + 1);
    await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
  });

  it('inside the grace window, the same device replaying the retired token gets the SAME current token and nothing is revoked', async () => {
    const { user, tokens } = await h.signIn();
    h.clock.advance(30);
    const first = await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(GRACE - 1);
    const again = await h.auth.refresh(tokens.refreshToken, device());

    expect(again.refreshToken).toBe(first.refreshToken);
    expect(again.sessionId).toBe(tokens.sessionId);
    const session = await h.session(tokens.sessionId);
    expect(session.revokedAt).toBeNull();
    expect(session.counter).toBe(1); // no second chain, no extra rotation
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(0);
    expect(await h.eventsOf(user.id, 'session_revoked')).toHaveLength(0);
    // The token handed out by the replay is the live one: it rotates normally.
    const next = await h.auth.refresh(again.refreshToken, device());
    expect(next.refreshToken).not.toBe(first.refreshToken);
  });

  it('the same device replaying from a new IP (LATCHKEY_IP_CHANGE=log) inside the window is still a harmless retry', async () => {
    const { tokens } = await h.signIn();
    const first = await h.auth.refresh(tokens.refreshToken, device());
    const again = await h.auth.refresh(tokens.refreshToken, device({ ip: '198.51.100.99' }));
    expect(again.refreshToken).toBe(first.refreshToken);
    expect((await h.session(tokens.sessionId)).revokedAt).toBeNull();
  });

  it('outside the grace window a replay revokes the whole session and records refresh_token_reuse', async () => {
    const { user, tokens } = await h.signIn();
    const newest = await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(GRACE + 1);

    await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    // The newest token of the chain stops working too, and so does its access token's session.
    await expectCode(h.auth.refresh(newest.refreshToken, device()), 'invalid_grant');
    await expectCode(h.auth.liveSession({ sub: user.id, sid: tokens.sessionId }), 'invalid_token');

    const session = await h.session(tokens.sessionId);
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokeReason).toBe('refresh_token_reuse');
    const reuse = await h.eventsOf(user.id, 'refresh_token_reuse');
    expect(reuse).toHaveLength(1);
    expect(reuse[0]).toMatchObject({ sessionId: tokens.sessionId, ip: '203.0.113.10' });
    const revoked = await h.eventsOf(user.id, 'session_revoked');
    expect(revoked.map((e) => e.detail?.reason)).toEqual(['refresh_token_reuse']);
  });

  it('the window is LATCHKEY_REFRESH_GRACE seconds long: a replay exactly that long after the rotation is reuse', async () => {
    const { user, tokens } = await h.signIn();
    await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(GRACE - 1);
    await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(1);
    await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(1);
  });

  it('LATCHKEY_REFRESH_GRACE=0 disables the window: even an immediate replay is reuse', async () => {
    const strict = await startCore({ LATCHKEY_REFRESH_GRACE: '0' });
    try {
      const { user, tokens } = await strict.signIn();
      const next = await strict.auth.refresh(tokens.refreshToken, device());
      await expectCode(strict.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
      await expectCode(strict.auth.refresh(next.refreshToken, device()), 'invalid_grant');
      expect(await strict.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });

  it('a replay two or more steps back is reuse even inside the grace window', async () => {
    const { user, tokens } = await h.signIn();
    const t1 = await h.auth.refresh(tokens.refreshToken, device());
    h.clock.advance(1);
    const t2 = await h.auth.refresh(t1.refreshToken, device());
    h.clock.advance(1);

    await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    await expectCode(h.auth.refresh(t2.refreshToken, device()), 'invalid_grant');
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(1);
    expect((await h.session(tokens.sessionId)).revokeReason).toBe('refresh_token_reuse');
  });

  it('a replay inside the grace window from another device (other X-Device-Id) is theft: the session ends', async () => {
    const mobile = device({ deviceId: '7d9f1c2e-4b6a-4c1d-9e8f-0a1b2c3d4e5f' });
    const { user, tokens } = await h.signIn(mobile);
    const newest = await h.auth.refresh(tokens.refreshToken, mobile);
    h.clock.advance(1);

    await expectCode(
      h.auth.refresh(tokens.refreshToken, device({ deviceId: '00000000-0000-4000-8000-000000000001' })),
      'invalid_grant',
    );
    await expectCode(h.auth.refresh(newest.refreshToken, mobile), 'invalid_grant');
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(1);
  });

  it('a replay inside the grace window from another browser family is theft too', async () => {
    const { user, tokens } = await h.signIn();
    const newest = await h.auth.refresh(tokens.refreshToken, device());
    await expectCode(h.auth.refresh(tokens.refreshToken, device({ userAgent: FIREFOX_WINDOWS })), 'invalid_grant');
    await expectCode(h.auth.refresh(newest.refreshToken, device()), 'invalid_grant');
    expect((await h.session(tokens.sessionId)).revokedAt).not.toBeNull();
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(1);
  });

  it('a forged token (one MAC byte flipped) is refused and does not touch the real session', async () => {
    const { user, tokens } = await h.signIn();
    const bytes = Buffer.from(tokens.refreshToken, 'base64url');
    bytes[bytes.length - 1]! ^= 0x01;
    await expectCode(h.auth.refresh(bytes.toString('base64url'), device()), 'invalid_grant');

    expect((await h.session(tokens.sessionId)).revokedAt).toBeNull();
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(0);
    await h.auth.refresh(tokens.refreshToken, device());
  });

  it('refuses garbage without throwing anything but invalid_grant', async () => {
    for (const junk of ['', 'x', 'a'.repeat(500), '../../etc/passwd', 'AQ'.repeat(40)]) {
      await expectCode(h.auth.refresh(junk, device()), 'invalid_grant');
    }
  });

  it('20 interleaved refreshes of one token: one rotation, every caller gets the same new token', async () => {
    const { user, tokens } = await h.signIn();
    // Started in one tick, so every call reads the session before any of them rotates it.
    const results = await Promise.all(Array.from({ length: 20 }, () => h.auth.refresh(tokens.refreshToken, device())));
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
    expect(results[0]!.refreshToken).not.toBe(tokens.refreshToken);
    expect(await h.session(tokens.sessionId)).toMatchObject({ counter: 1, revokedAt: null });
    expect(await h.eventsOf(user.id, 'refresh')).toHaveLength(1);
    expect(await h.eventsOf(user.id, 'refresh_token_reuse')).toHaveLength(0);
    await h.auth.refresh(results[0]!.refreshToken, device());
  });

  it('records one refresh event per rotation and none for a grace replay', async () => {
    const { user, tokens } = await h.signIn();
    const t1 = await h.auth.refresh(tokens.refreshToken, device());
    await h.auth.refresh(tokens.refreshToken, device());
    await h.auth.refresh(t1.refreshToken, device());
    const refreshes = await h.eventsOf(user.id, 'refresh');
    expect(refreshes).toHaveLength(2);
    expect(refreshes.every((e) => e.sessionId === tokens.sessionId)).toBe(true);
  });
});
