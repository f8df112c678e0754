import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLatchkey, loadConfig, type Latchkey } from '../../src/index.ts';
import { fastifyBearer, requireRole } from '../../src/verify/index.ts';
import { NO_THROTTLE, PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { TEST_ARGON2 } from '../helpers/server.ts';

const PREFIX = '/auth-server';

/** latchkey over a fresh SQLite dir, its issuer at `http://127.0.0.1:<port>/auth-server` (the port is fixed up after listening). */
async function startLatchkey(issuer: string): Promise<{ latchkey: Latchkey; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-embed-'));
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_ISSUER: issuer, LATCHKEY_PASSWORD_GRANT: 'true', ...NO_THROTTLE });
  return { latchkey: await createLatchkey(config, { argon2: TEST_ARGON2, logger: false }), dataDir };
}

/** Signs up and logs in through the browser API under `base`; returns the access token and the refresh cookie as set. */
async function signIn(base: string, origin: string) {
  const email = uniqueEmail('embed');
  const headers = { 'content-type': 'application/json', origin };
  const register = await fetch(`${base}/auth/register`, { method: 'POST', headers, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(register.status).toBe(201);
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ email, password: PASSWORD }) });
  expect(login.status).toBe(200);
  const { access_token: accessToken } = (await login.json()) as { access_token: string };
  return { accessToken, setCookie: login.headers.get('set-cookie') ?? '' };
}

/** The browser side of a refresh: sends the cookie back to `<base>/auth/refresh`. */
async function refresh(base: string, origin: string, setCookie: string) {
  return fetch(`${base}/auth/refresh`, { method: 'POST', headers: { origin, cookie: setCookie.split(';')[0]! } });
}

describe('inside a Fastify app: app.register(latchkey.plugin, { prefix })', () => {
  let host: FastifyInstance;
  let latchkey: Latchkey;
  let dataDir: string;
  let base: string;
  let origin: string;
  const hostLines: string[] = [];

  beforeAll(async () => {
    // The port is known only after listening: reserve one, then start latchkey with the issuer on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    origin = `http://127.0.0.1:${port}`;
    ({ latchkey, dataDir } = await startLatchkey(`${origin}${PREFIX}`));

    host = Fastify({ logger: { level: 'info', stream: { write: (line: string) => hostLines.push(line) } } });
    host.get('/', async () => ({ app: 'host' }));
    await host.register(latchkey.plugin, { prefix: PREFIX });
    host.register(async (api) => {
      api.addHook('onRequest', fastifyBearer(latchkey.verify));
      api.get('/api/profile', async (request) => ({ userId: request.latchkey!.sub }));
      api.get('/api/admin', { onRequest: requireRole('admin') }, async () => ({ secret: 42 }));
    });
    await host.listen({ host: '127.0.0.1', port });
    base = `${origin}${PREFIX}`;
  });
  afterAll(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the JWKS and the metadata under the prefix, with URLs under the prefix', async () => {
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    const metadata = (await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;
    expect(metadata.issuer).toBe(base);
    expect(metadata.token_endpoint).toBe(`${base}/oauth/token`);
    expect(metadata.jwks_uri).toBe(`${base}/.well-known/jwks.json`);
    expect((await fetch(`${origin}/.well-known/jwks.json`)).status).toBe(404); // nothing outside the prefix
  });

  it('the browser API works under the prefix: the refresh cookie is scoped to it and refreshes', async () => {
    const { setCookie } = await signIn(base, origin);
    expect(setCookie).toMatch(/Path=\/auth-server\/auth(;|$)/);
    expect(setCookie).toMatch(/HttpOnly/);
    const refreshed = await refresh(base, origin, setCookie);
    expect(refreshed.status).toBe(200);
  });

  it('the OAuth API works under the prefix', async () => {
    const email = uniqueEmail('oauth');
    await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    const res = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
  });

  it("the host's own routes accept latchkey's tokens (verified in-process) and enforce roles", async () => {
    const { accessToken } = await signIn(base, origin);
    const profile = await fetch(`${origin}/api/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { userId: string }).userId).toMatch(/.+/);
    expect((await fetch(`${origin}/api/admin`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(403);
    expect((await fetch(`${origin}/api/profile`)).status).toBe(401);
    expect((await fetch(`${origin}/api/profile`, { headers: { authorization: 'Bearer forged.token.here' } })).status).toBe(401);
  });

  it('serves the account page under the prefix, its script and style by relative URLs that resolve there', async () => {
    const page = await fetch(`${base}/account`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = new URL(/<script type="module" src="([^"]+)"/.exec(html)![1]!, `${base}/account`);
    expect(script.pathname).toBe(`${PREFIX}/account/app.js`);
    expect((await fetch(script)).status).toBe(200);
  });

  it('keeps its strict input and error format inside the host (whose validator coerces types)', async () => {
    for (const body of ['{"email":{"$ne":1},"password":["x"]}', '{"email":"a@example.com"}', '{']) {
      const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });

  it('publishes an OpenAPI document whose server URL plus path is where each route answers', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { servers: Array<{ url: string }>; paths: Record<string, unknown> };
    expect(doc.paths).toHaveProperty(`${PREFIX}/auth/login`);
    expect(`${doc.servers[0]!.url}${PREFIX}/auth/login`).toBe(`${base}/auth/login`);
  });

  it("leaves the host's other routes and error handling alone, and logs through the host's logger", async () => {
    expect(await (await fetch(`${origin}/`)).json()).toEqual({ app: 'host' });
    const missing = await fetch(`${origin}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBeNull(); // latchkey's headers stay on its routes
    await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"x@example.com","password":"wrong-password"}' });
    expect(hostLines.some((line) => line.includes('/auth-server/auth/login'))).toBe(true);
    expect(hostLines.join('\n')).not.toContain('wrong-password');
  });
});

describe('inside Express or node:http: latchkey.handler(prefix)', () => {
  let server: Server;
  let latchkey: Latchkey;
  let dataDir: string;
  let origin: string;

  beforeAll(async () => {
    ({ latchkey, dataDir } = await startLatchkey(`http://127.0.0.1${PREFIX}`));
    const app = express();
    app.use(PREFIX, latchkey.handler()); // the prefix defaults to the issuer's path; before any body parser
    app.use(express.json());
    app.get('/', (_req, res) => {
      res.json({ app: 'express' });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await latchkey.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API under the mount path, the cookie scoped to it, and leaves the rest to Express', async () => {
    const base = `${origin}${PREFIX}`;
    const jwks = await fetch(`${base}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const { setCookie } = await signIn(base, 'http://127.0.0.1');
    expect(setCookie).toMatch(/Path=\/auth-server\/auth(;|$)/);
    expect((await refresh(base, 'http://127.0.0.1', setCookie)).status).toBe(200);
    expect(await (await fetch(`${origin}/`)).json()).toEqual({ app: 'express' });
  });

  it('answers bad input under the mount path with its own JSON errors', async () => {
    const res = await fetch(`${origin}${PREFIX}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});
