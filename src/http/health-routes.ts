import type { FastifyPluginAsync } from 'fastify';
import type { Services } from './app.ts';

/** `/healthz`: the process runs. `/readyz`: the database answers (within 2 s). */
export function healthRoutes({ store }: Services): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_request, reply) => {
      try {
        await withTimeout(store.ping(), 2000);
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ error: 'service_unavailable', error_description: 'The database does not answer.' });
      }
    });
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
