import { randomUUID } from 'node:crypto';
import { parseDevice } from './device.ts';
import type { MailData, MailKind, NewMail } from './mail-message.ts';
import type { SecurityEvent, UserRecord } from './types.ts';

/** The alert e-mails an operator can switch off (`LATCHKEY_MAIL_ALERTS`). */
export type AlertName = 'new_device' | 'refresh_token_reuse' | 'password_changed' | 'password_reset' | 'email_changed';
export const ALERT_NAMES: readonly AlertName[] = ['new_device', 'refresh_token_reuse', 'password_changed', 'password_reset', 'email_changed'];

/** Revocations that mean "someone else held this device's token": reuse, and the device-binding checks. */
const STOLEN_REASONS = new Set(['refresh_token_reuse', 'suspicious_refresh']);

/** What {@link planMail} needs to know besides the event. */
export interface MailPlanContext {
  /** The user the event is about, as the event's transaction sees it. */
  readonly user: UserRecord;
  /** Alerts that are switched on. */
  readonly alerts: ReadonlySet<AlertName>;
  /** `new_device` only: whether the account had signed in before (its first sign-in is no news). */
  readonly signedInBefore: boolean;
}

/**
 * The messages one security event causes, as a table:
 *
 * | event | message(s) | to | switch |
 * |---|---|---|---|
 * | `registered` | `verify_email` (a link) | the user | always, unless already verified |
 * | `new_device` | `new_device` | the user | `new_device`; not for the account's first sign-in |
 * | `session_revoked` (reason `refresh_token_reuse`, `suspicious_refresh`) | `session_stolen` | the user | `refresh_token_reuse` |
 * | `password_changed` | `password_changed` | the user | `password_changed` |
 * | `password_reset` | `password_reset_done` | the user | `password_reset` |
 * | `email_change_requested` | `email_change_confirm` (a link), `email_change_requested` | new address, old address | always |
 * | `email_changed` | `email_changed` | the previous address | `email_changed` |
 *
 * Pure: ids are fresh UUIDs; links are made when the message is sent (core/mail-links.ts).
 */
export function planMail(event: Omit<SecurityEvent, 'id'>, context: MailPlanContext): NewMail[] {
  const { user, alerts } = context;
  const device = event.userAgent ? parseDevice(event.userAgent) : undefined;
  const data: MailData = { at: event.at, ip: event.ip, ...(device && { browser: device.browser, os: device.os }) };
  const mail = (kind: MailKind, to: string, extra: MailData = {}): NewMail => ({
    id: randomUUID(),
    kind,
    userId: user.id,
    to,
    locale: user.locale ?? 'en',
    data: { ...data, ...extra },
    createdAt: event.at,
  });
  const detail = event.detail ?? {};
  switch (event.type) {
    case 'registered':
      return user.emailVerifiedAt ? [] : [mail('verify_email', user.email)];
    case 'new_device':
      return alerts.has('new_device') && context.signedInBefore ? [mail('new_device', user.email)] : [];
    case 'session_revoked':
      return alerts.has('refresh_token_reuse') && STOLEN_REASONS.has(String(detail.reason)) ? [mail('session_stolen', user.email)] : [];
    case 'password_changed':
      return alerts.has('password_changed') ? [mail('password_changed', user.email)] : [];
    case 'password_reset':
      return alerts.has('password_reset') ? [mail('password_reset_done', user.email)] : [];
    case 'email_change_requested': {
      const newEmail = String(detail.newEmail ?? '');
      if (!newEmail) return [];
      return [
        mail('email_change_confirm', newEmail, { oldEmail: user.email }),
        mail('email_change_requested', user.email, { newEmail }),
      ];
    }
    case 'email_changed': {
      const previous = String(detail.previousEmail ?? '');
      return alerts.has('email_changed') && previous ? [mail('email_changed', previous, { newEmail: user.email })] : [];
    }
    default:
      return [];
  }
}

/** Event types that may cause a message: the outbox looks up the user only for these. */
export const MAILING_EVENTS: ReadonlySet<string> = new Set([
  'registered', 'new_device', 'session_revoked', 'password_changed', 'password_reset', 'email_change_requested', 'email_changed',
]);
