// A strict TypeScript consumer (NodeNext) of the packed latchkey: type-checked against the
// published .d.ts files by test/package/packed.test.ts, with skipLibCheck off. Never run.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { ConfigError, createLatchkey, loadConfig, type Config, type Latchkey, type NodeRequestHandler } from 'latchkey';
import { AuthError, createAuthClient, type SessionInfo, type User } from 'latchkey/client';
import {
  createVerifier,
  expressBearer,
  fastifyBearer,
  requireRole,
  verifyRequest,
  VerifyError,
  type VerifiedClaims,
  type Verifier,
} from 'latchkey/verify';

export async function server(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig({ ...process.env, LATCHKEY_ISSUER: 'http://localhost:4000/auth-server' });
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    throw err;
  }
  const latchkey: Latchkey = await createLatchkey(config, { logger: false });
  const app = Fastify();
  await app.register(latchkey.plugin, { prefix: '/auth-server' });
  app.get('/me', { onRequest: [fastifyBearer(latchkey.verify), requireRole('admin')] }, async (request) => ({ sub: request.latchkey?.sub }));
  const handler: NodeRequestHandler = latchkey.handler('/auth-server');
  handler({} as IncomingMessage, {} as ServerResponse);
  // @ts-expect-error the store is internal, not part of the public type
  void latchkey.store;
  await latchkey.close();
}

export async function resourceServer(request: Request): Promise<Response> {
  const verify: Verifier = createVerifier({ issuer: 'https://auth.example.com', audience: 'https://auth.example.com' });
  const result = await verifyRequest(request, verify);
  if ('response' in result) return result.response;
  const claims: VerifiedClaims = result.claims;
  const middleware = expressBearer(verify);
  void middleware;
  try {
    await verify('token');
  } catch (err) {
    if (err instanceof VerifyError && err.code === 'expired') return new Response(null, { status: 401 });
  }
  return Response.json({ sub: claims.sub, roles: claims.roles ?? [] });
}

export async function webPage(): Promise<User | null> {
  const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
  try {
    const sessions: SessionInfo[] = await auth.sessions();
    void sessions;
  } catch (err) {
    if (err instanceof AuthError) return null;
  }
  return auth.user;
}
