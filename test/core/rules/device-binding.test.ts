import { describe, expect, it } from 'vitest';
import type { SessionPolicy } from '../../../src/core/policy.ts';
import { checkDeviceBinding } from '../../../src/core/rules/device-binding.ts';
import { CHROME_LINUX, FIREFOX_WINDOWS } from '../../helpers/browser-client.ts';

const PHONE = '3f2b8c1a-5d4e-4f6a-8b7c-9d0e1f2a3b4c';
const OTHER_PHONE = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const CHROME_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const CHROME_LINUX_NEWER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.85 Safari/537.36';
const IP = '203.0.113.10';
const OTHER_IP = '198.51.100.7';

/** The session Chrome on Linux started from IP, with `deviceId`. */
const session = (deviceId: string | null = null) => ({
  deviceId,
  userAgent: CHROME_LINUX,
  device: { browser: 'Chrome', os: 'Linux', type: 'desktop' as const },
  lastIp: IP,
});
const request = (o: { userAgent?: string; ip?: string; deviceId?: string | null } = {}) => ({ userAgent: CHROME_LINUX, ip: IP, deviceId: null, ...o });
const policy = (o: Partial<Pick<SessionPolicy, 'uaChange' | 'ipChange'>> = {}) => ({ uaChange: 'revoke' as const, ipChange: 'log' as const, ...o });

describe('the device binding checks of a refresh', () => {
  it.each([
    { rule: 'another X-Device-Id revokes', s: session(PHONE), r: request({ deviceId: OTHER_PHONE }), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'device_id' }]] },
    { rule: 'a missing X-Device-Id when the session has one revokes', s: session(PHONE), r: request(), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'device_id' }]] },
    { rule: 'an X-Device-Id on a session started without one revokes', s: session(), r: request({ deviceId: PHONE }), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'device_id' }]] },
    { rule: 'the same X-Device-Id goes on silently', s: session(PHONE), r: request({ deviceId: PHONE }), p: policy(), revoke: null, events: [] },
    { rule: 'another browser family revokes under LATCHKEY_UA_CHANGE=revoke', s: session(), r: request({ userAgent: FIREFOX_WINDOWS }), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'user_agent', browser: 'Firefox', os: 'Windows' }]] },
    { rule: 'the same browser on another OS family revokes too', s: session(), r: request({ userAgent: CHROME_WINDOWS }), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'user_agent', browser: 'Chrome', os: 'Windows' }]] },
    { rule: 'under LATCHKEY_UA_CHANGE=log another family goes on and is recorded', s: session(), r: request({ userAgent: FIREFOX_WINDOWS }), p: policy({ uaChange: 'log' }), revoke: null, events: [['suspicious_refresh', { reason: 'user_agent', browser: 'Firefox', os: 'Windows' }]] },
    { rule: 'a version bump of the same browser never counts', s: session(), r: request({ userAgent: CHROME_LINUX_NEWER }), p: policy(), revoke: null, events: [] },
    { rule: 'another IP under LATCHKEY_IP_CHANGE=allow goes on silently', s: session(), r: request({ ip: OTHER_IP }), p: policy({ ipChange: 'allow' }), revoke: null, events: [] },
    { rule: 'another IP under LATCHKEY_IP_CHANGE=log goes on and records ip_changed', s: session(), r: request({ ip: OTHER_IP }), p: policy(), revoke: null, events: [['ip_changed', { previousIp: IP }]] },
    { rule: 'another IP under LATCHKEY_IP_CHANGE=revoke revokes', s: session(), r: request({ ip: OTHER_IP }), p: policy({ ipChange: 'revoke' }), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'ip', previousIp: IP }]] },
    { rule: 'the same IP under LATCHKEY_IP_CHANGE=revoke goes on', s: session(), r: request(), p: policy({ ipChange: 'revoke' }), revoke: null, events: [] },
    { rule: 'a logged family change and a logged IP change are both recorded', s: session(), r: request({ userAgent: FIREFOX_WINDOWS, ip: OTHER_IP }), p: policy({ uaChange: 'log' }), revoke: null, events: [['suspicious_refresh', { reason: 'user_agent', browser: 'Firefox', os: 'Windows' }], ['ip_changed', { previousIp: IP }]] },
    { rule: 'the device id is checked first: it alone is reported', s: session(PHONE), r: request({ deviceId: OTHER_PHONE, userAgent: FIREFOX_WINDOWS, ip: OTHER_IP }), p: policy(), revoke: 'suspicious_refresh', events: [['suspicious_refresh', { reason: 'device_id' }]] },
  ])('$rule', ({ s, r, p, revoke, events }) => {
    const verdict = checkDeviceBinding(s, r, p);
    expect(verdict.revoke).toBe(revoke);
    expect(verdict.events.map((e) => [e.type, e.detail])).toEqual(events);
  });
});
