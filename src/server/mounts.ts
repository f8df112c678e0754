import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { buildApp, latchkeyRoutes, serverOptions, type Services } from '../http/app.ts';

/** The three ways to serve latchkey's HTTP API, all built from the same {@link latchkeyRoutes}. */
export interface Mounts {
  /** latchkey's own Fastify app (what `latchkey serve` listens with), built on first use. */
  readonly app: FastifyInstance;
  /** A Fastify plugin mounting every route inside another Fastify app, under the prefix it is registered with. */
  readonly plugin: FastifyPluginAsync;
  /**
   * A `node:http` request listener serving every route under `prefix` (default: the path of the
   * issuer URL, so usually nothing), for Express or a plain `http.Server`.
   */
  handler(prefix?: string): RequestListener;
  /** Closes the Fastify instances built here (not a host app that registered the plugin). */
  close(): Promise<void>;
}

export interface MountOptions {
  /** Logger options of latchkey's own instances (the app and the handlers); the plugin uses its host's. */
  readonly logger: FastifyServerOptions['logger'];
  /** Called with the first logger a mount gets: background work (security events, sweeps) logs there. */
  readonly adoptLogger: (log: FastifyBaseLogger) => void;
  /** Closes latchkey itself: called when a host app that registered the plugin closes. */
  readonly closeLatchkey: () => Promise<void>;
}

/**
 * Builds the mounts of one latchkey instance. Each mount is a Fastify encapsulation context of its
 * own around the same services (store, key ring, core), so they may be used side by side.
 */
export function createMounts(services: Services, options: MountOptions): Mounts {
  const owned: FastifyInstance[] = [];
  let app: FastifyInstance | undefined;

  const issuerPath = new URL(services.config.issuer).pathname.replace(/\/+$/, '');
  const plugin: FastifyPluginAsync = async (host) => {
    options.adoptLogger(host.log);
    if (issuerPath !== host.prefix) {
      host.log.warn({ issuer: services.config.issuer, prefix: host.prefix }, 'latchkey: the issuer URL should end with the prefix latchkey is mounted under (LATCHKEY_ISSUER)');
    }
    host.addHook('onClose', async () => options.closeLatchkey());
    await latchkeyRoutes(services)(host, {});
  };

  return {
    get app() {
      if (!app) {
        app = buildApp(services, { logger: options.logger });
        owned.push(app);
        options.adoptLogger(app.log);
      }
      return app;
    },
    plugin,
    handler(prefix = issuerPath) {
      let route: RequestListener | undefined;
      const inner = Fastify({
        ...serverOptions(services.config, services.accessLines),
        logger: options.logger,
        serverFactory: (listener) => {
          route = listener;
          return createServer();
        },
      });
      inner.register(latchkeyRoutes(services), { prefix });
      owned.push(inner);
      options.adoptLogger(inner.log);
      const ready = inner.ready();
      return (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
        // Express strips the mount path from req.url; latchkey routes (and scopes its cookie) by the full path.
        if (typeof req.originalUrl === 'string') req.url = req.originalUrl;
        ready.then(
          () => route?.(req, res),
          (err: unknown) => {
            inner.log.error({ err }, 'latchkey could not start');
            res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"service_unavailable","error_description":"The authentication service is not available."}');
          },
        );
      };
    },
    async close() {
      await Promise.all(owned.map((instance) => instance.close()));
    },
  };
}
