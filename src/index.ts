/**
 * `latchkey`: the authentication server as a library. Run it on its own, inside a Fastify app, or
 * behind Express / `node:http`, all from the same {@link createLatchkey}.
 *
 * @example
 * import Fastify from 'fastify'
 * import { createLatchkey, loadConfig } from 'latchkey'
 * const latchkey = await createLatchkey(loadConfig({ ...process.env, LATCHKEY_ISSUER: 'https://app.example.com/auth-server' }))
 * const app = Fastify({ logger: true })
 * await app.register(latchkey.plugin, { prefix: '/auth-server' })
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import type { Argon2Cost } from './core/passwords.ts';
import { createLatchkey as wire } from './server/create-latchkey.ts';
import type { Verifier } from './verify/create-verifier.ts';

export { ConfigError, loadConfig, type Config, type HttpConfig, type StoreConfig } from './config.ts';
export type { Argon2Cost } from './core/passwords.ts';
export type { Verifier } from './verify/create-verifier.ts';
export type { VerifiedClaims } from './verify/token-verifier.ts';

/**
 * Options of {@link createLatchkey}; all optional.
 *
 * @example
 * const latchkey = await createLatchkey(loadConfig(), { logger: { level: 'warn' } })
 */
export interface LatchkeyOptions {
  /**
   * Logging of latchkey's own Fastify instances (`latchkey.app`, `latchkey.handler()`): pino options
   * or `false`. Secrets are redacted from every line. Default: JSON lines at `LATCHKEY_LOG_LEVEL`.
   * Mounted with `latchkey.plugin`, latchkey logs through its host app's logger instead.
   */
  readonly logger?: FastifyServerOptions['logger'];
  /** argon2id cost of password hashes; default OWASP's (19 MiB, t=2, p=1). */
  readonly argon2?: Argon2Cost;
}

/** A request listener of `node:http` (and Express, which passes the same two objects). */
export type NodeRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A running latchkey: its store is open, its signing keys loaded, its background sweep started.
 * Serve its HTTP API (browser API under `/auth`, OAuth API under `/oauth`, JWKS and metadata under
 * `/.well-known`, the account page at `/account`) in one of three ways.
 *
 * @example
 * await latchkey.app.listen({ port: 3000 })                       // on its own
 * await fastifyApp.register(latchkey.plugin, { prefix: '/auth' })  // inside a Fastify app
 * expressApp.use('/auth', latchkey.handler('/auth'))               // inside Express or node:http
 */
export interface Latchkey {
  /** The settings it runs with. */
  readonly config: Config;
  /**
   * latchkey's own Fastify app with every route at the root, not listening yet: what
   * `latchkey serve` listens with. Built on first use.
   */
  readonly app: FastifyInstance;
  /**
   * A Fastify plugin that mounts every route inside your Fastify app, under the prefix you
   * register it with, logging through your app's logger. Closing your app closes latchkey.
   * Set `LATCHKEY_ISSUER` to the public URL of that prefix (e.g. `https://app.example.com/auth-server`).
   */
  readonly plugin: FastifyPluginAsync;
  /**
   * A `node:http` request listener serving every route under `prefix`, for
   * `http.createServer(handler)` or Express (`app.use(prefix, handler)`, before any body parser).
   * Default prefix: the path of `LATCHKEY_ISSUER` (none for `https://auth.example.com`, `/auth-server`
   * for `https://app.example.com/auth-server`).
   */
  handler(prefix?: string): NodeRequestHandler;
  /** Verifies this latchkey's own access tokens in-process (no JWKS fetch); use it with `fastifyBearer`, `expressBearer` or `verifyRequest` from `latchkey/verify`. */
  readonly verify: Verifier;
  /** Stops serving (its own app and handlers), the background sweep and the key ring, and closes the store. */
  close(): Promise<void>;
}

/**
 * Starts latchkey from a config (see {@link loadConfig}): opens the store (SQLite under
 * `LATCHKEY_DATA_DIR`, or PostgreSQL with `DATABASE_URL`) and migrates it, loads or creates the
 * signing key, and starts the background sweep. Nothing listens until you serve it.
 *
 * @example
 * import { createLatchkey, loadConfig } from 'latchkey'
 * const latchkey = await createLatchkey(loadConfig())
 * await latchkey.app.listen({ host: latchkey.config.host, port: latchkey.config.port })
 */
export async function createLatchkey(config: Config, options: LatchkeyOptions = {}): Promise<Latchkey> {
  const latchkey = await wire(config, { logger: options.logger, argon2: options.argon2 });
  return {
    config: latchkey.config,
    get app() {
      return latchkey.app;
    },
    plugin: latchkey.plugin,
    handler: latchkey.handler,
    verify: latchkey.verifyAccessToken,
    close: latchkey.close,
  };
}
