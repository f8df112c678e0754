import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, expressBearer, fastifyBearer, verifyRequest, type Verifier } from '../../src/verify/index.ts';
import { ISSUER, startServer, type TestServer } from '../helpers/server.ts';
import { claimsAt, serverToken, unsigned } from './tokens.ts';

interface Api {
  readonly url: string;
  close(): Promise<void>;
}

/** A Fastify resource server: `/public`, and `/private/*` behind the hook. */
async function fastifyApi(verify: Verifier): Promise<Api> {
  const app = Fastify({ logger: false });
  app.get('/public', async () => ({ ok: true }));
  app.register(async (scope) => {
    scope.addHook('onRequest', fastifyBearer(verify, { realm: 'orders' }));
    scope.get('/private/me', async (request) => ({ sub: request.latchkey?.sub, sid: request.latchkey?.sid }));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

/** The same resource server in Express. */
async function expressApi(verify: Verifier): Promise<Api> {
  const app = express();
  app.get('/public', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/private', expressBearer(verify, { realm: 'orders' }));
  app.get('/private/me', (req, res) => {
    res.json({ sub: req.latchkey?.sub, sid: req.latchkey?.sid });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The same resource server written against the Fetch API (as in Hono or a Next.js route handler). */
async function fetchApi(verify: Verifier): Promise<Api> {
  const handle = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    if (path === '/public') return Response.json({ ok: true });
    const result = await verifyRequest(request, verify, { realm: 'orders' });
    if ('response' in result) return result.response;
    return Response.json({ sub: result.claims.sub, sid: result.claims.sid });
  };
  // node:http in front, converting to and from Fetch API objects as those frameworks' adapters do.
  const server = createServer((req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    void handle(new Request(`http://127.0.0.1${req.url}`, { headers })).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each([
  ['Fastify hook (fastifyBearer)', fastifyApi],
  ['Express middleware (expressBearer)', expressApi],
  ['Fetch API (verifyRequest)', fetchApi],
])('%s over a real socket', (_name, build) => {
  let latchkey: TestServer;
  let api: Api;
  let down: Api;
  let clocked: Api;
  let t = Date.now();
  beforeAll(async () => {
    latchkey = await startServer();
    api = await build(createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${latchkey.url}/.well-known/jwks.json` }));
    down = await build(createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${latchkey.url}/missing-jwks` }));
    clocked = await build(createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${latchkey.url}/.well-known/jwks.json`, now: () => t }));
  });
  afterAll(async () => {
    await api.close();
    await down.close();
    await clocked.close();
    await latchkey.close();
  });
  const get = async (base: string, path: string, authorization?: string) => {
    const res = await fetch(base + path, { headers: authorization ? { authorization } : {} });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const token = (extra: Record<string, unknown> = {}) => serverToken(latchkey.latchkey.keys.signingKey(), claimsAt(Date.now(), extra));

  it('a valid token passes and the route sees its claims', async () => {
    const res = await get(api.url, '/private/me', `Bearer ${token({ sub: 'user-42', sid: 'session-7' })}`);
    expect(res).toMatchObject({ status: 200, body: { sub: 'user-42', sid: 'session-7' } });
  });

  it('a token that passed (and is now cached) is refused once it expires', async () => {
    t = Date.now();
    const cached = token({ sub: 'user-43' });
    expect((await get(clocked.url, '/private/me', `Bearer ${cached}`)).status).toBe(200);
    expect((await get(clocked.url, '/private/me', `Bearer ${cached}`)).status).toBe(200);
    t += 3600_000;
    const res = await get(clocked.url, '/private/me', `Bearer ${cached}`);
    expect(res.status).toBe(401);
    expect(res.body.error_description).toBe('The access token has expired.');
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('unprotected routes are untouched', async () => {
    expect((await get(api.url, '/public')).status).toBe(200);
  });

  it('no token: 401, WWW-Authenticate: Bearer realm (RFC 6750 §3.1: no error code), standard body', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      const res = await get(api.url, '/private/me', authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orders"');
      expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    }
  });

  it.each([
    ['expired', () => token({ exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 4500 })],
    ['for another audience', () => token({ aud: 'https://other.example' })],
    ['unsigned (alg none)', () => unsigned(latchkey.latchkey.keys.signingKey().kid, claimsAt(Date.now()))],
    ['garbage', () => 'not-a-jwt'],
  ])('a bad token (%s): 401 with error="invalid_token" and the standard error body', async (_case, make) => {
    const res = await get(api.url, '/private/me', `Bearer ${make()}`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="orders", error="invalid_token", error_description="[^"]+"$/);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'error_description']);
    expect(res.body.error).toBe('invalid_token');
    expect(res.body).not.toHaveProperty('sub');
  });

  it('the token never echoes back in the refusal', async () => {
    const bad = token({ aud: 'https://other.example' });
    const res = await fetch(`${api.url}/private/me`, { headers: { authorization: `Bearer ${bad}` } });
    const text = await res.text() + (res.headers.get('www-authenticate') ?? '');
    expect(text).not.toContain(bad.split('.')[1]!);
  });

  it('the JWKS cannot be fetched: 503 service_unavailable with Retry-After, not a 401 blaming the token', async () => {
    const res = await get(down.url, '/private/me', `Bearer ${token()}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.body.error).toBe('service_unavailable');
  });
});
