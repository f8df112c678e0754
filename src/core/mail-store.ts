import type { AccountLink, LinkPurpose } from './account-link.ts';
import type { MailStatus, NewMail, OutboxMail } from './mail-message.ts';

/** How a claimed message's attempt ended. */
export type MailOutcome =
  | { readonly status: 'sent' | 'skipped'; readonly at: number; readonly note?: string }
  /** Try again at `nextAttemptAt`, or give up (`failed`) when the attempts are spent. */
  | { readonly status: 'pending' | 'failed'; readonly nextAttemptAt: number; readonly error: string };

/**
 * The mail outbox. Messages are written with {@link MailStore.enqueueMail} inside the transaction
 * of the event that causes them, so an event and its message land together or not at all.
 */
export interface MailStore {
  /** Records messages as `pending`, due at once. */
  enqueueMail(mails: readonly NewMail[]): Promise<void>;
  /**
   * Leases up to `limit` pending messages that are due at `now` and not leased by anyone else:
   * sets `leaseUntil` and counts an attempt, in one statement. Of any number of concurrent callers,
   * on one instance or many (PostgreSQL: `FOR UPDATE SKIP LOCKED`), each message goes to at most one
   * until its lease runs out. Oldest due first.
   */
  claimMail(now: number, leaseUntil: number, limit: number): Promise<OutboxMail[]>;
  /**
   * Records how attempt number `attempt` of message `id` ended; `false` (and nothing written) when
   * that attempt no longer holds the message (its lease ran out and another attempt claimed it).
   */
  finishMail(id: string, attempt: number, outcome: MailOutcome): Promise<boolean>;
  /** Messages, newest first, optionally only those in `statuses`. */
  listMail(limit: number, statuses?: readonly MailStatus[]): Promise<OutboxMail[]>;
  /** Makes `failed` messages (or only `id`) pending and due at `now` with fresh attempts; returns how many. */
  retryMail(now: number, id?: string): Promise<number>;
  /** Deletes up to `batch` sent, skipped or failed messages created before `before`; returns how many. */
  sweepMail(before: number, batch: number): Promise<number>;
}

/** The server side of e-mailed links, and the user fields they change. */
export interface LinkStore {
  /**
   * Inserts `link`. Every other unused link of the same user and purpose created before it is marked
   * used at `link.createdAt` (a newer request invalidates older links); if a newer one exists
   * already, `link` itself is stored as used. No-op when a link with this id exists.
   */
  insertLink(link: AccountLink): Promise<void>;
  findLink(id: string): Promise<AccountLink | undefined>;
  /** Marks the link used, only if it is unused: of concurrent callers exactly one gets `true`. */
  consumeLink(id: string, at: number): Promise<boolean>;
  /** Marks every unused link of the user with one of `purposes` used; returns how many. */
  retireLinks(userId: string, purposes: readonly LinkPurpose[], at: number): Promise<number>;
  /** Sets (or clears) the user's `emailVerifiedAt`; `false` when the user does not exist. */
  setEmailVerified(userId: string, at: number | null): Promise<boolean>;
  /** Sets the user's language (`en`, `ko`). */
  setLocale(userId: string, locale: string): Promise<void>;
  /**
   * Moves the user to `email` (verified at `verifiedAt`); `false` when another account uses that
   * address (compared as {@link normalizeEmail} does) and nothing changed.
   */
  changeEmail(userId: string, email: string, verifiedAt: number): Promise<boolean>;
  /** Deletes up to `batch` links that expired before `before`; returns how many. */
  sweepLinks(before: number, batch: number): Promise<number>;
}
