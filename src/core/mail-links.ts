import { LinkTokenCodec, type AccountLink, type LinkPurpose } from './account-link.ts';
import type { Clock } from './clock.ts';
import type { MailKind, OutboxMail } from './mail-message.ts';
import { normalizeEmail, type UserRecord } from './types.ts';
import type { Store } from './store.ts';

/** How long e-mailed links stay usable, in seconds. */
export interface LinkLifetimes {
  /** `LATCHKEY_RESET_LINK_TTL` (default 1800: 30 minutes). */
  readonly reset: number;
  /** `LATCHKEY_VERIFY_LINK_TTL` (default 86400: a day), for verification and e-mail change links. */
  readonly verify: number;
}

/** Which kinds of message carry a link, and for what. */
const LINK_PURPOSE: Partial<Record<MailKind, LinkPurpose>> = {
  verify_email: 'verify_email',
  password_reset: 'password_reset',
  email_change_confirm: 'email_change',
};

/** A message as it will be sent: its user and, for a link-bearing kind, the link's token. */
export type PreparedMail =
  | {
      readonly send: true;
      readonly user: UserRecord;
      /**
       * Where to send it. A message recorded for a typed address (a reset request) goes to the
       * account's own address, never to the typed spelling: two spellings that compare equal
       * (case, Unicode compatibility forms) may still be different mailboxes.
       */
      readonly to: string;
      readonly token?: string;
      readonly purpose?: LinkPurpose;
      readonly ttl?: number;
    }
  | { readonly send: false; readonly reason: string };

/**
 * Makes the link of a message when the message is sent, not when it is recorded: the outbox never
 * holds a usable link (a copy of the database cannot use one), and the account behind a reset
 * request is looked up here, off the request path, so `forgot` does the same work for every address.
 * The link's id is the message's id: a message sent again carries the same link.
 */
export class MailLinks {
  constructor(
    private readonly store: Store,
    private readonly codec: LinkTokenCodec,
    private readonly lifetimes: LinkLifetimes,
    private readonly clock: Clock,
  ) {}

  /** What `mail` needs to be sent, or why it should not be sent (no such account, already verified...). */
  async prepare(mail: OutboxMail): Promise<PreparedMail> {
    const user = mail.userId
      ? await this.store.findUserById(mail.userId)
      : await this.store.findUserByEmail(normalizeEmail(mail.to));
    if (!user) return { send: false, reason: mail.userId ? 'the account no longer exists' : 'no account uses this address' };
    const to = mail.userId ? mail.to : user.email;
    const purpose = LINK_PURPOSE[mail.kind];
    if (!purpose) return { send: true, user, to };
    if (user.disabledAt !== null) return { send: false, reason: 'the account is disabled' };
    if (purpose === 'verify_email') {
      if (user.emailVerifiedAt) return { send: false, reason: 'the address is verified already' };
      if (normalizeEmail(user.email) !== normalizeEmail(mail.to)) return { send: false, reason: 'the account uses another address now' };
    }
    const ttl = purpose === 'password_reset' ? this.lifetimes.reset : this.lifetimes.verify;
    const link: AccountLink = {
      id: mail.id,
      userId: user.id,
      purpose,
      nonce: LinkTokenCodec.newNonce(),
      email: purpose === 'email_change' ? mail.to : user.email,
      createdAt: mail.createdAt,
      expiresAt: mail.createdAt + ttl * 1000,
      usedAt: null,
    };
    await this.store.insertLink(link); // no-op when an earlier attempt made it
    const stored = (await this.store.findLink(link.id)) ?? link;
    if (stored.expiresAt <= this.clock.now()) return { send: false, reason: 'the link expired before it could be sent' };
    return { send: true, user, to, token: this.codec.issue(stored), purpose, ttl };
  }
}
