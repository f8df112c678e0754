import { afterEach, describe, expect, it } from 'vitest';
import { FIREFOX_WINDOWS, SAFARI_IPHONE } from '../helpers/browser-client.ts';
import { device, startCore, type CoreHarness } from '../helpers/core-harness.ts';

const HOME = '203.0.113.10';
const ELSEWHERE = '198.51.100.77';

// Finding: a replay of the just-retired refresh token inside the grace window answered 200 from any
// IP, with no event and no IP-change check; and with LATCHKEY_UA_CHANGE=log every later refresh of a
// changed browser recorded suspicious_refresh again.
describe('grace replays leave a trace', () => {
  let h: CoreHarness;
  afterEach(() => h?.close());

  it('records refresh_grace with the IP, applies the IP policy (log) and updates the last IP', async () => {
    h = await startCore({ LATCHKEY_REFRESH_GRACE: '10' });
    const { user, tokens } = await h.signIn(device({ ip: HOME }));
    const current = await h.auth.refresh(tokens.refreshToken, device({ ip: HOME }));
    h.clock.advance(2);
    const replay = await h.auth.refresh(tokens.refreshToken, device({ ip: ELSEWHERE }));
    expect(replay.refreshToken).toBe(current.refreshToken); // the grace answer: the same current token

    const grace = await h.eventsOf(user.id, 'refresh_grace');
    expect(grace).toHaveLength(1);
    expect(grace[0]).toMatchObject({ sessionId: tokens.sessionId, ip: ELSEWHERE });
    const changed = await h.eventsOf(user.id, 'ip_changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ ip: ELSEWHERE, detail: { previousIp: HOME } });
    expect((await h.session(tokens.sessionId)).lastIp).toBe(ELSEWHERE);
  });

  it('with LATCHKEY_IP_CHANGE=revoke a grace replay from another IP ends the session', async () => {
    h = await startCore({ LATCHKEY_REFRESH_GRACE: '10', LATCHKEY_IP_CHANGE: 'revoke' });
    const { tokens } = await h.signIn(device({ ip: HOME }));
    await h.auth.refresh(tokens.refreshToken, device({ ip: HOME }));
    await expect(h.auth.refresh(tokens.refreshToken, device({ ip: ELSEWHERE }))).rejects.toMatchObject({ code: 'invalid_grant' });
    expect((await h.session(tokens.sessionId)).revokedAt).not.toBeNull();
  });

  it('LATCHKEY_UA_CHANGE=log records suspicious_refresh once per change, not on every later refresh', async () => {
    h = await startCore({ LATCHKEY_UA_CHANGE: 'log' });
    const { user, tokens } = await h.signIn(device());
    let token = tokens.refreshToken;
    const refresh = async (userAgent: string) => {
      h.clock.advance(1); // a refresh a second, as a real device would (events are ordered by time)
      token = (await h.auth.refresh(token, device({ userAgent }))).refreshToken;
    };
    for (let i = 0; i < 4; i++) await refresh(FIREFOX_WINDOWS);
    expect(await h.eventsOf(user.id, 'suspicious_refresh')).toHaveLength(1);
    for (let i = 0; i < 3; i++) await refresh(SAFARI_IPHONE);
    const suspicious = await h.eventsOf(user.id, 'suspicious_refresh');
    expect(suspicious.map((e) => e.detail?.browser)).toEqual(['Safari', 'Firefox']);
  });
});
