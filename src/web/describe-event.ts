import type { SecurityEvent } from '../client/index.ts';
import type { EventType, RevokeReason } from '../contract/index.ts';
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
] as const satisfies readonly EventType[];

/** An event in words: `alarm` marks the ones a person should look at. */
export interface EventWords {
  readonly text: string;
  readonly alarm: boolean;
}

/** Words for every revoke reason: a reason without words does not compile. */
const REVOKED: { readonly [R in RevokeReason]: (who: string) => EventWords } = {
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
  user_disabled: (who) => alarm(`${who} was signed out because the account was disabled`),
  revoked_by_admin: (who) => calm(`${who} was signed out by an administrator`),
  authorization_code_reuse: (who) => alarm(`${who} was signed out because an app's sign-in code was used twice`),
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
  const device = event.device ?? deviceOf(event); // the server's record of the session's device comes first
  const who = deviceName(device);
  const words = Object.hasOwn(WORDS, event.type) ? WORDS[event.type as EventType] : undefined;
  if (!words) return calm(`Security event: ${event.type.replaceAll('_', ' ')}`);
  return words({ event, device, who, Who: capitalize(who), detail: event.detail ?? {} });
}

interface Told {
  readonly event: SecurityEvent;
  readonly device: DeviceLike | null;
  /** The device in words ("Firefox on Windows"), and capitalised for the start of a sentence. */
  readonly who: string;
  readonly Who: string;
  readonly detail: NonNullable<SecurityEvent['detail']>;
}

/** Words for every event type: a type without words does not compile. */
const WORDS: { readonly [T in EventType]: (told: Told) => EventWords } = {
  registered: () => calm('Account created'),
  login: ({ who }) => calm(`Signed in on ${who}`),
  new_device: ({ detail, device }) =>
    calm(`New sign-in from ${deviceName(typeof detail.browser === 'string' ? { browser: detail.browser, os: String(detail.os ?? '') } : device)}`),
  login_failed: ({ detail }) => {
    if (detail.reason === 'disabled') return alarm('Sign-in refused: the account is disabled');
    if (detail.reason && detail.reason !== 'password') return alarm('Sign-in attempts were blocked after too many failures');
    return alarm('Failed sign-in attempt (wrong password)');
  },
  logout: ({ who }) => calm(`Signed out on ${who}`),
  session_revoked: ({ detail, Who }) => {
    const reason = String(detail.reason);
    return Object.hasOwn(REVOKED, reason) ? REVOKED[reason as RevokeReason](Who) : calm(`${Who} was signed out`);
  },
  refresh_token_reuse: ({ device, who }) => alarm(`A stolen sign-in token was used; that device was signed out${device ? ` (${who})` : ''}`),
  suspicious_refresh: ({ detail, event, who }) => {
    if (detail.reason === 'user_agent') {
      return alarm(`A sign-in token of ${who} was used by another browser (${deviceName({ browser: String(detail.browser ?? ''), os: String(detail.os ?? '') })})`);
    }
    if (detail.reason === 'ip') return alarm(`A sign-in token of ${who} was used from an unexpected network (${event.ip ?? 'unknown IP'})`);
    return alarm(`A sign-in token of ${who} was used from a different device`);
  },
  ip_changed: ({ Who, event, detail }) => calm(`${Who} is now connecting from a new network (${event.ip ?? 'unknown'}; before: ${String(detail.previousIp ?? 'unknown')})`),
  password_changed: ({ detail }) => calm(detail.by === 'operator' ? 'Password set by an administrator' : 'Password changed'),
  password_reset: () => alarm('Password reset with a link sent by e-mail; every device was signed out'),
  email_verified: () => calm('E-mail address confirmed'),
  email_change_requested: ({ detail }) => alarm(`Asked to change the e-mail address to ${String(detail.newEmail ?? 'another address')}`),
  email_changed: ({ detail }) => alarm(`E-mail address changed (before: ${String(detail.previousEmail ?? 'unknown')})`),
  refresh: ({ Who }) => calm(`${Who} stayed signed in`),
  refresh_grace: ({ Who }) => calm(`${Who} renewed its sign-in twice at once (two tabs or a retry)`),
};

function calm(text: string): EventWords {
  return { text, alarm: false };
}

function alarm(text: string): EventWords {
  return { text, alarm: true };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
