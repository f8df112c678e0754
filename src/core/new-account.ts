import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { fail } from './errors.ts';
import { passwordProblem } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { UserRecord } from './types.ts';
import { hasUnsafeText } from './unsafe-text.ts';

/** What latchkey accepts as an e-mail address (with at most 254 characters). */
export const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/** A sign-up's input: `locale` is the language of the account's e-mail (from `Accept-Language`). */
export interface NewAccount {
  readonly email: string;
  readonly password: string;
  readonly name?: string | null;
  readonly locale?: string;
}

/**
 * Checks a sign-up (an e-mail address, a name without control characters or bidi overrides, a
 * password the policy accepts) and builds the account's record with its argon2id hash.
 * @throws invalid_request, weak_password
 */
export async function newAccount(input: NewAccount, passwords: PasswordHasher, clock: Clock): Promise<UserRecord> {
  const email = input.email.trim();
  if (!EMAIL.test(email) || email.length > 254 || hasUnsafeText(email)) throw fail('invalid_request', 'email must be an e-mail address.');
  if (input.name && hasUnsafeText(input.name)) throw fail('invalid_request', 'name must not contain control characters or bidi overrides.');
  const problem = passwordProblem(input.password, email);
  if (problem) throw fail('weak_password', problem);
  return {
    id: randomUUID(),
    email,
    name: input.name?.trim() || null,
    createdAt: clock.now(),
    disabledAt: null,
    roles: [],
    passwordHash: await passwords.hash(input.password),
    emailVerifiedAt: null,
    locale: input.locale ?? null,
  };
}
