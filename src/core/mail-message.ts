/**
 * E-mail as the core sees it: a message is recorded in the `mail_outbox` in the same transaction as
 * the event that causes it, and a sender (src/delivery/mail-sender.ts) delivers it afterwards.
 * Times are epoch milliseconds.
 */

/** What a message is about; each kind has one template per language (src/mail/templates/). */
export type MailKind =
  /** "Confirm your e-mail address": a link that sets `email_verified_at`. */
  | 'verify_email'
  /** "Reset your password": a link valid for `LATCHKEY_RESET_LINK_TTL`. */
  | 'password_reset'
  /** To the new address: "Confirm your new e-mail address". */
  | 'email_change_confirm'
  /** To the old address: someone asked to move the account to another address. */
  | 'email_change_requested'
  /** To the old address: the account now uses another address. */
  | 'email_changed'
  | 'password_changed'
  | 'password_reset_done'
  | 'new_device'
  /** A stolen refresh token was used, or a device failed its binding check: that device was signed out. */
  | 'session_stolen';

export const MAIL_KINDS: readonly MailKind[] = [
  'verify_email', 'password_reset', 'email_change_confirm', 'email_change_requested', 'email_changed',
  'password_changed', 'password_reset_done', 'new_device', 'session_stolen',
];

/** Values a template may use; all optional. */
export interface MailData {
  /** When the event happened (ms). */
  readonly at?: number;
  readonly ip?: string | null;
  readonly browser?: string;
  readonly os?: string;
  /** The other address of an e-mail change. */
  readonly newEmail?: string;
  readonly oldEmail?: string;
}

export type MailStatus = 'pending' | 'sent' | 'skipped' | 'failed';

/** A message about to be recorded. `id` is also its Message-ID's left part, stable across retries. */
export interface NewMail {
  readonly id: string;
  readonly kind: MailKind;
  /** The account the message is about; `null` when only an address is known (a reset request). */
  readonly userId: string | null;
  readonly to: string;
  /** `en` or `ko`: the language the message is written in (the user's, else the request's). */
  readonly locale: string;
  readonly data: MailData;
  readonly createdAt: number;
}

/** A message as the outbox keeps it. */
export interface OutboxMail extends NewMail {
  readonly status: MailStatus;
  /** Delivery attempts started so far (a claim counts one). */
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** While in the future, one sender holds the message; nobody else may claim it. */
  readonly leaseUntil: number | null;
  readonly sentAt: number | null;
  /** Why the last attempt failed, or why the message was skipped; never a secret. */
  readonly lastError: string | null;
}
