import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { UserAdmin } from '../../src/core/user-admin.ts';
import { createVerifier, expressBearer, fastifyBearer, requireRole } from '../../src/verify/index.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { ISSUER, startServer, type TestServer } from '../helpers/server.ts';

const PASSWORD = 'correct horse battery staple';

let latchkey: TestServer;
let fastifyApi: FastifyInstance;
let expressApi: Server;
let urls: Record<'fastify' | 'express', string>;
let admin: UserAdmin;

beforeAll(async () => {
  latchkey = await startServer();
  admin = new UserAdmin(latchkey.latchkey.store, latchkey.latchkey.auth, systemClock);
  const verify = createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${latchkey.url}/.well-known/jwks.json` });

  fastifyApi = Fastify();
  fastifyApi.get('/reports', { onRequest: [fastifyBearer(verify), requireRole('reports:read')] }, async (request) => ({ sub: request.latchkey!.sub }));
  const fastifyUrl = await fastifyApi.listen({ host: '127.0.0.1', port: 0 });

  const app = express();
  app.get('/reports', expressBearer(verify), requireRole('reports:read'), (req, res) => {
    res.json({ sub: req.latchkey!.sub });
  });
  expressApi = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  urls = { fastify: fastifyUrl, express: `http://127.0.0.1:${(expressApi.address() as AddressInfo).port}` };
});

afterAll(async () => {
  await fastifyApi?.close();
  await new Promise((resolve) => expressApi?.close(resolve));
  await latchkey?.close();
});

async function tokenFor(email: string, roles: string[]): Promise<string> {
  await admin.create(email, PASSWORD);
  for (const role of roles) await admin.addRole(email, role);
  const client = new BrowserClient(latchkey.url);
  expect((await client.login(email, PASSWORD)).status).toBe(200);
  return client.accessToken!;
}

describe.each(['fastify', 'express'] as const)('requireRole with %s', (framework) => {
  const get = (token?: string) =>
    fetch(`${urls[framework]}/reports`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('lets a token with the role through', async () => {
    const token = await tokenFor(`reader-${framework}@example.com`, ['reports:read', 'other']);
    const res = await get(token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a valid token without the role: 403 insufficient_scope with the RFC 6750 challenge', async () => {
    const token = await tokenFor(`clerk-${framework}@example.com`, ['reports:write']);
    const res = await get(token);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
    expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: 'This requires the role "reports:read".' });
  });

  it('refuses a token with no roles at all, and a request without a token before the role is even checked', async () => {
    const token = await tokenFor(`plain-${framework}@example.com`, []);
    expect((await get(token)).status).toBe(403);
    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('cannot be fooled by a forged roles claim: the signature check comes first', async () => {
    const token = await tokenFor(`forger-${framework}@example.com`, []);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['reports:read'] })).toString('base64url');
    const res = await get(`${header}.${forged}.${signature}`);
    expect(res.status).toBe(401);
  });
});

describe('requireRole construction', () => {
  it('refuses a name that is not a role name, so a typo cannot make a guard that never matches', () => {
    expect(() => requireRole('Reports')).toThrow(TypeError);
    expect(() => requireRole('')).toThrow(TypeError);
  });
});
