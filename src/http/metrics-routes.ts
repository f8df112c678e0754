import type { FastifyPluginAsync } from 'fastify';
import type { LatchkeyMetrics } from '../server/metrics.ts';

/**
 * `GET /metrics`: the Prometheus text format of latchkey's own registry. It tells counts and
 * latencies, never a user, token or IP; still, expose it only to your scraper (see docs/deployment.md).
 *
 * @example
 * app.register(metricsRoutes(metrics))
 */
export function metricsRoutes(metrics: LatchkeyMetrics): FastifyPluginAsync {
  return async (app) => {
    app.get('/metrics', async (_request, reply) => {
      reply.header('cache-control', 'no-store').type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
}
