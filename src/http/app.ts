import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import type { Auth } from '../core/auth.ts';
import type { KeyRing } from '../core/key-ring.ts';
import type { Store } from '../core/store.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';
import { accountMailRoutes, type AccountMailServices } from './account-mail-routes.ts';
import { deferredChildLogger } from './deferred-child-logger.ts';
import { AccessLog, type AccessLineWriter } from './access-log.ts';
import { accountRoutes } from './account-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { installCors } from './cors.ts';
import { clientErrorHandler, errorHandler, notFoundHandler } from './errors.ts';
import { healthRoutes } from './health-routes.ts';
import type { KnownDevices } from './known-device-cookie.ts';
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
  /** The known-device cookie that exempts an owner's browser from the per-account slow-down. */
  readonly knownDevices?: KnownDevices;
  /** Password reset, e-mail verification and change; their routes exist only when present. */
  readonly accountMail?: AccountMailServices;
  /** The OpenID Provider: authorization code flow, OIDC (src/oauth/). */
  readonly oauth: OpenIdProvider;
  /** The event delivery pipeline's routes (revocation feed, SETs, session stream: src/delivery/); absent when it does not run. */
  readonly delivery?: { readonly routes: FastifyPluginAsync };
  /** Where access lines go without pino (latchkey's own logger: src/server/logger.ts); absent: through the app's logger. */
  readonly accessLines?: AccessLineWriter;
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
 * Fastify server options latchkey needs when it owns the server (`latchkey serve`, {@link buildApp});
 * `accessLines`: see {@link AccessLog}.
 */
export function serverOptions(config: Config, accessLines?: AccessLineWriter): FastifyServerOptions {
  return {
    logController: new AccessLog(accessLines),
    childLoggerFactory: deferredChildLogger,
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    // Hostile-input limits: bodies 16 KiB (413), path parameters 200 chars (414), a whole request
    // 30 s to arrive (408); headers: Node's defaults, 16 KiB in all (431) and 60 s to arrive.
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 30_000,
    frameworkErrors: (error, request, reply) => errorHandler(error, request, hardenReply(reply)),
    clientErrorHandler,
    return503OnClosing: true,
    requestIdHeader: false,
    genReqId: requestId,
    ajv: { customOptions: { removeAdditional: true, coerceTypes: false, allErrors: false } },
  };
}

const BODY_LIMIT = 16 * 1024;

/**
 * Builds latchkey's own Fastify app (without listening): the server options above plus
 * {@link latchkeyRoutes} at the root. Tests use it over a real socket.
 *
 * @example
 * const app = buildApp(services, { logger: false })
 * await app.listen({ port: 3000 })
 */
export function buildApp(services: Services, options: Pick<FastifyServerOptions, 'logger' | 'loggerInstance' | 'serverFactory'> = {}): FastifyInstance {
  const app = Fastify({ ...options, ...serverOptions(services.config, services.accessLines) });
  // At the root, not encapsulated: routes an operator adds beside latchkey's get the same hooks.
  mountLatchkey(app, services);
  return app;
}

/**
 * Every route of latchkey (browser API, OAuth API, JWKS and metadata, account page, health,
 * metrics, /openapi.json) with its error format, security headers, CORS and logging, as one
 * encapsulated Fastify plugin: at the root of latchkey's own app, or under a prefix inside
 * someone else's (`app.register(latchkeyRoutes(services), { prefix: '/auth-server' })`).
 * Inside another app, that app's server options (trust proxy, request ids, timeouts) apply;
 * latchkey's routes keep their 16 KiB body limit.
 */
export function latchkeyRoutes(services: Services): FastifyPluginAsync {
  return async (app) => mountLatchkey(app, services);
}

function mountLatchkey(app: FastifyInstance, services: Services): void {
  const { config } = services;
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= BODY_LIMIT;
  });
  // A host app may already have these (they decorate the instance); latchkey then uses the host's.
  if (!app.hasReplyDecorator('setCookie')) app.register(cookie);
  // JSON only (plus form bodies where an RFC asks, registered by those routes): text/plain is 415.
  app.removeContentTypeParser('text/plain');
  if (!app.hasDecorator('swagger')) app.register(openApi(services)); // before every route: it collects them for /openapi.json
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
  app.register(accountRoutes({ signup: config.signup }));
  if (services.delivery) app.register(services.delivery.routes);
}
