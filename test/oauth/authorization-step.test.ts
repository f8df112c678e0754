import { describe, expect, it } from 'vitest';
import { authorizationStep, type AuthorizeContext } from '../../src/oauth/authorization.ts';
import type { AuthorizeRequest } from '../../src/oauth/authorize-request.ts';
import type { OAuthClient } from '../../src/oauth/clients.ts';

/** The authorize page's rule as a table: no database, no HTTP, no browser. */
describe('authorizationStep: what the sign-in page does next (OpenID Connect Core §3.1.2)', () => {
  const now = 1_800_000_000_000;
  const servedAt = now - 30_000;
  const firstParty: OAuthClient = {
    id: 'app', name: 'App', type: 'public', secretHash: null, redirectUris: ['https://app.example/cb'],
    postLogoutRedirectUris: [], firstParty: true, createdAt: 0,
  };
  const request = (fields: Partial<AuthorizeRequest> & { prompt?: ReadonlySet<string> } = {}): AuthorizeRequest => ({
    client: firstParty, redirectUri: 'https://app.example/cb', state: 's', scope: 'openid email', codeChallenge: 'c'.repeat(43),
    nonce: null, prompt: new Set(), maxAge: null, ...fields,
  });
  const signedIn = (agoMs: number) => ({ id: 'sid', userId: 'u', createdAt: now - agoMs });
  const ctx = (session: AuthorizeContext['session'], consent: AuthorizeContext['consent'] = null): AuthorizeContext => ({
    session, servedAt, consent, now, issuer: 'https://id.example',
  });
  const error = (step: ReturnType<typeof authorizationStep>) =>
    step.next === 'redirect' ? Object.fromEntries(new URL(step.url).searchParams) : step;

  it.each([
    ['not signed in', request(), ctx(null), { next: 'login' }],
    ['not signed in, prompt=none', request({ prompt: new Set(['none']) }), ctx(null), { error: 'login_required', state: 's', iss: 'https://id.example' }],
    ['signed in an hour ago', request(), ctx(signedIn(3_600_000)), { next: 'code' }],
    ['signed in, prompt=none', request({ prompt: new Set(['none']) }), ctx(signedIn(3_600_000)), { next: 'code' }],
    ['prompt=login, signed in before the page', request({ prompt: new Set(['login']) }), ctx(signedIn(60_000)), { next: 'login' }],
    ['prompt=login, signed in on the page', request({ prompt: new Set(['login']) }), ctx(signedIn(10_000)), { next: 'code' }],
    ['prompt=select_account, signed in before the page', request({ prompt: new Set(['select_account']) }), ctx(signedIn(60_000)), { next: 'login' }],
    ['max_age=60, signed in 2 minutes ago', request({ maxAge: 60 }), ctx(signedIn(120_000)), { next: 'login' }],
    ['max_age=60, signed in 2 minutes ago, prompt=none', request({ maxAge: 60, prompt: new Set(['none']) }), ctx(signedIn(120_000)), { error: 'login_required' }],
    ['max_age=0, signed in on the page', request({ maxAge: 0 }), ctx(signedIn(10_000)), { next: 'code' }],
    ['max_age=600, signed in 2 minutes ago', request({ maxAge: 600 }), ctx(signedIn(120_000)), { next: 'code' }],
    ['third-party client', request({ client: { ...firstParty, firstParty: false } }), ctx(signedIn(1000)), { next: 'consent', scopes: ['openid', 'email'] }],
    ['third-party client, allowed', request({ client: { ...firstParty, firstParty: false } }), ctx(signedIn(1000), 'allow'), { next: 'code' }],
    ['third-party client, denied', request({ client: { ...firstParty, firstParty: false } }), ctx(signedIn(1000), 'deny'), { error: 'access_denied' }],
    ['third-party client, prompt=none', request({ client: { ...firstParty, firstParty: false }, prompt: new Set(['none']) }), ctx(signedIn(1000)), { error: 'consent_required' }],
    ['first-party client, prompt=consent', request({ prompt: new Set(['consent']) }), ctx(signedIn(1000)), { next: 'consent', scopes: ['openid', 'email'] }],
  ] as const)('%s', (_name, req, context, expected) => {
    expect(error(authorizationStep(req, context))).toMatchObject(expected);
  });

  it('an error redirect keeps the registered redirect URI and its query exactly, and adds iss', () => {
    const silent = authorizationStep(request({ redirectUri: 'https://app.example/cb?tenant=a', prompt: new Set(['none']) }), ctx(null));
    expect(silent.next === 'redirect' && silent.url.startsWith('https://app.example/cb?tenant=a&error=login_required&')).toBe(true);
  });
});
