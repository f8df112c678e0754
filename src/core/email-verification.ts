import { randomUUID } from 'node:crypto';
import { newEvent, openLink, type FlowDeps } from './account-flow-kit.ts';
import { fail } from './errors.ts';
import { deviceOf } from './password-reset.ts';
import type { RequestContext, UserRecord } from './types.ts';

/**
 * Proving that a user reads the address of the account, and moving an account to a new address.
 *
 * Sign-up records a `registered` event, which mails a verification link (core/mail-plan.ts).
 * `request` mails it again: like a reset request it records one message for whatever address it
 * is given, and the account is looked up only when the message is sent. `confirm` follows a
 * verification link (sets `emailVerifiedAt`, event `email_verified`) or an e-mail change link
 * (moves the account to the new address, verified, event `email_changed`, which mails a notice to
 * the previous address; every other link of the account is retired).
 *
 * @example
 * const { outcome } = await verification.confirm(tokenFromLink, context)
 */
export class EmailVerification {
  constructor(private readonly o: FlowDeps) {}

  /** Records a "verify your address" message for `email`. Never says whether an account uses it. */
  async request(email: string, locale: string, request: RequestContext): Promise<void> {
    const at = this.o.clock.now();
    await this.o.store.enqueueMail([{
      id: randomUUID(),
      kind: 'verify_email',
      userId: null,
      to: email.trim().slice(0, 320),
      locale,
      data: { at, ip: request.ip, ...deviceOf(request) },
      createdAt: at,
    }]);
  }

  /**
   * Follows a verification or e-mail change link.
   * @throws invalid_link; email_taken when another account took the new address meanwhile
   */
  async confirm(token: unknown, request: RequestContext): Promise<{ outcome: 'verified' | 'email_changed'; email: string }> {
    const { store, clock } = this.o;
    const { link, user } = await openLink(this.o, token, ['verify_email', 'email_change']);
    const { event, ...answer } = await store.transaction(async (tx) => {
      const now = clock.now();
      if (!(await tx.consumeLink(link.id, now))) throw fail('invalid_link', 'This link was already used.');
      if (link.purpose === 'verify_email') {
        await tx.setEmailVerified(user.id, now);
        const event = newEvent(clock, 'email_verified', user.id, request);
        await tx.insertEvents([event]);
        return { outcome: 'verified' as const, email: user.email, event };
      }
      if (!(await tx.changeEmail(user.id, link.email, now))) {
        throw fail('email_taken', 'Another account uses this address now.');
      }
      await tx.retireLinks(user.id, ['verify_email', 'password_reset', 'email_change'], now);
      const event = newEvent(clock, 'email_changed', user.id, request, { previousEmail: user.email });
      await tx.insertEvents([event]);
      return { outcome: 'email_changed' as const, email: link.email, event };
    });
    this.o.auth.told([event], request);
    return answer;
  }

  /** An operator vouches for the user's address (`latchkey users verify-email`). Idempotent. */
  async markVerified(user: UserRecord, request: RequestContext | null): Promise<void> {
    if (user.emailVerifiedAt) return;
    const events = [newEvent(this.o.clock, 'email_verified', user.id, request, { by: 'operator' })];
    await this.o.store.transaction(async (tx) => {
      await tx.setEmailVerified(user.id, this.o.clock.now());
      await tx.retireLinks(user.id, ['verify_email'], this.o.clock.now());
      await tx.insertEvents(events);
    });
    this.o.auth.told(events, request);
  }

}
