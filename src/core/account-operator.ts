import type { Auth } from './auth.ts';
import { newEvent, type FlowDeps } from './account-flow-kit.ts';
import type { EmailVerification } from './email-verification.ts';
import { fail } from './errors.ts';
import { passwordProblem } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import { normalizeEmail, type UserRecord } from './types.ts';

export interface AccountOperatorDeps extends FlowDeps {
  readonly passwords: PasswordHasher;
  readonly auth: Pick<Auth, 'endSessions' | 'told'>;
  readonly verification: EmailVerification;
}

/**
 * What an operator does about a locked-out user (`latchkey users set-password`, `users verify-email`).
 * Same rules as the user's own flows: the password policy applies, a new password ends every
 * session (reason `password_changed`) and retires reset links, and both leave an event.
 *
 * @example
 * await operator.setPassword('ann@example.com', passwordFromStdin)
 */
export class AccountOperator {
  constructor(private readonly o: AccountOperatorDeps) {}

  /** Sets the password and ends every session; returns how many ended. @throws not_found, weak_password */
  async setPassword(email: string, password: string): Promise<number> {
    const user = await this.#find(email);
    const problem = passwordProblem(password, user.email);
    if (problem) throw fail('weak_password', problem);
    const passwordHash = await this.o.passwords.hash(password);
    return this.o.store.transaction(async (tx) => {
      await tx.updateUser(user.id, { passwordHash });
      const live = await tx.listLiveSessions(user.id, this.o.clock.now());
      const event = newEvent(this.o.clock, 'password_changed', user.id, null, { by: 'operator' });
      return (await this.o.auth.endSessions(live, 'password_changed', null, [event], tx)).length;
    });
  }

  /** Marks the address verified (`false` when it was already). @throws not_found */
  async verifyEmail(email: string): Promise<boolean> {
    const user = await this.#find(email);
    if (user.emailVerifiedAt) return false;
    await this.o.verification.markVerified(user, null);
    return true;
  }

  async #find(email: string): Promise<UserRecord> {
    const user = await this.o.store.findUserByEmail(normalizeEmail(email));
    if (!user) throw fail('not_found', `No user with the e-mail address ${email}.`);
    return user;
  }
}
