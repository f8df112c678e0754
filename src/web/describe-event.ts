import type { SecurityEvent } from '../client/index.ts';
import { deviceName, type DeviceLike } from './device-name.ts';

/** The event types the page shows; routine `refresh` events are left out. */
export const SHOWN_EVENT_TYPES = [
  'registered',
  'login',
  'new_device',
  'login_failed',
  'logout',
  'session_revoked',
  'refresh_token_reuse',
  'suspicious_refresh',
  'ip_changed',
  'password_changed',
  'password_reset',
  'email_verified',
  'email_change_requested',
  'email_changed',
] as const;

/** An event in words: `alarm` marks the ones a person should look at. */
export interface EventWords {
  readonly text: string;
  readonly alarm: boolean;
}

const REVOKED: Readonly<Record<string, (who: string) => EventWords>> = {
  revoked_by_user: (who) => calm(`${who} was signed out from this page`),
  sign_out_others: (who) => calm(`${who} was signed out ("Sign out all other devices")`),
  sign_out_all: (who) => calm(`${who} was signed out (signed out everywhere)`),
  password_changed: (who) => calm(`${who} was signed out because the password was changed`),
  password_reset: (who) => calm(`${who} was signed out because the password was reset`),
  logout: (who) => calm(`Signed out on ${who}`),
  limit: (who) => calm(`${who} was signed out: too many devices were signed in`),
  replaced: (who) => calm(`${who} was signed out by a new sign-in on the same device`),
  refresh_token_reuse: (who) => alarm(`${who} was signed out to protect your account`),
  suspicious_refresh: (who) => alarm(`${who} was signed out because it was used from somewhere unexpected`),
};

/**
 * Says what a security event means, in words a person understands. `deviceOf` names the device of
 * the event's session (the page knows it from the session list and earlier sign-ins).
 *
 * @example
 * describeEvent({ type: 'new_device', detail: { browser: 'Firefox', os: 'Windows' }, ... }, () => null)
 * // { text: 'New sign-in from Firefox on Windows', alarm: false }
 */
export function describeEvent(event: SecurityEvent, deviceOf: (event: SecurityEvent) => DeviceLike | null): EventWords {
  const device = deviceOf(event);
  const who = deviceName(device);
  const Who = capitalize(who);
  const detail = event.detail ?? {};
  switch (event.type) {
    case 'registered':
      return calm('Account created');
    case 'login':
      return calm(`Signed in on ${who}`);
    case 'new_device':
      return calm(`New sign-in from ${deviceName(typeof detail.browser === 'string' ? { browser: detail.browser, os: String(detail.os ?? '') } : device)}`);
    case 'login_failed':
      if (detail.reason === 'disabled') return alarm('Sign-in refused: the account is disabled');
      if (detail.reason && detail.reason !== 'password') return alarm('Sign-in attempts were blocked after too many failures');
      return alarm('Failed sign-in attempt (wrong password)');
    case 'logout':
      return calm(`Signed out on ${who}`);
    case 'session_revoked':
      return (REVOKED[String(detail.reason)] ?? ((w: string) => calm(`${w} was signed out`)))(Who);
    case 'refresh_token_reuse':
      return alarm(`A stolen sign-in token was used; that device was signed out${device ? ` (${who})` : ''}`);
    case 'suspicious_refresh':
      if (detail.reason === 'user_agent') {
        return alarm(`A sign-in token of ${who} was used by another browser (${deviceName({ browser: String(detail.browser ?? ''), os: String(detail.os ?? '') })})`);
      }
      if (detail.reason === 'ip') return alarm(`A sign-in token of ${who} was used from an unexpected network (${event.ip ?? 'unknown IP'})`);
      return alarm(`A sign-in token of ${who} was used from a different device`);
    case 'ip_changed':
      return calm(`${Who} is now connecting from a new network (${event.ip ?? 'unknown'}; before: ${String(detail.previousIp ?? 'unknown')})`);
    case 'password_changed':
      return calm(detail.by === 'operator' ? 'Password set by an administrator' : 'Password changed');
    case 'password_reset':
      return alarm('Password reset with a link sent by e-mail; every device was signed out');
    case 'email_verified':
      return calm('E-mail address confirmed');
    case 'email_change_requested':
      return alarm(`Asked to change the e-mail address to ${String(detail.newEmail ?? 'another address')}`);
    case 'email_changed':
      return alarm(`E-mail address changed (before: ${String(detail.previousEmail ?? 'unknown')})`);
    case 'refresh':
      return calm(`${Who} stayed signed in`);
    default:
      return calm(`Security event: ${event.type.replaceAll('_', ' ')}`);
  }
}

function calm(text: string): EventWords {
  return { text, alarm: false };
}

function alarm(text: string): EventWords {
  return { text, alarm: true };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
