import { ConfigError } from '../config.ts';

/** The settings of the delivery pipeline: the revocation feed and webhooks. */
export interface DeliveryConfig {
  /** `LATCHKEY_REVOCATION_KEYS`: bearer keys (16+ characters, comma-separated) that open `GET /revocations`; none: the feed is off. */
  readonly revocationKeys: readonly string[];
  /** `LATCHKEY_WEBHOOK_ALLOW_PRIVATE`: allow webhook URLs that resolve to private, loopback or link-local addresses (default false). */
  readonly webhookAllowPrivate: boolean;
  /** `LATCHKEY_WEBHOOK_TIMEOUT`: seconds a receiver has to answer one delivery (default 10). */
  readonly webhookTimeout: number;
  /**
   * `LATCHKEY_WEBHOOK_RETRY_SCHEDULE`: seconds before each retry (comma-separated, each jittered down
   * by up to 20%); after the last one fails, the delivery is dead. Default 5 s, 5 min, 30 min, 2 h, 5 h,
   * 10 h, 10 h, 10 h: nine tries spread over 30 to 37.6 hours.
   */
  readonly webhookRetrySchedule: readonly number[];
  /** `LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN`: seconds an endpoint rests after 5 failures in a row (default 60). */
  readonly webhookCircuitCooldown: number;
}

export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000];

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the delivery settings from `env`.
 * @throws ConfigError naming the bad setting
 * @example
 * const delivery = loadDeliveryConfig({ LATCHKEY_REVOCATION_KEYS: 'rs-key-0123456789abcdef' })
 */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const list = (name: string) => raw(name)?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const seconds = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new ConfigError(`${name}: must be a whole number from ${min} to ${max}, not "${value}"`);
    return n;
  };
  const keys = list('LATCHKEY_REVOCATION_KEYS');
  if (keys.some((k) => k.length < 16 || /\s/.test(k))) {
    throw new ConfigError('LATCHKEY_REVOCATION_KEYS: each key must be at least 16 characters without spaces');
  }
  const allowPrivate = raw('LATCHKEY_WEBHOOK_ALLOW_PRIVATE') ?? 'false';
  if (allowPrivate !== 'true' && allowPrivate !== 'false') {
    throw new ConfigError(`LATCHKEY_WEBHOOK_ALLOW_PRIVATE: must be true or false, not "${allowPrivate}"`);
  }
  const schedule = list('LATCHKEY_WEBHOOK_RETRY_SCHEDULE').map((v) => seconds('LATCHKEY_WEBHOOK_RETRY_SCHEDULE', v, 1, 604_800));
  if (schedule.length > 30) throw new ConfigError('LATCHKEY_WEBHOOK_RETRY_SCHEDULE: at most 30 retries');
  return Object.freeze({
    revocationKeys: Object.freeze(keys),
    webhookAllowPrivate: allowPrivate === 'true',
    webhookTimeout: seconds('LATCHKEY_WEBHOOK_TIMEOUT', raw('LATCHKEY_WEBHOOK_TIMEOUT') ?? '10', 1, 60),
    webhookRetrySchedule: Object.freeze(schedule.length > 0 ? schedule : [...DEFAULT_RETRY_SCHEDULE]),
    webhookCircuitCooldown: seconds('LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN', raw('LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN') ?? '60', 1, 86_400),
  });
}
