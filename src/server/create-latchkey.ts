import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import { Auth } from '../core/auth.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { KeyRing } from '../core/key-ring.ts';
import { PasswordHasher, type Argon2Cost } from '../core/passwords.ts';
import { RefreshTokenCodec } from '../core/refresh-token.ts';
import { ServerSecret } from '../core/server-secret.ts';
import { startDelivery, type Delivery } from '../delivery/delivery.ts';
import { startSweeper } from './sweeper.ts';
import { LOG_REDACTIONS, type Services } from '../http/app.ts';
import { FallbackRateLimiter } from '../rate-limit/fallback-rate-limiter.ts';
import { logSerializers } from '../http/log-serializers.ts';
import { KnownDevices } from '../http/known-device-cookie.ts';
import { LoginThrottle } from '../rate-limit/login-throttle.ts';
import { openRateLimiter } from '../rate-limit/open-rate-limiter.ts';
import { SecurityEventSink } from '../http/observability.ts';
import { LatchkeyMetrics } from './metrics.ts';
import { openServerSecret } from './server-secret-file.ts';
import { describeDatabase, type StartupReport } from './startup-report.ts';
import { serverLogger } from './logger.ts';
import { createMounts, type Mounts } from './mounts.ts';
import { KyselyOAuthStore } from '../oauth/kysely-oauth-store.ts';
import { OpenIdProvider } from '../oauth/provider.ts';
import { KyselyStore } from '../store/kysely-store.ts';
import { openStore } from '../store/open-store.ts';
import { raisingStoreUnavailable } from '../store/outage.ts';
import type { Store } from '../core/store.ts';
import { createTokenVerifier } from '../verify/token-verifier.ts';
import { withMailOutbox } from '../delivery/mail-outbox.ts';
import type { MailSender } from '../delivery/mail-sender.ts';
import { accountMail } from '../mail/account-mail.ts';

export interface LatchkeyOptions {
  readonly clock?: Clock;
  /** An already open store; default: the one `config.store` names. */
  readonly store?: Store;
  /** argon2id cost; default OWASP's (19 MiB, t=2, p=1). */
  readonly argon2?: Argon2Cost;
  /** The password hasher (its queue limits); default one with `argon2` and a slot per core. */
  readonly passwords?: PasswordHasher;
  readonly logger?: FastifyServerOptions['logger'];
  /** Run the event delivery pipeline (revocation feed, webhooks); default true. One-shot CLI commands turn it off. */
  readonly delivery?: boolean;
  /** Milliseconds between background sweeps of expired rows; default 60,000; `0` runs none. */
  readonly sweepInterval?: number;
  /** Deliver the mail outbox from this instance (default true); `false` leaves it to other instances. */
  readonly sendMail?: boolean;
  /** Milliseconds between two looks at the mail outbox when nothing nudges (default 1000). */
  readonly mailPollMs?: number;
}

export interface Latchkey extends Services, Omit<Mounts, 'close'> {
  /** Delivers the mail outbox (stopped by `close()`). */
  readonly mailSender: MailSender;
  /** Stops serving (latchkey's own instances), the background sweep and the key ring, and closes the store. Idempotent. */
  /** The database and what this start created, for the first line `serve` logs. */
  readonly startup: StartupReport;
  close(): Promise<void>;
  /**
   * The final flush of the log lines still buffered, waiting for the log destination until
   * `deadline` (epoch ms) at most; a no-op for a logger the caller passed in.
   */
  flushLogs(deadline: number): void;
}

/**
 * Wires store, keys, core and HTTP together from a config: everything `latchkey serve` runs,
 * without listening. The app is ready to `listen()` or to `inject()`.
 *
 * @example
 * const latchkey = await createLatchkey(loadConfig())
 * await latchkey.app.listen({ host: latchkey.config.host, port: latchkey.config.port })
 */
export async function createLatchkey(config: Config, options: LatchkeyOptions = {}): Promise<Latchkey> {
  const clock = options.clock ?? systemClock;
  let nudgeSender = () => {};
  const store = withMailOutbox(options.store ?? (await openStore(config.store)), {
    alerts: config.mail.alerts,
    onEnqueued: () => nudgeSender(),
  });
  const opened = openServerSecret(config.store);
  const secret = new ServerSecret(opened.secret);
  const keys = await KeyRing.open(store, secret, clock, {
    alg: config.signingAlg,
    accessTtl: config.session.accessTtl,
    activationDelay: config.keyActivationDelay,
  });
  const metrics = new LatchkeyMetrics();
  const events = new SecurityEventSink(metrics);
  let delivery: Delivery | undefined;
  let log: FastifyBaseLogger | undefined;
  const passwords = options.passwords ?? new PasswordHasher(options.argon2);
  const auth = new Auth({
    store,
    clock,
    policy: config.session,
    keys,
    passwords,
    refreshTokens: new RefreshTokenCodec(secret.refreshMacKey),
    issuer: config.issuer,
    audience: config.audience,
    requireVerifiedEmail: config.mail.requireVerifiedEmail,
    onEvents: (written, request) => {
      events.onEvents(written, request);
      delivery?.wake(written);
    },
  });
  const verifyAccessToken = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    resolveKey: (kid) => keys.publicKey(kid),
    now: () => clock.now(),
    expiryTolerance: 0, // our own tokens: this server set `exp`, no skew to allow for
  });
  const limiter = await openRateLimiter({ redisUrl: config.redisUrl, prefix: config.redisPrefix, clock });
  const throttle = new LoginThrottle(limiter, config.throttle, auth);
  const knownDevices = new KnownDevices(secret.knownDeviceKey, config.http);
  const mail = accountMail(config, { store, clock, secret, auth, limiter, passwords });
  const oauth = new OpenIdProvider({
    store: raisingStoreUnavailable(new KyselyOAuthStore(kyselyOf(store))),
    auth,
    keys,
    clock,
    issuer: config.issuer,
    accessTtl: config.session.accessTtl,
    passwordGrant: config.passwordGrant,
    secret: secret.refreshMacKey,
  });
  if (store instanceof KyselyStore && options.delivery !== false) {
    delivery = await startDelivery({
      store, config, clock, secret, auth, verifyAccessToken,
      log: { warn: (obj, msg) => log?.warn(obj, msg) },
      sign: (claims, typ) => keys.sign(claims, typ),
    });
  }
  const served = options.logger === undefined ? serverLogger(config.logLevel, config.logFormat) : undefined;
  const services: Services = {
    config, auth, keys, store, verifyAccessToken, metrics, throttle, oauth, delivery, knownDevices, accountMail: mail.services,
    accessLines: served?.accessLines,
  };
  // Redaction applies to every logger built from options, including one a caller passes in.
  const safe = { redact: { paths: LOG_REDACTIONS, censor: '[redacted]' }, serializers: logSerializers };
  const logger = served ? { ...served.options, ...safe }
    : typeof options.logger === 'object' && options.logger !== null ? { ...safe, ...options.logger } : options.logger;
  const adoptLogger = (logger: FastifyBaseLogger) => {
    if (log) return;
    log = logger;
    events.logger = logger;
    if (limiter instanceof FallbackRateLimiter) limiter.log = logger;
    throttle.onError = (err) => logger.warn({ err }, 'recording a refused login failed');
  };
  const mailLog = {
    info: (fields: object, message: string) => log?.info(fields, message),
    warn: (fields: object, message: string) => log?.warn(fields, message),
    error: (fields: object, message: string) => log?.error(fields, message),
  };
  const mailSender = mail.sender(mailLog, options.mailPollMs);
  if (options.sendMail !== false) {
    mailSender.start();
    nudgeSender = () => mailSender.nudge();
  }
  const sweepInterval = options.sweepInterval ?? 60_000;
  const stopSweeper = sweepInterval > 0
    ? startSweeper(store, config, clock, sweepInterval, (err) => log?.warn({ err }, 'garbage sweep failed'))
    : () => {};
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      stopSweeper();
      await mailSender.stop();
      await mail.transport.close();
      keys.close();
      await mounts.close();
      await delivery?.close();
      await limiter.close();
      await store.close();
    })();
    return closing;
  };
  const mounts = createMounts(services, { logger, adoptLogger, closeLatchkey: close });
  const created = [
    ...(opened.created ? [`a new server secret in ${config.store.dataDir}/secret (back it up: the signing keys are sealed with it)`] : []),
    ...(keys.createdOnOpen ? [`a new ${config.signingAlg} signing key`] : []),
  ];
  return {
    ...services,
    startup: { database: describeDatabase(config.store), created },
    get app() {
      return mounts.app;
    },
    plugin: mounts.plugin,
    handler: mounts.handler,
    mailSender,
    close,
    flushLogs: (deadline) => served?.destination.flushSync(deadline),
  };
}

/** The Kysely instance under a store: the OAuth tables live in the same database. */
function kyselyOf(store: Store) {
  if (!(store instanceof KyselyStore)) throw new Error('latchkey needs its own KyselyStore (openStore) to serve OAuth');
  return store.database;
}
