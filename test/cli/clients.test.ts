import path from 'node:path';
import SQLite from 'better-sqlite3';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPageServer } from '../e2e/page-server.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { authorizationRequest, continueAuthorization, insecure } from '../oauth/oidc-harness.ts';
import { runCli } from './run-cli.ts';

/**
 * `latchkey clients` beside a running server on the same SQLite file: the server sees a client the
 * moment the CLI adds it (no restart), a confidential client's secret is printed once and stored
 * only as a hash, and a removed client can no longer start a sign-in.
 */
describe('latchkey clients add|list|remove against a running server', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    server = await startPageServer(NO_THROTTLE);
    env = { LATCHKEY_DATA_DIR: server.dataDir };
    const issuer = new URL(server.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
  });
  afterAll(() => server?.close());

  it('a confidential client added by the CLI signs a user in at once, with client_secret_basic; its secret is only hashed at rest', async () => {
    const added = await runCli(
      ['clients', 'add', '--name', 'Billing', '--type', 'confidential', '--id', 'billing', '--redirect-uri', 'https://billing.example/cb', '--redirect-uri', 'http://127.0.0.1/cb'],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('client_id: billing');
    const secret = /client_secret: (\S+)/.exec(added.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const browser = new BrowserClient(server.url);
    const email = uniqueEmail('cli-client');
    await browser.register(email, PASSWORD);
    await browser.login(email, PASSWORD);
    const request = await authorizationRequest(as, 'billing', 'http://127.0.0.1:4711/cb');
    const step = await continueAuthorization(server, request.url, browser.accessToken);
    expect(step.body.next).toBe('redirect');
    const client: oauth.Client = { client_id: 'billing', id_token_signed_response_alg: 'ES256' };
    const params = oauth.validateAuthResponse(as, client, new URL(step.body.url!), request.state);

    const wrong = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic('not-the-secret'), params, 'http://127.0.0.1:4711/cb', request.verifier, insecure);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });

    // The refused attempt did not use the code up: only an authenticated client can burn it.
    const right = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretBasic(secret!), params, 'http://127.0.0.1:4711/cb', request.verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, right, { expectedNonce: request.nonce, requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ aud: 'billing', email });
    const noSecret = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure);
    expect(noSecret.status).toBe(401);

    const db = new SQLite(path.join(server.dataDir, 'latchkey.db'), { readonly: true });
    const dump = JSON.stringify(db.prepare('SELECT * FROM oauth_clients').all());
    db.close();
    expect(dump).not.toContain(secret);

    const listed = await runCli(['clients', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ id: 'billing', name: 'Billing', type: 'confidential', firstParty: true }));
    expect(listed.stdout).not.toContain('secret');

    expect((await runCli(['clients', 'remove', 'billing'], env)).code).toBe(0);
    const gone = await fetch(request.url, { redirect: 'manual' });
    expect(gone.status).toBe(400);
    expect(await gone.json()).toMatchObject({ error_description: 'This app is not registered with latchkey.' });
  }, 60_000);

  it('refuses a redirect URI that could leak codes (plain http off loopback), exit 2, nothing stored', async () => {
    const refused = await runCli(['clients', 'add', '--name', 'X', '--redirect-uri', 'http://app.example/cb'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('loopback');
    expect(await server.latchkey.oauth.store.listClients()).toEqual([]);
  }, 30_000);
});
