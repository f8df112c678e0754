// An Express API that trusts latchkey's access tokens. It never talks to latchkey's database: it
// fetches the public keys once from the issuer's JWKS and verifies every token offline.
//
//   LATCHKEY_ISSUER=http://localhost:3000 PORT=4000 npm start
//   curl localhost:4000/me -H "authorization: Bearer $ACCESS_TOKEN"
import express from 'express';
import { createVerifier, expressBearer, requireRole } from 'latchkey/verify';

const issuer = process.env.LATCHKEY_ISSUER ?? 'http://localhost:3000';
const verify = createVerifier({ issuer, audience: process.env.LATCHKEY_AUDIENCE ?? issuer });

const app = express();
app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});
// Every route below needs a valid access token; its claims are on req.latchkey.
app.use(expressBearer(verify));
app.get('/me', (req, res) => {
  res.json({ userId: req.latchkey.sub, sessionId: req.latchkey.sid, roles: req.latchkey.roles ?? [] });
});
app.get('/reports', requireRole('analyst'), (_req, res) => {
  res.json({ reports: ['weekly sign-ups'] });
});

const server = app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`express-api listening on http://${address}:${port}, trusting ${issuer}`);
});
process.on('SIGTERM', () => server.close());
