/**
 * The e-mail parts of the account page: "Forgot your password?", the reset form a link opens
 * (`/account#reset=<token>`), the landing of a confirmation link (`/account#verify=<token>`), the
 * "Verify your e-mail" banner, and "Change e-mail". The token leaves the address bar at once.
 */
import { type AuthClient, AuthError, createAccountMail, type User } from '../client/index.ts';
import { byId } from './dom.ts';

export interface AccountMailPage {
  readonly auth: AuthClient;
  /** Shows a line in the page's notice area. */
  notify(message: string, warning?: boolean): void;
  /** Shows the sign-in form with a message. */
  showSignIn(message?: string, warning?: boolean): void;
  /** Reports an unexpected failure. */
  failed(err: unknown): void;
}

const mail = createAccountMail();

/** Wires the e-mail views; returns what the page calls at its own moments. */
export function accountMailView(page: AccountMailPage) {
  const views = {
    signIn: byId('sign-in-view', HTMLElement),
    forgot: byId('forgot-view', HTMLElement),
    reset: byId('reset-view', HTMLElement),
    loading: byId('loading', HTMLParagraphElement),
  };
  const only = (view: HTMLElement) => {
    for (const v of Object.values(views)) v.hidden = v !== view;
    byId('account-view', HTMLDivElement).hidden = true;
  };
  let resetToken = '';
  let unverifiedEmail = '';

  byId('forgot-link', HTMLAnchorElement).addEventListener('click', (event) => {
    event.preventDefault();
    byId('forgot-email', HTMLInputElement).value = byId('email', HTMLInputElement).value;
    showForgot();
  });
  byId('forgot-back', HTMLAnchorElement).addEventListener('click', (event) => {
    event.preventDefault();
    page.showSignIn();
  });

  const forgotForm = byId('forgot-form', HTMLFormElement);
  forgotForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = byId('forgot-email', HTMLInputElement).value.trim();
    const error = byId('forgot-error', HTMLParagraphElement);
    if (!email.includes('@')) {
      error.textContent = 'Enter the e-mail address of your account.';
      return;
    }
    error.textContent = '';
    void guarded(forgotForm.querySelector('button'), error, async () => {
      await mail.forgotPassword(email);
      forgotForm.reset();
      page.showSignIn(`If an account uses ${email}, we sent it a link to choose a new password. It works for 30 minutes.`);
    });
  });

  const resetForm = byId('reset-form', HTMLFormElement);
  resetForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('reset-password', HTMLInputElement);
    const error = byId('reset-error', HTMLParagraphElement);
    if ([...input.value].length < 8) {
      error.textContent = 'The new password needs at least 8 characters.';
      input.focus();
      return;
    }
    error.textContent = '';
    void guarded(resetForm.querySelector('button'), error, async () => {
      await mail.resetPassword(resetToken, input.value);
      resetForm.reset();
      resetToken = '';
      page.showSignIn('Your password was changed and every device was signed out. Sign in with your new password.');
    });
  });

  const resend = async (button: HTMLButtonElement | null, email: string) => {
    await guarded(button, null, async () => {
      await mail.resendVerification(email);
      page.notify(`We sent a new confirmation link to ${email}.`);
    });
  };
  byId('resend-verification', HTMLButtonElement).addEventListener('click', (event) =>
    void resend(event.currentTarget as HTMLButtonElement, unverifiedEmail));
  byId('verify-banner-resend', HTMLButtonElement).addEventListener('click', (event) =>
    void resend(event.currentTarget as HTMLButtonElement, page.auth.user?.email ?? ''));

  const emailForm = byId('email-form', HTMLFormElement);
  emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const newEmail = byId('new-email', HTMLInputElement).value.trim();
    const current = byId('email-current-password', HTMLInputElement).value;
    const error = byId('email-error', HTMLParagraphElement);
    if (!newEmail.includes('@') || !current) {
      error.textContent = 'Enter the new address and your current password.';
      return;
    }
    error.textContent = '';
    void guarded(emailForm.querySelector('button'), error, async () => {
      await mail.changeEmail(page.auth, current, newEmail);
      emailForm.reset();
      page.notify(`We sent a link to ${newEmail}. Open it to finish the change.`);
    });
  });

  /** Shows or hides the "Verify your e-mail" banner for the signed-in user. */
  function showUser(user: User | null): void {
    byId('resend-verification', HTMLButtonElement).hidden = true;
    const unverified = user !== null && user.emailVerified === false;
    byId('verify-banner', HTMLElement).hidden = !unverified;
    byId('verify-banner-email', HTMLSpanElement).textContent = user?.email ?? '';
  }

  function showForgot(): void {
    only(views.forgot);
    byId('forgot-title', HTMLHeadingElement).focus();
  }

  /** Runs `work`; an AuthError's words go to `error` (or the notice), anything else to the page. */
  async function guarded(button: HTMLButtonElement | null, error: HTMLElement | null, work: () => Promise<void>): Promise<void> {
    if (button) button.disabled = true;
    try {
      await work();
    } catch (err) {
      if (!(err instanceof AuthError) || err.code === 'network_error') return page.failed(err);
      const words = err.code === 'too_many_requests' ? `Too many requests. Try again in ${err.retryAfter ?? 60} seconds.` : err.description;
      if (error) error.textContent = words;
      else page.notify(words, true);
    } finally {
      if (button) button.disabled = false;
    }
  }

  return {
    /**
     * Handles a link the page was opened with; `true` when it took over the page (the reset form),
     * so the page must not show its usual first view.
     */
    async handleUrl(): Promise<boolean> {
      const params = new URLSearchParams(location.hash.slice(1));
      if (location.hash === '#forgot') {
        history.replaceState(null, '', location.pathname);
        showForgot();
        return true;
      }
      const reset = params.get('reset');
      const verify = params.get('verify');
      if (!reset && !verify) return false;
      history.replaceState(null, '', location.pathname); // the token leaves the address bar (and history)
      if (reset) {
        resetToken = reset;
        only(views.reset);
        byId('reset-title', HTMLHeadingElement).focus();
        return true;
      }
      try {
        const { outcome, email } = await mail.followLink(verify!);
        page.notify(outcome === 'verified' ? `Thank you: ${email} is confirmed.` : `Done: your account now uses ${email}.`);
        if (page.auth.signedIn) showUser(await page.auth.me().catch(() => page.auth.user));
      } catch (err) {
        page.notify(err instanceof AuthError ? err.description : 'The link could not be checked. Try again.', true);
      }
      return false;
    },
    /** After a sign-in failed with `email_not_verified`: offers to send the link again. */
    offerResend(email: string): void {
      unverifiedEmail = email;
      byId('resend-verification', HTMLButtonElement).hidden = false;
    },
    showUser,
  };
}
