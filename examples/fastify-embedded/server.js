// A Fastify app with latchkey inside it: sign-up, login, refresh, the OAuth API, the JWKS and the
// account page live under /auth-server; the app's own /api routes accept latchkey's access tokens.
//
//   PORT=4000 npm start
//   open http://localhost:4000/auth-server/account      (sign up and sign in there)
//   curl localhost:4000/api/profile -H "authorization: Bearer $ACCESS_TOKEN"
import Fastify from 'fastify';
import { createLatchkey, loadConfig } from 'latchkey';
import { fastifyBearer, requireRole } from 'latchkey/verify';

const port = Number(process.env.PORT ?? 4000);
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });

// Settings come from the environment as for `latchkey serve`; the issuer is where latchkey is mounted.
const config = loadConfig({ LATCHKEY_ISSUER: `http://localhost:${port}/auth-server`, ...process.env });
const latchkey = await createLatchkey(config);
await app.register(latchkey.plugin, { prefix: '/auth-server' }); // logs through app.log; app.close() closes it

app.get('/', async () => ({ hello: 'anyone' }));
app.register(async (api) => {
  // Every /api route needs a latchkey access token, verified in-process (no JWKS round trip).
  api.addHook('onRequest', fastifyBearer(latchkey.verify));
  api.get('/api/profile', async (request) => ({ userId: request.latchkey.sub, roles: request.latchkey.roles ?? [] }));
  // Roles: `npx latchkey users roles <email> add editor`, then a fresh access token carries it.
  api.get('/api/drafts', { onRequest: requireRole('editor') }, async () => ({ drafts: ['launch post'] }));
});

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => app.close());
