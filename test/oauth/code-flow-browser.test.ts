import fs from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OAuthClient } from '../../src/oauth/clients.ts';
import { startPageServer } from '../e2e/page-server.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { addClient, authorizationRequest, insecure, startRelyingParty, type RelyingParty } from './oidc-harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the OIDC browser suite: no Chromium at ${CHROMIUM}`);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The whole authorization code flow with PKCE, driven by oauth4webapi (unmodified, an independent
 * certified client) against a running latchkey, with Chromium signing in on latchkey's own page.
 */
describe.skipIf(!hasChromium)('OpenID Connect code flow: oauth4webapi + Chromium against a running latchkey', () => {
  let server: TestServer;
  let rp: RelyingParty;
  let browser: Browser;
  let as: oauth.AuthorizationServer;
  let registered: OAuthClient;
  let client: oauth.Client;
  let redirectUri: string;

  beforeAll(async () => {
    [server, rp] = await Promise.all([startPageServer({ ...NO_THROTTLE, LATCHKEY_KEY_ACTIVATION_DELAY: '0' }), startRelyingParty()]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    redirectUri = `${rp.url}/callback`;
    registered = await addClient(server, { redirectUris: [redirectUri], postLogoutRedirectUris: [`${rp.url}/signed-out`], name: 'Grafana' });
    client = { client_id: registered.id, id_token_signed_response_alg: 'ES256' };
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.close(), rp?.close()]);
  });

  async function newBrowser(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    return { context, page, problems };
  }

  async function account(): Promise<string> {
    const email = uniqueEmail('oidc');
    expect((await new BrowserClient(server.url).register(email, PASSWORD, 'Ann Example')).status).toBe(201);
    return email;
  }

  const callback = (page: Page) => page.waitForURL((url) => url.href.startsWith(redirectUri));

  it('discovery, sign-in on the authorize page, code exchange, id_token, userinfo, refresh rotation, RP-initiated logout', async () => {
    expect(as).toMatchObject({
      issuer: server.url,
      authorization_endpoint: `${server.url}/oauth/authorize`,
      userinfo_endpoint: `${server.url}/oauth/userinfo`,
      end_session_endpoint: `${server.url}/oauth/logout`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    const email = await account();
    const { page, context, problems } = await newBrowser();
    const request = await authorizationRequest(as, registered.id, redirectUri);

    await page.goto(request.url.href);
    await expect.poll(() => page.getByText('Sign in to continue to Grafana.').isVisible()).toBe(true);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await callback(page);

    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, request.verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: request.nonce, requireIdToken: true });
    const idClaims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(idClaims).toMatchObject({ iss: server.url, aud: registered.id, nonce: request.nonce, email, email_verified: false, name: 'Ann Example' });
    expect(typeof idClaims.auth_time).toBe('number');
    expect(typeof idClaims.sid).toBe('string');
    expect(tokens.scope).toBe('openid email profile offline_access');
    // The signature too, with the published keys (oauth4webapi leaves that to TLS).
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: server.url, audience: registered.id });
    expect(protectedHeader.typ).toBe('JWT');
    const access = await jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: server.url, typ: 'at+jwt' });
    expect(access.payload).toMatchObject({ sub: idClaims.sub, sid: idClaims.sid, client_id: registered.id });

    const info = await oauth.processUserInfoResponse(as, client, idClaims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure));
    expect(info).toEqual({ sub: idClaims.sub, email, email_verified: false, name: 'Ann Example' });

    const refreshed = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const again = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure));
    expect((await jwtVerify(again.access_token, jwks, { issuer: server.url, audience: server.url })).payload.sid).toBe(idClaims.sid);

    // The account page (same browser, signed in by the authorize page) shows the app beside the device.
    await page.goto(`${server.url}/account`);
    await expect.poll(() => page.locator('.device-app').allTextContents()).toContain(' · Grafana');

    const logout = new URL(as.end_session_endpoint!);
    logout.search = new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${rp.url}/signed-out`, state: 'bye' }).toString();
    await page.goto(logout.href);
    await page.waitForURL(`${rp.url}/signed-out?state=bye`);
    const after = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), again.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, after)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a browser signed in to latchkey goes straight back to the app; prompt=login asks for the password again', async () => {
    const email = await account();
    const { page, context, problems } = await newBrowser();
    const first = await authorizationRequest(as, registered.id, redirectUri);
    await page.goto(first.url.href);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await callback(page);

    const second = await authorizationRequest(as, registered.id, redirectUri);
    await page.goto(second.url.href);
    await callback(page); // no form: the refresh cookie signed the page in
    expect(oauth.validateAuthResponse(as, client, new URL(page.url()), second.state).get('code')).toBeTruthy();

    const third = await authorizationRequest(as, registered.id, redirectUri, { prompt: 'login' });
    await page.goto(third.url.href);
    await expect.poll(() => page.getByText('Grafana asks you to sign in again.').isVisible()).toBe(true);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await callback(page);
    const params = oauth.validateAuthResponse(as, client, new URL(page.url()), third.state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, third.verifier, insecure),
      { expectedNonce: third.nonce, requireIdToken: true },
    );
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims.auth_time).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 30);
    // The browser's earlier latchkey session gave way to the new sign-in: the new one and the app's remain.
    const live = await server.latchkey.auth.sessions(claims.sub);
    expect(live.map((s) => s.clientId ?? 'browser').sort()).toEqual(['browser', registered.id].sort());
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a third-party app gets the consent screen; Deny sends access_denied back to it', async () => {
    const email = await account();
    const thirdParty = await addClient(server, { redirectUris: [redirectUri], firstParty: false, name: 'Partner' });
    const { page, context } = await newBrowser();
    const request = await authorizationRequest(as, thirdParty.id, redirectUri, { scope: 'openid email' });
    await page.goto(request.url.href);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Allow Partner?' }).isVisible()).toBe(true);
    expect(await page.locator('#consent-view li').allTextContents()).toEqual(['Know who you are (your account id)', 'See your e-mail address']);
    await page.getByRole('button', { name: 'Deny' }).click();
    await callback(page);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ error: 'access_denied', state: request.state, iss: server.url });
    await context.close();
  });
});
