import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { ISSUER, startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

/**
 * Unmodified third-party clients against a real latchkey: oauth4webapi does discovery, the password
 * grant, refresh rotation and revocation; jose verifies the access tokens on its own. The test
 * server's issuer is `http://latchkey.test`; the clients' `customFetch` resolves that host to the
 * loopback server (what DNS would do), and `allowInsecureRequests` permits http on loopback.
 */
describe('interop: oauth4webapi and jose against a running latchkey', () => {
  let server: TestServer;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: 'interop-test-app' };
  const auth = oauth.None();
  const resolve = (input: string | URL | Request): string => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return url.startsWith(ISSUER) ? server.url + url.slice(ISSUER.length) : url;
  };
  const options = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: (input: string | URL | Request, init?: RequestInit) => fetch(resolve(input), init),
  } as const;

  beforeAll(async () => {
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_KEY_ACTIVATION_DELAY: '0' }); // a rotated key signs at once
    const response = await oauth.discoveryRequest(new URL(ISSUER), { ...options, algorithm: 'oauth2' });
    as = await oauth.processDiscoveryResponse(new URL(ISSUER), response);
  });
  afterAll(() => server.close());

  async function account(): Promise<string> {
    const email = uniqueEmail('interop');
    expect((await new BrowserClient(server.url).register(email, PASSWORD)).status).toBe(201);
    return email;
  }
  const passwordGrant = async (username: string, password = PASSWORD) =>
    oauth.processGenericTokenEndpointResponse(
      as,
      client,
      await oauth.genericTokenEndpointRequest(as, client, auth, 'password', { username, password }, options),
    );
  const refreshGrant = async (refreshToken: string) =>
    oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, options));
  const joseVerify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(resolve(as.jwks_uri!))), {
      issuer: ISSUER,
      audience: ISSUER,
      typ: 'at+jwt',
      algorithms: ['ES256', 'EdDSA', 'RS256'],
    });

  it('discovery (RFC 8414): the metadata names every endpoint, absolute under the issuer', () => {
    expect(as).toMatchObject({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/oauth/token`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      grant_types_supported: ['password', 'authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('discovery refuses a metadata document for another issuer (the client checks, and we pass)', async () => {
    const response = await oauth.discoveryRequest(new URL(ISSUER), { ...options, algorithm: 'oauth2' });
    await expect(oauth.processDiscoveryResponse(new URL('http://other.test'), response)).rejects.toThrow(/issuer/);
  });

  it('password grant, then jose verifies the access token independently of latchkey/verify', async () => {
    const email = await account();
    const tokens = await passwordGrant(email);
    expect(tokens.token_type).toBe('bearer'); // oauth4webapi lower-cases it
    expect(tokens.expires_in).toBe(900);
    expect(typeof tokens.refresh_token).toBe('string');
    const { payload, protectedHeader } = await joseVerify(tokens.access_token);
    expect(protectedHeader).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'email_verified', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
  });

  it('a wrong password surfaces in the client as invalid_grant with status 400', async () => {
    const email = await account();
    const err = await passwordGrant(email, 'not the password').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oauth.ResponseBodyError);
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('refresh-grant rotation: each refresh returns a new refresh token; a rotated one is refused afterwards', async () => {
    const email = await account();
    const first = await passwordGrant(email);
    const second = await refreshGrant(first.refresh_token!);
    expect(second.refresh_token).toBeDefined();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const third = await refreshGrant(second.refresh_token!);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    const claims = await Promise.all([first, second, third].map((t) => joseVerify(t.access_token)));
    expect(new Set(claims.map((c) => c.payload.sid)).size).toBe(1);
    expect(new Set(claims.map((c) => c.payload.jti)).size).toBe(3);
  });

  it('revocation (RFC 7009): the client revokes the refresh token and the session ends', async () => {
    const email = await account();
    const tokens = await passwordGrant(email);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.refresh_token!, options));
    const err = await refreshGrant(tokens.refresh_token!).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('revocation of an unknown token succeeds as RFC 7009 says', async () => {
    await expect(
      oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, 'never-issued', options)),
    ).resolves.toBeUndefined();
  });

  it('after a key rotation on the server, jose verifies tokens of the old and the new key from the JWKS', async () => {
    const email = await account();
    const before = await passwordGrant(email);
    await server.latchkey.keys.rotate();
    const after = await refreshGrant(before.refresh_token!);
    const [a, b] = await Promise.all([joseVerify(before.access_token), joseVerify(after.access_token)]);
    expect(a.protectedHeader.kid).not.toBe(b.protectedHeader.kid);
  });

  it('jose refuses a token whose signature was tampered with', async () => {
    const email = await account();
    const { access_token: jwt } = await passwordGrant(email);
    const [h, p] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'someone-else' })).toString('base64url')}.${jwt.split('.')[2]}`;
    await expect(joseVerify(forged)).rejects.toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
  });
});
