import { describe, expect, it } from 'vitest';
import type { SessionPolicy } from '../../../src/core/policy.ts';
import type { RequestContext } from '../../../src/core/types.ts';
import { refreshVerdict, type RefreshVerdict } from '../../../src/core/rules/refresh-verdict.ts';
import { CHROME_LINUX, FIREFOX_WINDOWS } from '../../helpers/browser-client.ts';

const T = Date.parse('2026-03-01T12:00:00Z');
const S = 1000;
const PHONE = '3f2b8c1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c';
const IP = '203.0.113.10';
const POLICY: Pick<SessionPolicy, 'grace' | 'idleTtl' | 'maxAge' | 'uaChange' | 'ipChange'> = {
  grace: 10,
  idleTtl: 100,
  maxAge: 1000,
  uaChange: 'revoke',
  ipChange: 'log',
};

/** A session at counter 3, rotated at T (so the token at 2 was retired then), on PHONE. */
const session = { counter: 3, rotatedAt: T, createdAt: T - 50 * S, deviceId: PHONE, userAgent: CHROME_LINUX, device: { browser: 'Chrome', os: 'Linux', type: 'desktop' as const }, lastIp: IP };
const phone: RequestContext = { userAgent: CHROME_LINUX, ip: IP, deviceId: PHONE };

/** The verdict with its events as `[type, detail]` pairs, for plain comparison. */
function decide(counter: number, o: { at?: number; request?: Partial<RequestContext>; policy?: Partial<typeof POLICY>; rotatedAt?: number | null } = {}) {
  const verdict: RefreshVerdict = refreshVerdict(
    { ...session, rotatedAt: o.rotatedAt === undefined ? session.rotatedAt : o.rotatedAt },
    counter,
    { ...phone, ...o.request },
    o.at ?? T + 1 * S,
    { ...POLICY, ...o.policy },
  );
  return 'events' in verdict ? { ...verdict, events: verdict.events.map((e) => [e.type, e.detail]) } : verdict;
}

describe('the refresh verdict', () => {
  it.each([
    { rule: 'the live token from its own device rotates and records refresh', counter: 3, o: {}, verdict: { kind: 'rotate', expiresAt: T + 101 * S, events: [['refresh', null]] } },
    { rule: 'a rotation never moves the deadline past max age after login', counter: 3, o: { at: T + 940 * S }, verdict: { kind: 'rotate', expiresAt: T + 950 * S, events: [['refresh', null]] } },
    { rule: 'a rotation from a new IP (LATCHKEY_IP_CHANGE=log) records ip_changed too', counter: 3, o: { request: { ip: '198.51.100.7' } }, verdict: { kind: 'rotate', expiresAt: T + 101 * S, events: [['refresh', null], ['ip_changed', { previousIp: IP }]] } },
    { rule: 'the live token from another device ends the session', counter: 3, o: { request: { deviceId: null } }, verdict: { kind: 'binding-revoke', revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'device_id' }]] } },
    { rule: 'the token retired just before, replayed by its device inside the grace window, is a harmless retry', counter: 2, o: {}, verdict: { kind: 'grace' } },
    { rule: 'the same replay from a new IP is still a harmless retry', counter: 2, o: { request: { ip: '198.51.100.7' } }, verdict: { kind: 'grace' } },
    { rule: 'the window is half-open: a replay exactly LATCHKEY_REFRESH_GRACE seconds later is reuse', counter: 2, o: { at: T + 10 * S }, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 1 }]] } },
    { rule: 'LATCHKEY_REFRESH_GRACE=0 means no window: an immediate replay is reuse', counter: 2, o: { at: T, policy: { grace: 0 } }, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 1 }]] } },
    { rule: 'a token two steps back is reuse even inside the window', counter: 1, o: {}, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 2 }]] } },
    { rule: 'a replay inside the window from another device is theft: reuse', counter: 2, o: { request: { deviceId: null } }, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 1 }]] } },
    { rule: 'a replay inside the window from another browser family is theft too', counter: 2, o: { request: { userAgent: FIREFOX_WINDOWS } }, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 1 }]] } },
    { rule: 'before any rotation there is no window: an older token is reuse', counter: 2, o: { rotatedAt: null }, verdict: { kind: 'reuse', revoke: 'refresh_token_reuse', events: [['refresh_token_reuse', { tokenAge: 1 }]] } },
  ])('$rule', ({ counter, o, verdict }) => {
    expect(decide(counter, o)).toEqual(verdict);
  });
});
