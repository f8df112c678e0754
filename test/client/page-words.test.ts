import { describe, expect, it } from 'vitest';
import type { SecurityEvent } from '../../src/client/index.ts';
import { describeEvent, SHOWN_EVENT_TYPES } from '../../src/web/describe-event.ts';
import { deviceName, guessDevice } from '../../src/web/device-name.ts';
import { relativeTime } from '../../src/web/relative-time.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

function event(type: string, detail?: SecurityEvent['detail']): SecurityEvent {
  return { id: 'e1', type, at: ago(60), sessionId: 's1', ip: '203.0.113.9', userAgent: FIREFOX, ...(detail && { detail }) };
}

const firefox = () => ({ browser: 'Firefox', os: 'Windows' });

describe('the account page in words', () => {
  it('says how long ago, as a person would', () => {
    expect(relativeTime(ago(10), NOW)).toBe('just now');
    expect(relativeTime(ago(5 * 60), NOW)).toBe('5 minutes ago');
    expect(relativeTime(ago(3600), NOW)).toBe('1 hour ago');
    expect(relativeTime(ago(26 * 3600), NOW)).toBe('yesterday');
    expect(relativeTime(ago(-30), NOW)).toBe('just now'); // a clock a little ahead
  });

  it('names devices and guesses them from a User-Agent when no session says', () => {
    expect(deviceName({ browser: 'Firefox', os: 'Windows' })).toBe('Firefox on Windows');
    expect(deviceName({ browser: 'Unknown', os: 'Unknown' })).toBe('an unknown device');
    expect(guessDevice(FIREFOX)).toEqual({ browser: 'Firefox', os: 'Windows' });
    expect(guessDevice('curl/8.0')).toBeNull();
  });

  it('describes security events in plain words, alarming only where it should', () => {
    expect(describeEvent(event('new_device', { browser: 'Firefox', os: 'Windows', type: 'desktop' }), firefox)).toEqual({
      text: 'New sign-in from Firefox on Windows',
      alarm: false,
    });
    expect(describeEvent(event('refresh_token_reuse', { tokenAge: 2 }), () => null)).toEqual({
      text: 'A stolen sign-in token was used; that device was signed out',
      alarm: true,
    });
    expect(describeEvent(event('login'), firefox).text).toBe('Signed in on Firefox on Windows');
    expect(describeEvent(event('password_changed'), firefox).text).toBe('Password changed');
    expect(describeEvent(event('session_revoked', { reason: 'revoked_by_user' }), firefox).text).toBe('Firefox on Windows was signed out from this page');
    expect(describeEvent(event('session_revoked', { reason: 'refresh_token_reuse' }), firefox).alarm).toBe(true);
    expect(describeEvent(event('session_revoked', { reason: 'user_disabled' }), firefox)).toEqual({ text: 'Firefox on Windows was signed out because the account was disabled', alarm: true });
    expect(describeEvent(event('session_revoked', { reason: 'revoked_by_admin' }), firefox).text).toBe('Firefox on Windows was signed out by an administrator');
    expect(describeEvent(event('session_revoked', { reason: 'toString' }), firefox).text).toBe('Firefox on Windows was signed out');
    expect(describeEvent(event('login_failed'), firefox)).toEqual({ text: 'Failed sign-in attempt (wrong password)', alarm: true });
    expect(describeEvent(event('something_new'), firefox).text).toBe('Security event: something new');
  });

  it('leaves routine refreshes out of the list it asks the server for', () => {
    expect(SHOWN_EVENT_TYPES).not.toContain('refresh');
    expect(SHOWN_EVENT_TYPES).toContain('refresh_token_reuse');
  });
});
