import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import type { Auth } from '../core/auth.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { Store } from '../store/store.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';
import { accountRoutes } from './account-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { metadataRoutes } from './metadata-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { openApi } from './openapi.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { installObservability, requestId } from './observability.ts';
import type { LatchkeyMetrics } from '../metrics.ts';
import { securityHeaders } from './security-headers.ts';
import { wellKnownRoutes } from './well-known-routes.ts';

/** Everything the HTTP layer calls into. Built by src/server.ts. */
export interface Services {
  readonly config: Config;
  readonly auth: Auth;
  readonly keys: KeyRing;
  readonly store: Store;
  /** Verifies this server's own access tokens (signature, iss, aud, exp). */
  readonly verifyAccessToken: (token: string) => Promise<VerifiedClaims>;
  /** Prometheus metrics; when present, `/metrics` serves them. */
  readonly metrics?: LatchkeyMetrics;
  /** Login, sign-up and refresh limits (src/http/login-throttle.ts). */
  readonly throttle: LoginThrottle;
}

/** Paths and headers whose values never reach a log line. */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * Builds the Fastify app (without listening), so tests use it over a real socket and users can
 * mount the same routes next to their own.
 *
 * @example
 * const app = buildApp(services, { logger: false })
 * await app.listen({ port: 3000 })
 */
export function buildApp(services: Services, options: Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> = {}): FastifyInstance {
  const { config } = services;
  const app = Fastify({
    ...options,
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: requestId,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: false, allErrors: false } },
  });
  app.register(cookie);
  app.register(openApi(services)); // before every route: it collects them for /openapi.json
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  installObservability(app, services.metrics);
  app.addHook('onSend', securityHeaders);
  app.register(healthRoutes(services));
  if (services.metrics) app.register(metricsRoutes(services.metrics));
  app.register(wellKnownRoutes(services));
  app.register(authRoutes(services), { prefix: '/auth' });
  app.register(oauthRoutes(services), { prefix: '/oauth' });
  app.register(metadataRoutes(services));
  app.register(accountRoutes());
  return app;
}
