import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildResourceServer } from '../../examples/resource-server.ts';
import { createVerifier } from 'latchkey/verify';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/http-auth.ts';
import { ISSUER, startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';
import { postForm } from '../oauth/form.ts';

describe('examples/resource-server.ts against a running latchkey', () => {
  let latchkey: TestServer;
  let app: FastifyInstance;
  let api: string;
  beforeAll(async () => {
    latchkey = await startServer(PASSWORD_GRANT_ON);
    app = buildResourceServer(createVerifier({ issuer: ISSUER, audience: ISSUER, jwksUri: `${latchkey.url}/.well-known/jwks.json` }));
    api = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await latchkey.close();
  });

  async function tokenFor(email: string): Promise<string> {
    const res = await postForm(`${latchkey.url}/oauth/token`, { grant_type: 'password', username: email, password: PASSWORD });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('a user signs in with latchkey and uses the protected routes; notes are per user', async () => {
    const ann = uniqueEmail('ann');
    const bob = uniqueEmail('bob');
    for (const email of [ann, bob]) expect((await new BrowserClient(latchkey.url).register(email, PASSWORD)).status).toBe(201);
    const annToken = await tokenFor(ann);
    const bobToken = await tokenFor(bob);

    expect((await call('GET', '/health')).status).toBe(200);
    const me = await call('GET', '/me', annToken);
    expect(me).toMatchObject({ status: 200, body: { userId: expect.any(String), roles: [] } });
    expect((await call('POST', '/notes', annToken, { text: 'buy milk' })).status).toBe(201);
    expect((await call('GET', '/notes', annToken)).body.notes.map((n: { text: string }) => n.text)).toEqual(['buy milk']);
    expect((await call('GET', '/notes', bobToken)).body.notes).toEqual([]);
    expect((await call('GET', '/admin/stats', annToken)).status).toBe(403);
  });

  it('without a valid token the protected routes answer 401 invalid_token', async () => {
    expect((await call('GET', '/notes')).status).toBe(401);
    const res = await call('GET', '/me', 'eyJhbGciOiJub25lIn0.e30.');
    expect(res).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('a role in the token opens the admin route', async () => {
    const email = uniqueEmail('admin');
    expect((await new BrowserClient(latchkey.url).register(email, PASSWORD)).status).toBe(201);
    const user = await latchkey.latchkey.store.findUserByEmail(email);
    await latchkey.latchkey.store.updateUser(user!.id, { roles: ['admin'] });
    const res = await call('GET', '/admin/stats', await tokenFor(email));
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty('notes');
  });
});
