import type { FastifyPluginAsync } from 'fastify';
import type { Auth } from '../core/auth.ts';
import { authenticate } from '../http/bearer.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';
import type { RevocationHub } from './revocation-hub.ts';

export interface SessionStreamOptions {
  readonly hub: RevocationHub;
  readonly auth: Auth;
  readonly verifyAccessToken: (token: string) => Promise<VerifiedClaims>;
}

const KEEPALIVE_MS = 25_000;

/**
 * `GET /auth/session/stream` (Bearer): a Server-Sent Events stream that tells a signed-in page the
 * moment its own session ends elsewhere (`event: session-ended`, `data: {"reason": ...}`), so the
 * page reacts within moments instead of at its next refresh. It carries nothing about any other
 * session. 401 when the session has already ended.
 */
export function sessionStreamRoute(o: SessionStreamOptions): FastifyPluginAsync {
  const streams = new Set<() => void>();
  return async (app) => {
    app.addHook('preClose', async () => {
      for (const end of [...streams]) end();
    });
    // Hidden from /openapi.json: a stream that stays open is not an operation OpenAPI can describe
    // (documented in docs/events.md).
    app.get('/auth/session/stream', { schema: { hide: true } }, async (request, reply) => {
      const { session } = await authenticate(request, o.verifyAccessToken, o.auth);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      raw.write('retry: 2000\n\n');
      let ended = false;
      const end = (reason?: string) => {
        if (ended) return;
        ended = true;
        unsubscribe();
        clearInterval(keepalive);
        streams.delete(end);
        if (reason !== undefined) raw.write(`event: session-ended\ndata: ${JSON.stringify({ reason })}\n\n`);
        raw.end();
      };
      const unsubscribe = o.hub.subscribe((revocations) => {
        const mine = revocations.find((r) => r.sid === session.id);
        if (mine) end(mine.reason);
      });
      const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
      streams.add(end);
      request.raw.on('close', () => end());
      // A revocation that committed between the check above and the subscription: look once more.
      try {
        await o.auth.liveSession({ sub: session.userId, sid: session.id });
      } catch {
        end('revoked');
      }
    });
  };
}
