/**
 * The server side of the HTTP benchmarks, run in its own process (bench/child.ts starts it), so
 * the load generator and the server do not share one event loop. Told what to serve over IPC:
 * - `{ type: 'protected', jwk }`: a bare Fastify app with `GET /open` and `GET /protected`, the
 *   latter guarded by `fastifyBearer(createVerifier(...))` of latchkey/verify;
 * - `{ type: 'latchkey', env, argon2?, log?, sweepIntervalMs? }`: the real latchkey (`createLatchkey`)
 *   from a config;
 * - `{ type: 'minimal', body }`: a bare Fastify app whose `POST /oauth/token` parses the form body
 *   and answers `body` (the HTTP part of a refresh, and nothing else);
 * - `{ type: 'parts', body, rotation, sessionIds }`: the same route, which also runs the raw rotation
 *   transaction on one of `sessionIds` no other request is rotating and signs one ES256 access token
 *   (KeyRing.sign) before it answers: the parts of a refresh put together with nothing between them.
 * Then `cpu` reads its CPU time so far, `eld-start` / `eld-stop` measure its event-loop delay,
 * `close` ends it.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.ts';
import type { Argon2Cost } from '../src/core/passwords.ts';
import { createLatchkey } from '../src/server/create-latchkey.ts';
import { createVerifier, fastifyBearer } from '../src/verify/index.ts';
import { processCpu } from './harness.ts';
import { AUDIENCE, benchKeyRing, ISSUER } from './keys.ts';
import { rawRotation, type RawRotationTarget } from './raw-rotation.ts';

export type ChildRequest =
  | { type: 'protected'; jwk: object }
  | { type: 'latchkey'; env: Record<string, string>; argon2?: Argon2Cost; log?: boolean; sweepIntervalMs?: number }
  | { type: 'minimal'; body: string }
  | { type: 'parts'; body: string; rotation: RawRotationTarget; sessionIds: string[] }
  | { type: 'cpu' }
  | { type: 'eld-start' }
  | { type: 'eld-stop' }
  | { type: 'close' };

const ELD_RESOLUTION_MS = 10;
let close: () => Promise<void> = async () => {};
let histogram: IntervalHistogram | undefined;

async function handle(message: ChildRequest): Promise<unknown> {
  switch (message.type) {
    case 'protected': {
      const body = JSON.stringify({ keys: [message.jwk] });
      const verify = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'http://127.0.0.1:9/jwks.json',
        fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
      });
      const app = Fastify({ logger: false });
      app.get('/open', async () => ({ ok: true }));
      app.get('/protected', { onRequest: fastifyBearer(verify) }, async () => ({ ok: true }));
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      close = () => app.close();
      return { url };
    }
    case 'minimal':
      return minimalTokenRoute(message.body, async () => {});
    case 'parts': {
      const raw = rawRotation(message.rotation);
      const { ring } = await benchKeyRing('ES256');
      // Each request rotates a session no other request is rotating (on PostgreSQL two rotations
      // of one session at once would race): sessions are taken from a pool and put back.
      const free = [...message.sessionIds];
      const served = await minimalTokenRoute(message.body, async () => {
        const id = free.pop();
        if (id === undefined) throw new Error('more requests at once than sessions');
        try {
          await raw.rotate(id);
        } finally {
          free.unshift(id);
        }
        const iat = Math.floor(Date.now() / 1000);
        ring.sign({ iss: ISSUER, sub: randomUUID(), aud: ISSUER, iat, exp: iat + 900, jti: randomUUID(), sid: randomUUID() });
      });
      const closeRoute = close;
      close = async () => {
        await closeRoute();
        await raw.close();
      };
      return served;
    }
    case 'latchkey': {
      // `log`: the production logger at LATCHKEY_LOG_LEVEL, writing to this process's stdout.
      const logger = message.log ? {} : { logger: false as const };
      const latchkey = await createLatchkey(loadConfig(message.env), { argon2: message.argon2, sweepInterval: message.sweepIntervalMs, ...logger });
      const url = await latchkey.app.listen({ host: '127.0.0.1', port: 0 });
      close = () => latchkey.close();
      return { url };
    }
    case 'cpu': {
      // The parent takes deltas.
      return { cpu: processCpu() };
    }
    case 'eld-start':
      histogram = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
      histogram.enable();
      return {};
    case 'eld-stop': {
      const h = histogram;
      h?.disable();
      // The histogram holds whole timer intervals: the delay is what exceeds the resolution (as @fastify/under-pressure reads it).
      const delay = (ns: number) => Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
      return h ? { p50: delay(h.percentile(50)), p99: delay(h.percentile(99)), max: delay(h.max) } : {};
    }
    case 'close':
      await close();
      setImmediate(() => process.exit(0));
      return {};
  }
}

/** A bare Fastify app whose `POST /oauth/token` parses the form body, runs `work`, and answers `body`. */
async function minimalTokenRoute(body: string, work: () => Promise<void>): Promise<{ url: string }> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, text, done) => {
    done(null, Object.fromEntries(new URLSearchParams(text as string)));
  });
  app.post('/oauth/token', async (request, reply) => {
    if (!(request.body as { refresh_token?: string }).refresh_token) return reply.code(400).send();
    await work();
    return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body);
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
  return { url };
}

process.on('message', (raw) => {
  const { id, message } = raw as { id: number; message: ChildRequest };
  handle(message).then(
    (result) => process.send!({ id, result }),
    (err: unknown) => process.send!({ id, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
