import { EMAIL } from './new-account.ts';
import { newEvent, type FlowDeps } from './account-flow-kit.ts';
import { fail } from './errors.ts';
import type { PasswordHasher } from './passwords.ts';
import { normalizeEmail, type RequestContext } from './types.ts';

export interface EmailChangeDeps extends FlowDeps {
  readonly passwords: PasswordHasher;
}

/**
 * A signed-in user asks to move the account to another address. The current password is needed;
 * the change happens only when the link mailed to the new address is followed
 * (EmailVerification.confirm). The request is an `email_change_requested` event, which mails the
 * link to the new address and a notice to the current one (core/mail-plan.ts); a newer request
 * retires the older link.
 *
 * @example
 * await emailChange.request(userId, { currentPassword, newEmail: 'ann@new.example' }, context)
 */
export class EmailChange {
  constructor(private readonly o: EmailChangeDeps) {}

  /** @throws invalid_credentials, invalid_request, email_taken */
  async request(userId: string, input: { currentPassword: string; newEmail: string }, request: RequestContext): Promise<void> {
    const { store, clock } = this.o;
    const user = await store.findUserById(userId);
    if (!user || !(await this.o.passwords.verify(user.passwordHash, input.currentPassword))) {
      throw fail('invalid_credentials', 'The password is wrong.');
    }
    const newEmail = input.newEmail.trim();
    if (!EMAIL.test(newEmail) || newEmail.length > 254) throw fail('invalid_request', 'newEmail must be an e-mail address.');
    if (normalizeEmail(newEmail) === normalizeEmail(user.email)) throw fail('invalid_request', 'This is the address the account uses already.');
    if (await store.findUserByEmail(normalizeEmail(newEmail))) throw fail('email_taken', 'An account with this e-mail address exists already.');
    const events = [newEvent(clock, 'email_change_requested', user.id, request, { newEmail })];
    await store.insertEvents(events);
    this.o.auth.told(events, request);
  }
}
