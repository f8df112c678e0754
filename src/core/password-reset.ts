import { randomUUID } from 'node:crypto';
import type { Auth } from './auth.ts';
import { badLink, newEvent, openLink, type FlowDeps } from './account-flow-kit.ts';
import { parseDevice } from './device.ts';
import { fail } from './errors.ts';
import { passwordProblem } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { RequestContext } from './types.ts';

export interface PasswordResetDeps extends FlowDeps {
  readonly passwords: PasswordHasher;
  readonly auth: Pick<Auth, 'endSessions' | 'told'>;
}

/**
 * Password reset by e-mail.
 *
 * `request` records a `password_reset` message for whatever address it is given and nothing else:
 * the same single write for an existing account and an unknown address, so neither the answer nor
 * its timing says whether the account exists. Whether an account uses the address is decided when
 * the message is sent (core/mail-links.ts), where the link is made: valid `LATCHKEY_RESET_LINK_TTL`
 * (30 minutes) from the request, usable once; a newer request, a password change and a reset
 * retire older links.
 *
 * `reset` sets the password, ends every session of the user (`session_revoked`, reason
 * `password_reset`) with a `password_reset` event (which mails a notice), and marks the address
 * verified: following the link proved the user reads it.
 *
 * @example
 * await reset.request('ann@example.com', 'en', context) // always resolves
 * await reset.reset(tokenFromLink, 'a new long passphrase', context)
 */
export class PasswordReset {
  constructor(private readonly o: PasswordResetDeps) {}

  /** Records a reset request for `email`. Never says whether an account uses it. */
  async request(email: string, locale: string, request: RequestContext): Promise<void> {
    const { clock, store } = this.o;
    const at = clock.now();
    await store.enqueueMail([{
      id: randomUUID(),
      kind: 'password_reset',
      userId: null,
      to: email.trim().slice(0, 320),
      locale,
      data: { at, ip: request.ip, ...deviceOf(request) },
      createdAt: at,
    }]);
  }

  /** @throws invalid_link, weak_password */
  async reset(token: unknown, newPassword: string, request: RequestContext): Promise<void> {
    const { store, clock } = this.o;
    const { link, user } = await openLink(this.o, token, ['password_reset']);
    const problem = passwordProblem(newPassword, user.email);
    if (problem) throw fail('weak_password', problem);
    const passwordHash = await this.o.passwords.hash(newPassword);
    await store.transaction(async (tx) => {
      const now = clock.now();
      if (!(await tx.consumeLink(link.id, now))) throw badLink(); // another request used it first
      await tx.updateUser(user.id, { passwordHash });
      if (!user.emailVerifiedAt) {
        await tx.setEmailVerified(user.id, now);
      }
      const live = await tx.listLiveSessions(user.id, now);
      await this.o.auth.endSessions(live, 'password_reset', request, [newEvent(clock, 'password_reset', user.id, request)], tx);
    });
  }
}

/** The browser and OS of a request, for a message's "from which device" line. */
export function deviceOf(request: RequestContext): { browser?: string; os?: string } {
  if (!request.userAgent) return {};
  const { browser, os } = parseDevice(request.userAgent);
  return { browser, os };
}
