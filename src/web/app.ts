/**
 * The account page (`GET /account`), built on `latchkey/client` like any other web app would be:
 * sign up (while `LATCHKEY_SIGNUP` is open), sign in, see and sign out devices, read recent security
 * events, change the password.
 * Served as one ES module transpiled by the server (src/http/account-routes.ts); no build step.
 */
import { AuthError, createAuthClient, type SessionInfo } from '../client/index.ts';
import { authorizeFlow } from './authorize-flow.ts';
import { confirmAction } from './confirm-dialog.ts';
import { SHOWN_EVENT_TYPES } from './describe-event.ts';
import { deviceName } from './device-name.ts';
import { deviceItems, refreshRelativeTimes } from './devices-view.ts';
import { byId } from './dom.ts';
import { eventItems } from './events-view.ts';
import { setUpSignUp } from './sign-up.ts';
import { accountMailView } from './account-mail-view.ts';

// latchkey serves this script at <base>/account/app.js, and its API under <base>/auth/: the same
// page works on a standalone server and where an app mounts latchkey under a prefix.
const auth = createAuthClient({ baseUrl: new URL('..', import.meta.url).href, watchSession: true }) // watchSession: learns at once when signed out elsewhere;

const view = {
  loading: byId('loading', HTMLParagraphElement),
  signIn: byId('sign-in-view', HTMLElement),
  account: byId('account-view', HTMLDivElement),
  who: byId('who', HTMLDivElement),
  whoEmail: byId('who-email', HTMLSpanElement),
  notice: byId('notice', HTMLParagraphElement),
  devices: byId('devices', HTMLUListElement),
  devicesTitle: byId('devices-title', HTMLHeadingElement),
  events: byId('events', HTMLOListElement),
};
const signInForm = byId('sign-in-form', HTMLFormElement);
/** Set when this page is an app's sign-in page (`/oauth/authorize`): signing in goes on to the app. */
const authorize = authorizeFlow(auth, { showSignIn, notify });
const passwordForm = byId('password-form', HTMLFormElement);

function notify(message: string, warning = false): void {
  view.notice.textContent = message;
  view.notice.classList.toggle('warning', warning);
}

function showSignIn(message = '', warning = false): void {
  view.loading.hidden = true;
  view.account.hidden = true;
  view.who.hidden = true;
  view.signIn.hidden = false;
  byId('sign-up-view', HTMLElement).hidden = true;
  for (const id of ['forgot-view', 'reset-view']) byId(id, HTMLElement).hidden = true;
  view.devices.replaceChildren();
  view.events.replaceChildren();
  passwordForm.reset();
  notify(message, warning);
}

function showAccount(): void {
  if (authorize) return void authorize.afterSignIn(); // an app's sign-in page: every way of signing in goes on to the app
  view.loading.hidden = true;
  view.signIn.hidden = true;
  byId('sign-up-view', HTMLElement).hidden = true;
  view.account.hidden = false;
  view.who.hidden = false;
  view.whoEmail.textContent = auth.user?.email ?? '';
  mailView.showUser(auth.user);
  void load();
}

/** Fetches devices and events and draws them. */
async function load(): Promise<void> {
  view.devices.setAttribute('aria-busy', 'true');
  try {
    const [sessions, events] = await Promise.all([auth.sessions(), auth.events({ limit: 30, types: SHOWN_EVENT_TYPES })]);
    const now = Date.now();
    view.devices.replaceChildren(...deviceItems(sessions, now, (session) => void signOutDevice(session)));
    view.events.replaceChildren(...eventItems(events, sessions, now));
  } catch (err) {
    failed(err);
  } finally {
    view.devices.setAttribute('aria-busy', 'false');
  }
}

/** Says what went wrong; a refused token means this device was signed out (the client already said so). */
function failed(err: unknown): void {
  if (err instanceof AuthError && err.status === 401 && !auth.signedIn) {
    if (!view.signIn.hidden) return;
    showSignIn('You were signed out: this device\'s session has ended.', true);
  } else if (err instanceof AuthError && err.code === 'network_error') {
    notify('The server could not be reached. Check your connection and try again.', true);
  } else if (err instanceof AuthError) {
    notify(err.description, true);
  } else {
    notify('Something went wrong. Try again.', true);
  }
}

async function busy<T>(button: HTMLButtonElement | null, work: () => Promise<T>): Promise<T | undefined> {
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (err) {
    failed(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

async function signOutDevice(session: SessionInfo): Promise<void> {
  const name = deviceName(session.device);
  const question = session.current ? 'Sign out of this device?' : `Sign out ${name}?`;
  const text = session.current
    ? 'You will need to sign in again on this device.'
    : `${name} (IP ${session.lastIp}) will need to sign in again.`;
  if (!(await confirmAction(question, text, 'Sign out'))) return;
  if (session.current) {
    await auth.logout();
    return;
  }
  await busy(null, async () => {
    await auth.revokeSession(session.id);
    notify(`${capitalize(name)} was signed out.`);
    await load();
    view.devicesTitle.focus();
  });
}

auth.on('session-ended', ({ reason, otherTab }) => {
  if (reason === 'logout') showSignIn(otherTab ? 'You signed out in another tab.' : 'You are signed out.');
  else showSignIn('You were signed out: this device\'s session has ended (signed out from another device, or expired). Sign in again to continue.', true);
});

auth.on('signed-in', ({ otherTab }) => {
  if (otherTab && view.account.hidden) {
    notify('You signed in in another tab.');
    showAccount();
  }
});

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(signInForm);
  const email = String(data.get('email') ?? '').trim();
  const password = String(data.get('password') ?? '');
  const error = byId('sign-in-error', HTMLParagraphElement);
  if (!email || !password) {
    error.textContent = 'Enter your e-mail and password.';
    return;
  }
  error.textContent = '';
  void busy(signInForm.querySelector('button'), async () => {
    try {
      await auth.login(email, password);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      if (err.code === 'email_not_verified') mailView.offerResend(email);
      error.textContent = err.code === 'invalid_credentials'
        ? 'That e-mail and password do not match an account.'
        : err.code === 'too_many_requests'
          ? `Too many attempts. Try again in ${err.retryAfter ?? 60} seconds.`
          : err.description;
      byId('password', HTMLInputElement).focus();
      return;
    }
    signInForm.reset();
    notify('');
    showAccount();
    view.devicesTitle.focus();
  });
});

passwordForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(passwordForm);
  const current = String(data.get('current') ?? '');
  const next = String(data.get('next') ?? '');
  const error = byId('password-error', HTMLParagraphElement);
  const currentInput = byId('current-password', HTMLInputElement);
  const nextInput = byId('new-password', HTMLInputElement);
  currentInput.removeAttribute('aria-invalid');
  nextInput.removeAttribute('aria-invalid');
  const complain = (input: HTMLInputElement, message: string) => {
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };
  if (!current) return complain(currentInput, 'Enter your current password.');
  if ([...next].length < 8) return complain(nextInput, 'The new password needs at least 8 characters.');
  error.textContent = '';
  void busy(passwordForm.querySelector('button'), async () => {
    try {
      await auth.changePassword(current, next);
    } catch (err) {
      if (err instanceof AuthError && err.code === 'invalid_credentials') return complain(currentInput, 'The current password is not right.');
      if (err instanceof AuthError && err.code === 'weak_password') return complain(nextInput, err.description);
      throw err;
    }
    passwordForm.reset();
    notify('Your password was changed. Every other device was signed out.');
    await load();
  });
});

setUpSignUp(auth, {
  signedUp() {
    notify('Your account was created and this device is signed in.');
    showAccount();
    view.devicesTitle.focus();
  },
  showSignIn: () => showSignIn(),
  busy,
});

byId('sign-out', HTMLButtonElement).addEventListener('click', () => void auth.logout());

byId('reload', HTMLButtonElement).addEventListener('click', (event) => {
  void busy(event.currentTarget as HTMLButtonElement, load);
});

byId('sign-out-others', HTMLButtonElement).addEventListener('click', async (event) => {
  const button = event.currentTarget as HTMLButtonElement;
  const ok = await confirmAction('Sign out all other devices?', 'Every device except this one will need to sign in again.', 'Sign out all others');
  if (!ok) return;
  await busy(button, async () => {
    const n = await auth.logoutOthers();
    notify(n === 0 ? 'No other device was signed in.' : `Signed out ${n} other ${n === 1 ? 'device' : 'devices'}.`);
    await load();
  });
});

setInterval(() => refreshRelativeTimes(document, Date.now()), 30_000);

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const mailView = accountMailView({ auth, notify, showSignIn, failed });

// A reload keeps the user signed in: the refresh cookie brings the session back. A reset link
// opens the reset form instead; a confirmation link is followed first. On an app's sign-in page
// (`/oauth/authorize`) the authorize flow takes over.
async function start(): Promise<void> {
  if (!authorize && (await mailView.handleUrl())) return;
  const session = await auth.restore();
  if (authorize) await authorize.start();
  else if (session) showAccount();
  else showSignIn(view.notice.textContent ?? '', view.notice.classList.contains('warning'));
}

// A link opened in a tab that shows the page already only changes the fragment.
window.addEventListener('hashchange', () => {
  if (authorize) return;
  void mailView.handleUrl().then((tookOver) => {
    if (tookOver) return;
    if (auth.signedIn) showAccount();
    else showSignIn(view.notice.textContent ?? '', view.notice.classList.contains('warning'));
  });
});

start().catch((err: unknown) => {
  showSignIn();
  failed(err);
});
