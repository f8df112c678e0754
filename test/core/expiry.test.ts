import { afterEach, describe, expect, it } from 'vitest';
import { device, expectCode, CORE_BACKENDS, coreOn, type CoreHarness } from '../helpers/core-harness.ts';

const IDLE = 100;
const MAX_AGE = 250;

describe.each(CORE_BACKENDS)('session expiry (core, manual clock) on %s', (backend) => {
  const startCore = coreOn(backend);
  let h: CoreHarness;
  afterEach(() => h.close());

  it('ends a session left unused for LATCHKEY_REFRESH_IDLE_TTL', async () => {
    h = await startCore({ LATCHKEY_REFRESH_IDLE_TTL: String(IDLE), LATCHKEY_SESSION_MAX_AGE: '100000' });
    const { user, tokens } = await h.signIn();
    expect(tokens.refreshExpiresIn).toBe(IDLE);
    h.clock.advance(IDLE);
    await expectCode(h.auth.refresh(tokens.refreshToken, device()), 'invalid_grant');
    expect(await h.auth.sessions(user.id)).toEqual([]);
    await expectCode(h.auth.liveSession({ sub: user.id, sid: tokens.sessionId }), 'invalid_token');
  });

  it('each refresh extends the idle deadline', async () => {
    h = await startCore({ LATCHKEY_REFRESH_IDLE_TTL: String(IDLE), LATCHKEY_SESSION_MAX_AGE: '100000' });
    const { user, tokens } = await h.signIn();
    let current = tokens;
    for (let i = 0; i < 5; i++) {
      h.clock.advance(IDLE - 1); // 5 x 99 s: far beyond one idle period in total
      current = await h.auth.refresh(current.refreshToken, device());
      expect(current.refreshExpiresIn).toBe(IDLE);
    }
    expect(await h.auth.sessions(user.id)).toHaveLength(1);
    h.clock.advance(IDLE - 1);
    await h.auth.refresh(current.refreshToken, device());
  });

  it('ends a session LATCHKEY_SESSION_MAX_AGE after login however often it is refreshed', async () => {
    h = await startCore({ LATCHKEY_REFRESH_IDLE_TTL: String(IDLE), LATCHKEY_SESSION_MAX_AGE: String(MAX_AGE) });
    const { user, tokens } = await h.signIn();
    let current = tokens;
    h.clock.advance(90);
    current = await h.auth.refresh(current.refreshToken, device());
    expect(current.refreshExpiresIn).toBe(IDLE);
    h.clock.advance(90); // 180 s after login: the idle deadline would be 280, the absolute one is 250
    current = await h.auth.refresh(current.refreshToken, device());
    expect(current.refreshExpiresIn).toBe(MAX_AGE - 180);
    expect((await h.session(tokens.sessionId)).expiresAt).toBe(h.clock.now() + (MAX_AGE - 180) * 1000);

    h.clock.advance(MAX_AGE - 180); // exactly the absolute deadline; never used idle for long
    await expectCode(h.auth.refresh(current.refreshToken, device()), 'invalid_grant');
    expect(await h.auth.sessions(user.id)).toEqual([]);
  });

  it('an expired session is not offered for revocation and its access token no longer manages the account', async () => {
    h = await startCore({ LATCHKEY_REFRESH_IDLE_TTL: String(IDLE) });
    const { user, tokens } = await h.signIn();
    h.clock.advance(IDLE + 1);
    await expectCode(h.auth.revokeSession(user.id, tokens.sessionId, device()), 'not_found');
    await expectCode(h.auth.liveSession({ sub: user.id, sid: tokens.sessionId }), 'invalid_token');
  });

  it('a short max age caps the very first deadline too', async () => {
    h = await startCore({ LATCHKEY_REFRESH_IDLE_TTL: '1000', LATCHKEY_SESSION_MAX_AGE: '60' });
    const { tokens } = await h.signIn();
    expect(tokens.refreshExpiresIn).toBe(60);
    h.clock.advance(59);
    const next = await h.auth.refresh(tokens.refreshToken, device());
    expect(next.refreshExpiresIn).toBe(1);
    h.clock.advance(1);
    await expectCode(h.auth.refresh(next.refreshToken, device()), 'invalid_grant');
  });
});
