import { isIP } from 'node:net';
import path from 'node:path';
import type { SessionPolicy } from './core/policy.ts';
import type { SigningAlg } from './core/key-ring.ts';
import { loadMailConfig, type MailConfig } from './mail/mail-config.ts';
import { loadDeliveryConfig, type DeliveryConfig } from './delivery/config.ts';
import { ConfigError, limit, reader, type Env, type SettingsReader } from './settings-reader.ts';

export { ConfigError, limit, type SettingsReader };

/** Everything latchkey reads from its environment, validated once at start and then frozen. */
/** At most `limit` hits per `window` seconds; `limit: 0` switches the rule off. */
export interface Limit {
  readonly limit: number;
  readonly window: number;
}

/** The login throttle's rules (settings `LATCHKEY_*_LIMIT` / `LATCHKEY_*_WINDOW`), read by src/rate-limit/login-throttle.ts. */
export interface ThrottleSettings {
  /** Failed logins for one account from one client IP (default 5 per 15 min); a success clears it. */
  readonly loginFailures: Limit;
  /** Login attempts from one client IP, whatever the account (default 30 per minute). */
  readonly loginPerIp: Limit;
  /** Login attempts from one IPv6 /56 (a home or small-office allocation: 256 /64s), whatever the account (default 60 per minute). */
  readonly loginPerNetwork: Limit;
  /**
   * Login attempts at one account from all addresses together (default 50 per 15 min; a success
   * clears it). Beyond it the account is slowed down, not locked: one attempt per `window / limit`
   * seconds from anywhere, and none of that for the owner's known devices.
   */
  readonly loginPerAccount: Limit;
  /** Sign-ups from one client IP (default 20 per hour). */
  readonly registerPerIp: Limit;
  /** Refreshes (`/auth/refresh`, `grant_type=refresh_token`) from one client IP (default 600 per minute). */
  readonly refreshPerIp: Limit;
}

/** The throttle's defaults: what an unset `LATCHKEY_*_LIMIT` / `LATCHKEY_*_WINDOW` means. */
export const DEFAULT_THROTTLE: ThrottleSettings = Object.freeze({
  loginFailures: { limit: 5, window: 900 },
  loginPerIp: { limit: 30, window: 60 },
  loginPerNetwork: { limit: 60, window: 60 },
  loginPerAccount: { limit: 50, window: 900 },
  registerPerIp: { limit: 20, window: 3600 },
  refreshPerIp: { limit: 600, window: 60 },
});

export interface Config {
  readonly host: string;
  readonly port: number;
  /** `iss` of every token and the base of every URL latchkey publishes. */
  readonly issuer: string;
  /** `aud` of every access token. */
  readonly audience: string;
  readonly session: SessionPolicy;
  readonly signingAlg: SigningAlg;
  /**
   * Seconds a new signing key is published before it signs (`LATCHKEY_KEY_ACTIVATION_DELAY`, default 30):
   * every instance and every verifier's JWKS cache knows a key before the first token it signs.
   */
  readonly keyActivationDelay: number;
  readonly http: HttpConfig;
  readonly store: StoreConfig;
  /** `REDIS_URL`: shares rate limits across instances. */
  readonly redisUrl: string | undefined;
  /** `LATCHKEY_REDIS_PREFIX`: every Redis key latchkey writes starts with it (default `latchkey:`). */
  readonly redisPrefix: string;
  /** Login, sign-up and refresh limits (`LATCHKEY_{LOGIN_FAILURE,LOGIN_IP,LOGIN_NET,LOGIN_ACCOUNT,REGISTER_IP,REFRESH_IP}_{LIMIT,WINDOW}`). */
  readonly throttle: ThrottleSettings;
  /** Security events older than this many seconds are swept (`LATCHKEY_EVENT_RETENTION`, default 90 days). */
  readonly eventRetention: number;
  readonly logLevel: string;
  /**
   * `LATCHKEY_LOG_FORMAT`: `pretty` (readable lines), `json` (one JSON object a line, for log
   * collectors) or `auto` (default: pretty when stdout is a terminal, else JSON).
   */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /**
   * `LATCHKEY_SIGNUP`: `open` (default) lets anyone create an account on `/auth/register` and the
   * account page; `closed` hides the form and answers `403 signup_closed` (operators still create
   * accounts with `latchkey users create`).
   */
  readonly signup: 'open' | 'closed';
  /** Seconds `serve` waits for in-flight requests on SIGTERM/SIGINT before it exits anyway (`LATCHKEY_SHUTDOWN_TIMEOUT`, default 10). */
  readonly shutdownTimeout: number;
  /** E-mail: transport, alerts, links and their limits (src/mail/mail-config.ts). */
  readonly mail: MailConfig;
  /** The revocation feed and webhooks (src/delivery/config.ts). */
  readonly delivery: DeliveryConfig;
  /**
   * `LATCHKEY_PASSWORD_GRANT` (default `false`): whether `/oauth/token` accepts `grant_type=password`.
   * RFC 9700 §2.4 says the password grant must not be used; apps sign in with the code flow instead.
   */
  readonly passwordGrant: boolean;
}

export interface HttpConfig {
  readonly allowedOrigins: readonly string[];
  /**
   * True while neither `LATCHKEY_ISSUER` nor `LATCHKEY_ALLOWED_ORIGINS` is set: every loopback
   * spelling of the served port is allowed as well (see http/allowed-origin.ts).
   */
  readonly loopbackOrigins: boolean;
  /** `LATCHKEY_TRUST_PROXY`: proxies whose `X-Forwarded-For` is believed; empty = none. */
  readonly trustProxy: readonly string[];
  readonly cookieName: string;
  readonly cookieSecure: boolean;
}

export interface StoreConfig {
  /** `LATCHKEY_DATA_DIR`: the SQLite file and the generated server secret live here. */
  readonly dataDir: string;
  /** `DATABASE_URL`: a `postgres://` URL selects PostgreSQL instead of SQLite. */
  readonly databaseUrl: string | undefined;
  /** `LATCHKEY_DB_POOL_SIZE`: PostgreSQL connections per instance (default 10). */
  readonly poolSize: number;
  /** `LATCHKEY_SECRET`: the server secret (base64url or hex, 32+ bytes). Unset: a file in the data dir. */
  readonly secret: string | undefined;
}

/**
 * Reads the settings (docs/api.md, "Settings") from `env`.
 *
 * @throws ConfigError naming the first bad setting.
 * @example
 * const config = loadConfig({ ...process.env, PORT: '8080' })
 */
export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const port = read.int('PORT', 3000, 0, 65535);
  const issuer = read.url('LATCHKEY_ISSUER', `http://localhost:${port}`);
  const secure = issuer.startsWith('https:');
  const session: SessionPolicy = {
    accessTtl: read.int('LATCHKEY_ACCESS_TTL', 900, 1),
    idleTtl: read.int('LATCHKEY_REFRESH_IDLE_TTL', 1_209_600, 1),
    maxAge: read.int('LATCHKEY_SESSION_MAX_AGE', 7_776_000, 1),
    grace: read.int('LATCHKEY_REFRESH_GRACE', 10, 0),
    ipChange: read.choice('LATCHKEY_IP_CHANGE', ['allow', 'log', 'revoke'], 'log'),
    uaChange: read.choice('LATCHKEY_UA_CHANGE', ['revoke', 'log'], 'revoke'),
    maxSessions: read.int('LATCHKEY_MAX_SESSIONS', 0, 0),
  };
  const config: Config = {
    host: read.string('HOST', '127.0.0.1'),
    port,
    issuer,
    audience: read.string('LATCHKEY_AUDIENCE', issuer),
    session: Object.freeze(session),
    signingAlg: read.choice('LATCHKEY_SIGNING_ALG', ['ES256', 'EdDSA', 'RS256'], 'ES256'),
    keyActivationDelay: read.int('LATCHKEY_KEY_ACTIVATION_DELAY', 30, 0, 3600),
    http: Object.freeze({
      allowedOrigins: Object.freeze(read.list('LATCHKEY_ALLOWED_ORIGINS', [new URL(issuer).origin]).map(origin(read))),
      loopbackOrigins: env.LATCHKEY_ISSUER?.trim() ? false : !env.LATCHKEY_ALLOWED_ORIGINS?.trim(),
      trustProxy: Object.freeze(read.list('LATCHKEY_TRUST_PROXY', []).map(proxy(read))),
      cookieName: read.match('LATCHKEY_COOKIE_NAME', /^[A-Za-z0-9_-]{1,64}$/, 'latchkey_refresh'),
      cookieSecure: read.bool('LATCHKEY_COOKIE_SECURE', secure),
    }),
    store: Object.freeze({
      dataDir: path.resolve(read.string('LATCHKEY_DATA_DIR', './data')),
      databaseUrl: read.optional('DATABASE_URL', (v) => /^postgres(ql)?:\/\//.test(v), 'a postgres:// URL'),
      poolSize: read.int('LATCHKEY_DB_POOL_SIZE', 10, 1, 1000),
      secret: read.optional('LATCHKEY_SECRET', (v) => decodeSecret(v) !== undefined, 'base64url or hex, at least 32 bytes'),
    }),
    redisUrl: read.optional('REDIS_URL', (v) => /^rediss?:\/\//.test(v), 'a redis:// URL'),
    redisPrefix: read.match('LATCHKEY_REDIS_PREFIX', /^[A-Za-z0-9:_.-]{1,64}$/, 'latchkey:'),
    throttle: Object.freeze({
      loginFailures: limit(read, 'LOGIN_FAILURE', DEFAULT_THROTTLE.loginFailures),
      loginPerIp: limit(read, 'LOGIN_IP', DEFAULT_THROTTLE.loginPerIp),
      loginPerNetwork: limit(read, 'LOGIN_NET', DEFAULT_THROTTLE.loginPerNetwork),
      loginPerAccount: limit(read, 'LOGIN_ACCOUNT', DEFAULT_THROTTLE.loginPerAccount),
      registerPerIp: limit(read, 'REGISTER_IP', DEFAULT_THROTTLE.registerPerIp),
      refreshPerIp: limit(read, 'REFRESH_IP', DEFAULT_THROTTLE.refreshPerIp),
    }),
    eventRetention: read.int('LATCHKEY_EVENT_RETENTION', 7_776_000, 1),
    logLevel: read.choice('LATCHKEY_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    logFormat: read.choice('LATCHKEY_LOG_FORMAT', ['auto', 'json', 'pretty'], 'auto'),
    signup: read.choice('LATCHKEY_SIGNUP', ['open', 'closed'], 'open'),
    shutdownTimeout: read.int('LATCHKEY_SHUTDOWN_TIMEOUT', 10, 1, 600),
    mail: loadMailConfig(read, issuer, path.resolve(read.string('LATCHKEY_DATA_DIR', './data'))),
    delivery: loadDeliveryConfig(env),
    passwordGrant: read.bool('LATCHKEY_PASSWORD_GRANT', false),
  };
  checkAgreement(config);
  return Object.freeze(config);
}

/**
 * Settings that are each valid but contradict each other. @throws ConfigError naming both settings
 */
function checkAgreement(config: Config): void {
  const s = config.session;
  const shorter = (a: string, av: number, b: string, bv: number, why: string) => {
    throw new ConfigError(`${a} (${av} s) is shorter than ${b} (${bv} s): ${why}. Raise ${a} or lower ${b}.`);
  };
  if (s.maxAge < s.accessTtl) {
    shorter('LATCHKEY_SESSION_MAX_AGE', s.maxAge, 'LATCHKEY_ACCESS_TTL', s.accessTtl, 'every access token would outlive the session it belongs to');
  }
  if (s.idleTtl < s.accessTtl) {
    shorter('LATCHKEY_REFRESH_IDLE_TTL', s.idleTtl, 'LATCHKEY_ACCESS_TTL', s.accessTtl, 'a session would end as idle while its access token is still in use');
  }
}

/** Decodes a server secret given as hex or base64url; `undefined` when it is shorter than 32 bytes. */
export function decodeSecret(value: string): Buffer | undefined {
  const bytes = /^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
  return bytes && bytes.length >= 32 ? bytes : undefined;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One `LATCHKEY_TRUST_PROXY` entry: a name Fastify knows, an IP, or a CIDR range (`ip/bits` or `ip/netmask`). */
function proxy(read: ReturnType<typeof reader>) {
  return (value: string): string => {
    const [ip = '', range, extra] = value.split('/');
    const family = isIP(ip);
    const bits = Number(range);
    const validRange = range === undefined
      || (/^\d{1,3}$/.test(range) && bits <= (family === 6 ? 128 : 32))
      || (family === 4 && isIP(range) === 4);
    if (PROXY_NAMES.has(value) || (family !== 0 && validRange && extra === undefined)) return value;
    return read.bad('LATCHKEY_TRUST_PROXY', `"${value}" is not loopback, linklocal, uniquelocal, an IP address or a CIDR range`);
  };
}

function origin(read: ReturnType<typeof reader>) {
  return (value: string): string => {
    try {
      const url = new URL(value);
      if (url.origin !== 'null') return url.origin;
    } catch {
      // reported below
    }
    return read.bad('LATCHKEY_ALLOWED_ORIGINS', `"${value}" is not an origin such as https://app.example.com`);
  };
}
