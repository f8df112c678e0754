import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import type { Auth } from '../core/auth.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { Store } from '../core/store.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';
import { accountMailRoutes, type AccountMailServices } from './account-mail-routes.ts';
import { AccessLog } from './access-log.ts';
import { accountRoutes } from './account-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { installCors } from './cors.ts';
import { clientErrorHandler, errorHandler, notFoundHandler } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import type { LoginThrottle } from '../rate-limit/login-throttle.ts';
import { metadataRoutes } from './metadata-routes.ts';
import { oauthRoutes } from './oauth-routes.ts';
import { openApi } from './openapi.ts';
import type { OpenIdProvider } from '../oauth/provider.ts';
import { openIdRoutes } from '../oauth/openid-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { installObservability, requestId } from './observability.ts';
import { drainConnectionsOnClose } from './drain-connections.ts';
import type { LatchkeyMetrics } from '../server/metrics.ts';
import { hardenReply, securityHeaders } from './security-headers.ts';
import { wellKnownRoutes } from './well-known-routes.ts';

/** Everything the HTTP layer calls into. Built by src/server/create-latchkey.ts. */
export interface Services {
  readonly config: Config;
  readonly auth: Auth;
  readonly keys: KeyRing;
  readonly store: Store;
  /** Verifies this server's own access tokens (signature, iss, aud, exp). */
  readonly verifyAccessToken: (token: string) => Promise<VerifiedClaims>;
  /** Prometheus metrics; when present, `/metrics` serves them. */
  readonly metrics?: LatchkeyMetrics;
  /** Login, sign-up and refresh limits (src/rate-limit/login-throttle.ts). */
  readonly throttle: LoginThrottle;
  /** Password reset, e-mail verification and change; their routes exist only when present. */
  readonly accountMail?: AccountMailServices;
  /** The OpenID Provider: authorization code flow, OIDC (src/oauth/). */
  readonly oauth: OpenIdProvider;
}

/**
 * Paths whose values never reach a log line (pino `redact`, censored as `[redacted]`): credential
 * headers wherever a request or response is logged, and any field that holds a password, a token,
 * a cookie or a key, at the top of a logged object or one level down (e.g. `body.password`).
 */
const SECRET_FIELDS = [
  'password', 'currentPassword', 'newPassword', 'passwordHash',
  'token', 'access_token', 'refresh_token', 'accessToken', 'refreshToken', 'id_token', 'id_token_hint',
  'code_verifier', 'client_secret',
  'authorization', 'cookie', 'cookies', 'secret', 'privateKey', 'private_key', 'key',
];
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'body',
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
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
    logController: new AccessLog(),
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    // Hostile-input limits: bodies 16 KiB (413), path parameters 200 chars (414), a whole request
    // 30 s to arrive (408); headers: Node's defaults, 16 KiB in all (431) and 60 s to arrive.
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 30_000,
    frameworkErrors: (error, request, reply) => errorHandler(error, request, hardenReply(reply)),
    clientErrorHandler,
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: requestId,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: false, allErrors: false } },
  });
  app.register(cookie);
  // JSON only (plus form bodies where an RFC asks, registered by those routes): text/plain is 415.
  app.removeContentTypeParser('text/plain');
  app.register(openApi(services)); // before every route: it collects them for /openapi.json
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  installObservability(app, services.metrics);
  drainConnectionsOnClose(app);
  app.addHook('onSend', securityHeaders);
  installCors(app, config.http.allowedOrigins);
  app.register(healthRoutes(services));
  if (services.metrics) app.register(metricsRoutes(services.metrics));
  app.register(wellKnownRoutes(services));
  app.register(authRoutes(services), { prefix: '/auth' });
  if (services.accountMail) app.register(accountMailRoutes(services, services.accountMail), { prefix: '/auth' });
  app.register(oauthRoutes(services), { prefix: '/oauth' });
  app.register(openIdRoutes(services));
  app.register(metadataRoutes(services));
  app.register(accountRoutes());
  return app;
}
