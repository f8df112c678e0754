import { AuthError, errorFrom } from './auth-error.ts';

/** Options of {@link createAccountMail}. */
export interface AccountMailOptions {
  /** Where latchkey serves `/auth/*`. Default: the page's origin. */
  readonly baseUrl?: string;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** What following a confirmation link did. */
export interface LinkOutcome {
  readonly outcome: 'verified' | 'email_changed';
  /** The account's address now. */
  readonly email: string;
}

/**
 * The e-mail flows of latchkey for a web page: ask for a reset link, set a new password with it,
 * follow a confirmation link, send the confirmation again, and (signed in, through an
 * {@link AuthClient}'s `fetch`) change the address. Failures are {@link AuthError}s.
 *
 * @example
 * const mail = createAccountMail({ baseUrl: 'https://auth.example.com' })
 * await mail.forgotPassword(email) // always resolves for a well-formed address
 * const token = new URLSearchParams(location.hash.slice(1)).get('reset')
 * if (token) await mail.resetPassword(token, newPassword)
 */
export function createAccountMail(options: AccountMailOptions = {}) {
  const base = options.baseUrl ?? globalThis.location?.origin;
  if (!base) throw new TypeError('createAccountMail: baseUrl is required outside a web page.');
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  const post = async (path: string, body: unknown, via: (url: string, init: RequestInit) => Promise<Response> = send): Promise<unknown> => {
    let res: Response;
    try {
      res = await via(new URL(path, base).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'include',
      });
    } catch {
      throw new AuthError('network_error', 'The server could not be reached.', 0);
    }
    if (!res.ok) throw await errorFrom(res);
    return res.status === 204 ? undefined : res.json();
  };
  return {
    /** Asks for a password reset link; the answer never says whether an account uses `email`. */
    async forgotPassword(email: string): Promise<void> {
      await post('/auth/password/forgot', { email });
    },
    /** Sets a new password with the token of a reset link; every device is signed out. */
    async resetPassword(token: string, newPassword: string): Promise<void> {
      await post('/auth/password/reset', { token, newPassword });
    },
    /** Follows a confirmation link (address verification or e-mail change). */
    async followLink(token: string): Promise<LinkOutcome> {
      return (await post('/auth/email/verify', { token })) as LinkOutcome;
    },
    /** Sends the confirmation link again; the answer never says whether an account uses `email`. */
    async resendVerification(email: string): Promise<void> {
      await post('/auth/email/verification', { email });
    },
    /** Asks to move the signed-in account to `newEmail` (a link goes there); `auth` carries the access token. */
    async changeEmail(auth: { fetch(input: string, init?: RequestInit): Promise<Response> }, currentPassword: string, newEmail: string): Promise<void> {
      await post('/auth/email', { currentPassword, newEmail }, (url, init) => auth.fetch(url, init));
    },
  };
}

export type AccountMail = ReturnType<typeof createAccountMail>;
