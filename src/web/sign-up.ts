import { AuthError, type AuthClient, type AuthErrorCode } from '../client/index.ts';
import { byId } from './dom.ts';

/** What the sign-up form needs from the page around it. */
export interface SignUpHooks {
  /** The account was created and this device signed in with it. */
  readonly signedUp: () => void;
  /** Shows the sign-in card (the "Sign in" link, or an e-mail that is taken). */
  readonly showSignIn: () => void;
  /** Runs `work` with the button disabled, reporting unexpected failures as the page does. */
  readonly busy: (button: HTMLButtonElement | null, work: () => Promise<void>) => Promise<unknown>;
}

/** True when the server lets anyone create an account (`LATCHKEY_SIGNUP`, told to the page by the HTML). */
export function signUpOpen(): boolean {
  return document.body.dataset.signup !== 'closed';
}

/**
 * The "Create an account" form: e-mail, optional name and password, the password rules shown before
 * submitting. It creates the account on `POST /auth/register` and signs this device in with it.
 * Does nothing while sign-up is closed (the form stays hidden).
 */
export function setUpSignUp(auth: AuthClient, hooks: SignUpHooks): void {
  if (!signUpOpen()) return;
  const view = byId('sign-up-view', HTMLElement);
  const form = byId('sign-up-form', HTMLFormElement);
  const error = byId('sign-up-error', HTMLParagraphElement);
  const emailInput = byId('sign-up-email', HTMLInputElement);
  const passwordInput = byId('sign-up-password', HTMLInputElement);
  byId('to-sign-up-line', HTMLParagraphElement).hidden = false;
  byId('to-sign-up', HTMLButtonElement).addEventListener('click', () => {
    byId('sign-in-view', HTMLElement).hidden = true;
    view.hidden = false;
    emailInput.focus();
  });
  byId('to-sign-in', HTMLButtonElement).addEventListener('click', () => {
    view.hidden = true;
    hooks.showSignIn();
  });

  const complain = (input: HTMLInputElement, message: string) => {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    const password = String(data.get('password') ?? '');
    emailInput.removeAttribute('aria-invalid');
    passwordInput.removeAttribute('aria-invalid');
    if (!email.includes('@')) return complain(emailInput, 'Enter your e-mail address.');
    if ([...password].length < 8) return complain(passwordInput, 'The password needs at least 8 characters.');
    error.textContent = '';
    void hooks.busy(form.querySelector('button'), async () => {
      const res = await fetch('/auth/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password, ...(name && { name }) }),
        credentials: 'same-origin',
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string };
        if (body.error === 'weak_password') return complain(passwordInput, body.error_description ?? 'Choose a stronger password.');
        if (body.error === 'email_taken') return complain(emailInput, 'An account with this e-mail address exists already. Sign in instead.');
        if (body.error === 'invalid_request') return complain(emailInput, body.error_description ?? 'Check the e-mail address.');
        if (body.error === 'too_many_requests') {
          error.textContent = `Too many sign-ups from your network. Try again in ${res.headers.get('retry-after') ?? 60} seconds.`;
          return;
        }
        throw new AuthError((body.error ?? 'invalid_response') as AuthErrorCode, body.error_description ?? 'The account could not be created.', res.status);
      }
      await auth.login(email, password);
      form.reset();
      view.hidden = true;
      hooks.signedUp();
    });
  });
}
