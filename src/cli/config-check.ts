import type { Config } from '../config.ts';
import { UsageError, printTable, type Command } from './command.ts';

/** `latchkey config check`: validates the settings and prints the effective values, secrets masked. */
export const configCommand: Command = {
  summary: 'check the settings and print their effective values (secrets masked)',
  usage: 'latchkey config check',
  async run(args, config) {
    if (args[0] !== 'check' || args.length > 1) throw new UsageError('use "latchkey config check"');
    printTable([['SETTING', 'VALUE', 'FROM'], ...effectiveSettings(config, process.env).map((s) => [s.name, s.value, s.source])]);
    console.log('\nlatchkey: the configuration is valid');
  },
};

export interface EffectiveSetting {
  readonly name: string;
  /** The value in force, with any secret replaced by `****`. */
  readonly value: string;
  readonly source: 'environment' | 'default';
}

/**
 * Every setting (docs/api.md, "Settings") with the value `config` holds, masked where it is secret:
 * `LATCHKEY_SECRET` never shows, and the passwords in `DATABASE_URL` and `REDIS_URL` become `****`.
 */
export function effectiveSettings(config: Config, env: NodeJS.ProcessEnv): EffectiveSetting[] {
  const s = config.session;
  const rows: Array<[string, string]> = [
    ['HOST', config.host],
    ['PORT', String(config.port)],
    ['LATCHKEY_ISSUER', config.issuer],
    ['LATCHKEY_AUDIENCE', config.audience],
    ['LATCHKEY_DATA_DIR', config.store.dataDir],
    ['DATABASE_URL', config.store.databaseUrl ? maskUrl(config.store.databaseUrl) : '(unset: SQLite in the data dir)'],
    ['LATCHKEY_DB_POOL_SIZE', `${config.store.poolSize}`],
    ['LATCHKEY_SECRET', config.store.secret ? '**** (set)' : '(unset: the file "secret" in the data dir)'],
    ['REDIS_URL', config.redisUrl ? maskUrl(config.redisUrl) : '(unset: rate limits per instance)'],
    ['LATCHKEY_ACCESS_TTL', `${s.accessTtl}`],
    ['LATCHKEY_REFRESH_IDLE_TTL', `${s.idleTtl}`],
    ['LATCHKEY_SESSION_MAX_AGE', `${s.maxAge}`],
    ['LATCHKEY_REFRESH_GRACE', `${s.grace}`],
    ['LATCHKEY_IP_CHANGE', s.ipChange],
    ['LATCHKEY_UA_CHANGE', s.uaChange],
    ['LATCHKEY_MAX_SESSIONS', `${s.maxSessions}`],
    ['LATCHKEY_SIGNING_ALG', config.signingAlg],
    ['LATCHKEY_KEY_ACTIVATION_DELAY', `${config.keyActivationDelay}`],
    ['LATCHKEY_TRUST_PROXY', config.http.trustProxy.join(',') || '(unset: X-Forwarded-For is ignored)'],
    ['LATCHKEY_ALLOWED_ORIGINS', config.http.allowedOrigins.join(',')],
    ['LATCHKEY_COOKIE_NAME', config.http.cookieName],
    ['LATCHKEY_COOKIE_SECURE', String(config.http.cookieSecure)],
    ['LATCHKEY_REDIS_PREFIX', config.redisPrefix],
    ...throttleRows(config),
    ['LATCHKEY_EVENT_RETENTION', `${config.eventRetention}`],
    ['LATCHKEY_LOG_LEVEL', config.logLevel],
    ['LATCHKEY_SHUTDOWN_TIMEOUT', `${config.shutdownTimeout}`],
  ];
  return rows.map(([name, value]) => ({ name, value, source: env[name]?.trim() ? 'environment' : 'default' }));
}

function throttleRows(config: Config): Array<[string, string]> {
  const t = config.throttle;
  const rules = [['LOGIN_FAILURE', t.loginFailures], ['LOGIN_IP', t.loginPerIp], ['REGISTER_IP', t.registerPerIp], ['REFRESH_IP', t.refreshPerIp]] as const;
  return rules.flatMap(([name, rule]): Array<[string, string]> => [
    [`LATCHKEY_${name}_LIMIT`, rule.limit === 0 ? '0 (off)' : `${rule.limit}`],
    [`LATCHKEY_${name}_WINDOW`, `${rule.window}`],
  ]);
}

/** The URL with its password (if any) replaced by `****`. */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '****';
  }
}
