import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, OAUTH_ERROR } from '../../src/http/error-status.ts';
import { CHROME_LINUX } from '../helpers/browser-client.ts';
import { signedIn } from '../helpers/http-auth.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

const ISSUER = 'https://auth.example.com/tenant-a';

describe('RFC 8414 metadata and the OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_ISSUER: ISSUER, LATCHKEY_COOKIE_SECURE: 'false' });
  });
  afterAll(() => server.close());

  it('GET /.well-known/oauth-authorization-server: absolute URLs under LATCHKEY_ISSUER', async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/oauth/authorize`,
      token_endpoint: `${ISSUER}/oauth/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      grant_types_supported: ['password', 'authorization_code', 'refresh_token'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ['openid', 'email', 'profile', 'offline_access'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('GET /openapi.json: an OpenAPI 3.1 document with every route of the HTTP API', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: ISSUER }]);
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /auth/register', 'POST /auth/login', 'POST /auth/refresh', 'POST /auth/logout', 'GET /auth/me',
        'GET /auth/sessions', 'DELETE /auth/sessions/{id}', 'DELETE /auth/sessions', 'GET /auth/events', 'POST /auth/password',
        'POST /oauth/token', 'POST /oauth/revoke', 'GET /.well-known/oauth-authorization-server', 'GET /.well-known/jwks.json',
        'GET /healthz', 'GET /readyz',
        'POST /auth/password/forgot', 'POST /auth/password/reset', 'POST /auth/email/verification', 'POST /auth/email/verify', 'POST /auth/email',
        'GET /oauth/authorize', 'POST /oauth/authorize/continue', 'GET /oauth/userinfo', 'GET /oauth/logout',
        'GET /.well-known/openid-configuration',
      ]),
    );
    expect(routes).not.toContain('GET /openapi.json');
    const token = doc.paths['/oauth/token']!.post;
    expect(Object.keys(token.requestBody.content)).toEqual(['application/x-www-form-urlencoded', 'application/json']);
    expect(Object.keys(token.responses['200'].content['application/json'].schema.properties).sort()).toEqual([
      'access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type',
    ]);
    expect(doc.paths['/auth/login']!.post.responses['401'].content['application/json'].schema.properties).toHaveProperty('error_description');
    expect(doc.paths['/auth/me']!.get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/auth/email']!.post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths['/auth/password/forgot']!.post.responses)).toEqual(expect.arrayContaining(['202', '400', '429']));
  });

  it('the response schemas serialize every field the browser API sends (nothing dropped)', async () => {
    const { client } = await signedIn(server.url, { headers: { 'user-agent': CHROME_LINUX } });
    const sessions = await client.request('GET', '/auth/sessions');
    expect(sessions.status).toBe(200);
    expect(Object.keys(sessions.body.sessions[0]).sort()).toEqual(
      ['app', 'createdAt', 'current', 'device', 'deviceId', 'expiresAt', 'id', 'ip', 'lastActiveAt', 'lastIp', 'userAgent'],
    );
    expect(sessions.body.sessions[0]).toMatchObject({ app: null, deviceId: null, device: { browser: 'Chrome', os: 'Linux', type: 'desktop' } });
    const events = await client.request('GET', '/auth/events');
    const newDevice = events.body.events.find((e: { type: string }) => e.type === 'new_device');
    expect(newDevice.detail).toMatchObject({ browser: 'Chrome', os: 'Linux', type: 'desktop' });
    expect(Object.keys(newDevice).sort()).toEqual(['at', 'detail', 'device', 'id', 'ip', 'sessionId', 'type', 'userAgent']);
    expect(newDevice.device).toEqual({ browser: 'Chrome', os: 'Linux', type: 'desktop' });
    const me = await client.request('GET', '/auth/me');
    expect(Object.keys(me.body.user).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id']);
  });

  it('documents every error code the server sends, with its status on each API, on every error response', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    const errorSchemas = Object.values(doc.paths)
      .flatMap((operations) => Object.values(operations))
      .flatMap((op) => Object.entries(op.responses ?? {}).filter(([status]) => Number(status) >= 400).map(([, r]) => r as any))
      .map((r) => r.content?.['application/json']?.schema?.properties?.error);
    expect(errorSchemas.length).toBeGreaterThan(10);
    for (const error of errorSchemas) {
      expect(new Set(error.enum)).toEqual(new Set(Object.keys(ERROR_STATUS)));
      for (const [code, status] of Object.entries(ERROR_STATUS)) expect(error.description).toContain(`${code} (${status}`);
      for (const [code, [sent, status]] of Object.entries(OAUTH_ERROR)) {
        if (sent !== code || status !== ERROR_STATUS[code as keyof typeof ERROR_STATUS]) expect(error.description).toContain(`${code} (${ERROR_STATUS[code as keyof typeof ERROR_STATUS]}; OAuth API: ${sent} ${status})`);
      }
    }
  });
});
