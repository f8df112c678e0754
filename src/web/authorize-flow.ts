/**
 * The account page as the sign-in page of an app (`GET /oauth/authorize` serves this same page with
 * two `<meta>` tags): after the user signs in (or when this browser is signed in already) the page
 * asks the server for the next step (sign in again, consent, or where to go) and follows it.
 */
import type { AuthClient } from '../client/index.ts';
import { h } from './dom.ts';

/** How the page shows things; supplied by app.ts. */
export interface AuthorizeView {
  showSignIn(message?: string, warning?: boolean): void;
  notify(message: string, warning?: boolean): void;
}

type Step = { next: 'redirect'; url: string } | { next: 'login' } | { next: 'consent'; scopes: string[] };

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  email: 'See your e-mail address',
  profile: 'See your name',
  offline_access: 'Stay signed in when you are not using it',
};

/** The running authorization, or `null` when the page is the plain account page. */
export interface AuthorizeFlow {
  readonly appName: string;
  /** Call once the page knows whether the browser is signed in. */
  start(): Promise<void>;
  /** Call after the user signed in through the page's form. */
  afterSignIn(): Promise<void>;
}

/**
 * Reads the page's authorize tags; `null` on the plain account page.
 *
 * @example
 * const flow = authorizeFlow(auth, view)
 * if (flow) await flow.start()
 */
export function authorizeFlow(auth: AuthClient, view: AuthorizeView): AuthorizeFlow | null {
  const ticket = meta('latchkey-authorize');
  if (ticket === null) return null;
  const appName = meta('latchkey-app') ?? 'an app';
  let replacing: string | null = null;

  const intro = document.querySelector('#sign-in-view p.muted');
  if (intro) intro.textContent = `Sign in to continue to ${appName}.`;
  const hint = new URLSearchParams(location.search).get('login_hint');
  const email = document.getElementById('email');
  if (hint && email instanceof HTMLInputElement && hint.includes('@')) email.value = hint.slice(0, 320);

  async function step(consent?: 'allow' | 'deny'): Promise<void> {
    const res = await auth.fetch(new URL('../oauth/authorize/continue', import.meta.url).href, { // beside this script's /account/
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: location.search.slice(1), ticket, ...(consent && { consent }) }),
    });
    const body = (await res.json().catch(() => ({}))) as Partial<Step> & { error_description?: string };
    if (!res.ok) {
      view.showSignIn(body.error_description ?? 'This sign-in request cannot go on. Go back to the app and try again.', true);
      return;
    }
    if (body.next === 'redirect' && typeof body.url === 'string') {
      view.notify(`Returning to ${appName}…`);
      document.getElementById('consent-view')?.remove();
      location.assign(body.url);
    } else if (body.next === 'consent') {
      showConsent(body.scopes ?? []);
    } else {
      // Signed in, but the app wants a fresh sign-in (prompt=login, max_age): the new session replaces this one.
      if (auth.signedIn) replacing = auth.sessionId;
      view.showSignIn(auth.signedIn ? `${appName} asks you to sign in again.` : '');
    }
  }

  function showConsent(scopes: readonly string[]): void {
    for (const id of ['loading', 'sign-in-view', 'account-view']) {
      const element = document.getElementById(id);
      if (element) element.hidden = true;
    }
    const allow = h('button', { type: 'button', class: 'button primary', id: 'consent-allow' }, 'Allow');
    const deny = h('button', { type: 'button', class: 'button quiet', id: 'consent-deny' }, 'Deny');
    const card = h(
      'section',
      { class: 'card narrow', id: 'consent-view', 'aria-labelledby': 'consent-title' },
      h('h1', { id: 'consent-title' }, `Allow ${appName}?`),
      h('p', { class: 'muted' }, `${appName} would like to:`),
      h('ul', { class: 'scopes' }, ...scopes.map((s) => h('li', {}, SCOPE_TEXT[s] ?? s))),
      h('div', { class: 'actions' }, deny, allow),
    );
    const answer = (value: 'allow' | 'deny') => () => {
      allow.disabled = true;
      deny.disabled = true;
      void step(value);
    };
    allow.addEventListener('click', answer('allow'));
    deny.addEventListener('click', answer('deny'));
    document.getElementById('consent-view')?.remove();
    document.getElementById('main')?.append(card);
    allow.focus();
  }

  return {
    appName,
    start: () => step(),
    async afterSignIn() {
      const previous = replacing;
      replacing = null;
      if (previous && previous !== auth.sessionId) await auth.revokeSession(previous).catch(() => undefined);
      await step();
    },
  };
}

function meta(name: string): string | null {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? null;
}
