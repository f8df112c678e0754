/**
 * A small resource server that trusts latchkey's access tokens, verified offline with
 * `latchkey/verify` (JWKS fetched once, then cached). Run it next to a running latchkey:
 *
 *   npm start                                   # latchkey on http://127.0.0.1:3000
 *   LATCHKEY_ISSUER=http://localhost:3000 PORT=4000 npx tsx examples/resource-server.ts
 *
 * Then call it with an access token from latchkey (see README, "OAuth 2.0 API"):
 *
 *   curl -s localhost:4000/me -H "authorization: Bearer $TOKEN"
 */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { createVerifier, fastifyBearer, type Verifier } from 'latchkey/verify';

interface Note {
  readonly id: number;
  readonly text: string;
  readonly createdAt: string;
}

/**
 * The service: `/health` is public; `/me`, `/notes` and `/admin/stats` need a valid access token,
 * whose claims the hook puts on `request.latchkey`.
 *
 * @example
 * const app = buildResourceServer(createVerifier({ issuer, audience: issuer }))
 * await app.listen({ port: 4000 })
 */
export function buildResourceServer(verify: Verifier): FastifyInstance {
  const app = Fastify({ logger: false });
  const notes = new Map<string, Note[]>(); // by user id (the token's `sub`)
  let nextId = 1;

  app.get('/health', async () => ({ status: 'ok' }));

  app.register(async (api) => {
    api.addHook('onRequest', fastifyBearer(verify, { realm: 'notes' }));

    api.get('/me', async (request) => {
      const { sub, sid, roles, exp } = request.latchkey!;
      return { userId: sub, sessionId: sid, roles: roles ?? [], tokenExpiresAt: new Date(exp * 1000).toISOString() };
    });

    api.get('/notes', async (request) => ({ notes: notes.get(request.latchkey!.sub) ?? [] }));

    api.post<{ Body: { text: string } }>(
      '/notes',
      { schema: { body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 1000 } } } } },
      async (request, reply) => {
        const note: Note = { id: nextId++, text: request.body.text, createdAt: new Date().toISOString() };
        const mine = notes.get(request.latchkey!.sub) ?? [];
        notes.set(request.latchkey!.sub, [...mine, note]);
        return reply.code(201).send({ note });
      },
    );

    api.get('/admin/stats', async (request, reply) => {
      if (!request.latchkey!.roles?.includes('admin')) {
        return reply.code(403).send({ error: 'insufficient_scope', error_description: 'This needs the admin role.' });
      }
      return { users: notes.size, notes: [...notes.values()].reduce((n, list) => n + list.length, 0) };
    });
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const issuer = process.env.LATCHKEY_ISSUER ?? 'http://localhost:3000';
  const verify = createVerifier({
    issuer,
    audience: process.env.LATCHKEY_AUDIENCE ?? issuer,
    ...(process.env.LATCHKEY_JWKS_URI && { jwksUri: process.env.LATCHKEY_JWKS_URI }),
  });
  const app = buildResourceServer(verify);
  const address = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 4000) });
  process.stdout.write(`resource server on ${address}, trusting ${issuer}\n`);
}
