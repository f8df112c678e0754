import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../src/oauth/clients.ts';
import { startPageServer } from '../e2e/page-server.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { addClient, authorizationRequest, continueAuthorization, insecure } from './oidc-harness.ts';

/**
 * The OpenID Connect Basic OP conformance plan's modules that the other suites do not already cover
 * (docs/oidc.md maps every module to its test). oauth4webapi checks each response as a certified
 * relying party would.
 */
describe('OpenID Connect Basic OP profile', () => {
  const redirectUri = 'https://rp.example/cb';
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  let app: OAuthClient;
  let confidential: OAuthClient;
  let email: string;
  let browserToken: string;

  beforeAll(async () => {
    server = await startPageServer(NO_THROTTLE);
    app = await addClient(server, { redirectUris: [redirectUri] });
    confidential = await addClient(server, { redirectUris: [redirectUri], secret: 'the-confidential-secret' });
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
    const browser = new BrowserClient(server.url);
    email = uniqueEmail('basic-op');
    await browser.register(email, PASSWORD, 'Basic Tester');
    await browser.login(email, PASSWORD);
    browserToken = browser.accessToken!;
  });
  afterAll(() => server?.close());

  const rp = (c: OAuthClient): oauth.Client => ({ client_id: c.id, id_token_signed_response_alg: 'ES256' });

  /** Authorize (signed in), exchange, and return what oauth4webapi validated. */
  async function flow(extra: Record<string, string> = {}, c = app, auth = oauth.None(), drop: string[] = []) {
    const request = await authorizationRequest(as, c.id, redirectUri, extra);
    for (const name of drop) request.url.searchParams.delete(name);
    const step = await continueAuthorization(server, request.url, browserToken);
    expect(step.body.next, JSON.stringify(step.body)).toBe('redirect');
    const params = oauth.validateAuthResponse(as, rp(c), new URL(step.body.url!), request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, rp(c), auth, params, redirectUri, request.verifier, insecure);
    const openid = extra.scope?.includes('openid') ?? true;
    const expectedNonce = drop.includes('nonce') || !openid ? oauth.expectNoNonce : request.nonce;
    const tokens = await oauth.processAuthorizationCodeResponse(as, rp(c), response, { expectedNonce, requireIdToken: openid });
    return { tokens, claims: oauth.getValidatedIdTokenClaims(tokens) };
  }

  it('oidcc-discovery-endpoint-verification: the required metadata', () => {
    expect(as).toMatchObject({
      issuer: server.url,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: expect.arrayContaining(['openid']),
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
      claims_supported: expect.arrayContaining(['sub', 'email', 'auth_time']),
    });
  });

  it('oidcc-response-type-missing: the error goes back to the client, with state and iss', async () => {
    const request = await authorizationRequest(as, app.id, redirectUri);
    request.url.searchParams.delete('response_type');
    const res = await fetch(request.url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(Object.fromEntries(new URL(res.headers.get('location')!).searchParams)).toMatchObject({ error: 'invalid_request', state: request.state, iss: server.url });
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow, and the id_token then has no nonce', async () => {
    const { claims } = await flow({}, app, oauth.None(), ['nonce']);
    expect(claims).not.toHaveProperty('nonce');
  });

  it('oidcc-ensure-other-scope-order-succeeds, oidcc-ensure-request-with-unknown-parameter-succeeds, display, ui_locales, claims_locales, acr_values, login_hint, id_token_hint', async () => {
    const { tokens } = await flow({
      scope: 'email openid',
      display: 'popup',
      ui_locales: 'de-CH',
      claims_locales: 'de',
      acr_values: '1 2',
      login_hint: email,
      id_token_hint: 'ignored',
      unknown_parameter: 'x',
    });
    expect(tokens.scope).toBe('openid email');
  });

  it('oidcc-scope-email and oidcc-scope-profile release only their claims; address and phone are not offered', async () => {
    const byEmail = await flow({ scope: 'openid email' });
    expect(byEmail.claims).toMatchObject({ email, email_verified: false });
    expect(byEmail.claims).not.toHaveProperty('name');
    const byProfile = await flow({ scope: 'openid profile' });
    expect(byProfile.claims).toMatchObject({ name: 'Basic Tester' });
    expect(byProfile.claims).not.toHaveProperty('email');
    const all = await flow({ scope: 'openid email profile address phone' });
    expect(all.tokens.scope).toBe('openid email profile');
    expect(as.scopes_supported).not.toContain('address');
  });

  it('oidcc-prompt-none-logged-in: a signed-in browser gets a code without any page', async () => {
    const { claims } = await flow({ prompt: 'none' });
    expect(claims?.email).toBe(email);
  });

  it('oidcc-max-age-10000: auth_time is in the id_token', async () => {
    const { claims } = await flow({ max_age: '10000' });
    expect(claims?.auth_time).toBeGreaterThan(0);
  });

  it('oidcc-server-client-secret-post, and client_secret_basic', async () => {
    expect((await flow({}, confidential, oauth.ClientSecretPost('the-confidential-secret'))).claims?.aud).toBe(confidential.id);
    expect((await flow({}, confidential, oauth.ClientSecretBasic('the-confidential-secret'))).claims?.aud).toBe(confidential.id);
  });

  it('oidcc-userinfo-get and oidcc-userinfo-post-header; an access token without openid gets 403 insufficient_scope', async () => {
    const { tokens, claims } = await flow();
    const post = await fetch(`${server.url}/oauth/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await post.json()).toEqual({ sub: claims!.sub, email, email_verified: false, name: 'Basic Tester' });
    const plain = await flow({ scope: 'email' });
    const refused = await fetch(`${server.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${plain.tokens.access_token}` } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('oidcc-ensure-post-request-succeeds: the authorization request may come as a form POST', async () => {
    const request = await authorizationRequest(as, app.id, redirectUri);
    const res = await fetch(`${server.url}/oauth/authorize`, { method: 'POST', body: request.url.searchParams, redirect: 'manual' });
    expect(res.status).toBe(303);
    const page = await fetch(new URL(res.headers.get('location')!, server.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<meta name="latchkey-authorize"');
    const notForm = await fetch(`${server.url}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]', redirect: 'manual' });
    expect(notForm.status).toBe(400);
  });

  it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: request objects are refused as unsupported', async () => {
    const request = await authorizationRequest(as, app.id, redirectUri, { request: 'eyJhbGciOiJub25lIn0.e30.' });
    const res = await fetch(request.url, { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('request_not_supported');
  });

  it('oidcc-ensure-redirect-uri-in-authorization-request: the token request without redirect_uri is refused', async () => {
    const request = await authorizationRequest(as, app.id, redirectUri);
    const step = await continueAuthorization(server, request.url, browserToken);
    const code = new URL(step.body.url!).searchParams.get('code')!;
    const res = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: request.verifier, client_id: app.id }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('OpenID Connect Basic OP profile with LATCHKEY_SIGNING_ALG=RS256', () => {
  let server: TestServer;
  afterAll(() => server?.close());

  it('oidcc-idtoken-rs256: id_tokens are RS256 and discovery says so', async () => {
    server = await startPageServer({ ...NO_THROTTLE, LATCHKEY_SIGNING_ALG: 'RS256' });
    const app = await addClient(server, { redirectUris: ['https://rp.example/cb'] });
    const issuer = new URL(server.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
    expect(as.id_token_signing_alg_values_supported).toEqual(['RS256']);
    const browser = new BrowserClient(server.url);
    const email = uniqueEmail('rs256');
    await browser.register(email, PASSWORD);
    await browser.login(email, PASSWORD);
    const request = await authorizationRequest(as, app.id, 'https://rp.example/cb');
    const step = await continueAuthorization(server, request.url, browser.accessToken);
    const client: oauth.Client = { client_id: app.id }; // oauth4webapi expects RS256 by default
    const params = oauth.validateAuthResponse(as, client, new URL(step.body.url!), request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, 'https://rp.example/cb', request.verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: request.nonce, requireIdToken: true });
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  });
});
