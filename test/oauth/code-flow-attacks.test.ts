import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import type { OAuthClient } from '../../src/oauth/clients.ts';
import { startPageServer } from '../e2e/page-server.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { addClient, authorizationRequest, continueAuthorization, insecure, startRelyingParty, type RelyingParty } from './oidc-harness.ts';

/**
 * The attacks RFC 9700 (OAuth 2.0 Security BCP) §4 lists against the authorization code flow, each
 * tried against a running latchkey and refused. oauth4webapi plays the honest client where the
 * defence is the client's own check (state, iss), fed what latchkey really sends.
 */
describe('authorization code flow: the RFC 9700 attacks fail', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let rp: RelyingParty;
  let as: oauth.AuthorizationServer;
  let appA: OAuthClient;
  let appB: OAuthClient;
  let redirectUri: string;

  beforeAll(async () => {
    [server, rp] = await Promise.all([startPageServer(NO_THROTTLE, { clock }), startRelyingParty()]);
    redirectUri = `${rp.url}/callback`;
    appA = await addClient(server, { redirectUris: [redirectUri], postLogoutRedirectUris: [`${rp.url}/bye`] });
    appB = await addClient(server, { redirectUris: [`${rp.url}/b`], postLogoutRedirectUris: [`${rp.url}/b-bye`] });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
  });
  afterAll(() => Promise.all([server?.close(), rp?.close()]));

  const asClient = (app: OAuthClient): oauth.Client => ({ client_id: app.id, id_token_signed_response_alg: 'ES256' });

  /** A signed-in browser's access token (the authorize page's sign-in, over the API). */
  async function signedInBrowser(): Promise<string> {
    const browser = new BrowserClient(server.url);
    const email = uniqueEmail('attack');
    expect((await browser.register(email, PASSWORD)).status).toBe(201);
    expect((await browser.login(email, PASSWORD)).status).toBe(200);
    return browser.accessToken!;
  }

  /** An authorization response for `app` (signed in, consented), as the client's redirect URI receives it. */
  async function authorized(app = appA, uri = redirectUri, extra: Record<string, string> = {}) {
    const request = await authorizationRequest(as, app.id, uri, extra);
    const step = await continueAuthorization(server, request.url, await signedInBrowser());
    expect(step.body.next).toBe('redirect');
    return { ...request, response: new URL(step.body.url!) };
  }

  function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
    return fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }));
  }

  const exchange = (code: string, verifier: string, app = appA, uri = redirectUri) =>
    tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: uri, code_verifier: verifier, client_id: app.id });
  const refresh = (token: string, app: OAuthClient | null = appA) =>
    tokenRequest({ grant_type: 'refresh_token', refresh_token: token, ...(app && { client_id: app.id }) });

  it('a replayed code is refused, and its replay ends the session the first use started (RFC 6749 §4.1.2)', async () => {
    const { response, verifier } = await authorized();
    const code = response.searchParams.get('code')!;
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    expect(await exchange(code, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(first.body.refresh_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const me = await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${first.body.access_token}` } });
    expect(me.status).toBe(401);
  });

  it('a code with the wrong verifier, or none, is refused; a wrong guess burns the code', async () => {
    const { response, verifier } = await authorized();
    const code = response.searchParams.get('code')!;
    expect(await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: appA.id })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await exchange(code, oauth.generateRandomCodeVerifier())).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange(code, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a code expires after 60 seconds', async () => {
    const { response, verifier } = await authorized();
    clock.advance(61);
    expect(await exchange(response.searchParams.get('code')!, verifier)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it.each([
    ['a path segment', '/callback/evil'],
    ['a query parameter', '/callback?next=https://evil.example'],
    ['a trailing slash', '/callback/'],
  ])('a redirect URI differing by %s is refused on the page, never redirected to', async (_what, suffix) => {
    const uri = `${rp.url}${suffix}`;
    const hits = rp.hits.length;
    const request = await authorizationRequest(as, appA.id, uri);
    const res = await fetch(request.url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('The redirect_uri is not one registered for this app.');
    expect(rp.hits.length).toBe(hits);
  });

  it('the token request must name the redirect URI of the authorization request exactly', async () => {
    const { response, verifier } = await authorized();
    expect(await exchange(response.searchParams.get('code')!, verifier, appA, `${redirectUri}/`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  it('state comes back unchanged, and a response whose state was dropped is refused by the client', async () => {
    const { response, state } = await authorized();
    expect(response.searchParams.get('state')).toBe(state);
    const dropped = new URL(response);
    dropped.searchParams.delete('state');
    expect(() => oauth.validateAuthResponse(as, asClient(appA), dropped, state)).toThrow(/state/);
  });

  it('mix-up: every authorization response carries iss (RFC 9207), so a client expecting another server refuses it', async () => {
    const { response, state } = await authorized();
    expect(response.searchParams.get('iss')).toBe(server.url);
    const other: oauth.AuthorizationServer = { ...as, issuer: 'https://other-idp.example' };
    expect(() => oauth.validateAuthResponse(other, asClient(appA), response, state)).toThrow(/iss/);
    const withoutIss = new URL(response);
    withoutIss.searchParams.delete('iss');
    expect(() => oauth.validateAuthResponse(as, asClient(appA), withoutIss, state)).toThrow(/iss/);
  });

  it('a code issued to client A cannot be redeemed by client B', async () => {
    const { response, verifier } = await authorized();
    const code = response.searchParams.get('code')!;
    expect(await exchange(code, verifier, appB, redirectUri)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await exchange(code, verifier, appB, `${rp.url}/b`)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('a refresh token is bound to its client: client B, or no client, gets invalid_grant', async () => {
    const { response, verifier } = await authorized();
    const tokens = (await exchange(response.searchParams.get('code')!, verifier)).body;
    expect(await refresh(tokens.refresh_token!, appB)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(tokens.refresh_token!, null)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await refresh(tokens.refresh_token!, appA)).status).toBe(200);
  });

  it('open redirect: logout goes only to a post_logout_redirect_uri registered for the id_token\'s client', async () => {
    const { response, verifier } = await authorized();
    const tokens = (await exchange(response.searchParams.get('code')!, verifier)).body;
    const tries: Record<string, string>[] = [
      { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' },
      { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.url}/b-bye` }, // another client's
      { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.url}/bye/` },
      { post_logout_redirect_uri: `${rp.url}/bye` }, // no client named at all
      { id_token_hint: `${tokens.id_token!.slice(0, -4)}AAAA`, post_logout_redirect_uri: `${rp.url}/bye` }, // forged hint
    ];
    for (const params of tries) {
      const res = await fetch(`${server.url}/oauth/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
    const ok = await fetch(`${server.url}/oauth/logout?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.url}/bye`, state: 's1' })}`, { redirect: 'manual' });
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(`${rp.url}/bye?state=s1`);
  });

  it('PKCE is required and plain is refused: the error goes back to the (valid) redirect URI with iss', async () => {
    for (const extra of [{ code_challenge_method: 'plain' }, { code_challenge: '' }] as Record<string, string>[]) {
      const request = await authorizationRequest(as, appA.id, redirectUri, extra);
      if (extra.code_challenge === '') request.url.searchParams.delete('code_challenge');
      const res = await fetch(request.url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.href.startsWith(`${redirectUri}?`)).toBe(true);
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'invalid_request', state: request.state, iss: server.url });
    }
  });

  it('an unknown client sees the error on the page, never a redirect', async () => {
    const request = await authorizationRequest(as, 'no-such-app', redirectUri);
    const res = await fetch(request.url, { redirect: 'manual', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('This app is not registered with latchkey.');
    const api = await fetch(request.url, { redirect: 'manual' });
    expect(await api.json()).toEqual({ error: 'invalid_request', error_description: 'This app is not registered with latchkey.' });
  });

  it('prompt=none without a signed-in browser answers login_required at the redirect URI', async () => {
    const request = await authorizationRequest(as, appA.id, redirectUri, { prompt: 'none' });
    const step = await continueAuthorization(server, request.url, undefined);
    const url = new URL(step.body.url!);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ error: 'login_required', state: request.state, iss: server.url });
  });

  it('max_age: a sign-in older than max_age is asked again (and prompt=none then gets login_required)', async () => {
    const token = await signedInBrowser();
    clock.advance(120);
    const asked = await continueAuthorization(server, (await authorizationRequest(as, appA.id, redirectUri, { max_age: '60' })).url, token);
    expect(asked.body).toEqual({ next: 'login' });
    const silent = await continueAuthorization(server, (await authorizationRequest(as, appA.id, redirectUri, { max_age: '60', prompt: 'none' })).url, token);
    expect(new URL(silent.body.url!).searchParams.get('error')).toBe('login_required');
    const fine = await continueAuthorization(server, (await authorizationRequest(as, appA.id, redirectUri, { max_age: '600' })).url, token);
    expect(fine.body.next).toBe('redirect');
  });

  it('the password grant is off by default (RFC 9700 §2.4): refused, and not advertised', async () => {
    const browser = new BrowserClient(server.url);
    const email = uniqueEmail('no-password-grant');
    await browser.register(email, PASSWORD);
    expect(await tokenRequest({ grant_type: 'password', username: email, password: PASSWORD })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(as.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
  });
});
