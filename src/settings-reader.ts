import type { Limit } from './config.ts';

/** A setting with a bad value. The message names the setting and says what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The environment latchkey reads its settings from. */
export type Env = Readonly<Record<string, string | undefined>>;
export type SettingsReader = ReturnType<typeof reader>;

/** `LATCHKEY_<name>_LIMIT` (0 = off) hits per `LATCHKEY_<name>_WINDOW` seconds. */
export function limit(read: SettingsReader, name: string, fallback: Limit): Limit {
  return Object.freeze({
    limit: read.int(`LATCHKEY_${name}_LIMIT`, fallback.limit, 0, 1_000_000),
    window: read.int(`LATCHKEY_${name}_WINDOW`, fallback.window, 1, 86_400),
  });
}

/** Reads settings from `env`; every complaint names the setting (a {@link ConfigError}). */
export function reader(env: Env) {
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const bad = (name: string, why: string): never => {
    throw new ConfigError(`${name}: ${why}`);
  };
  return {
    bad,
    string: (name: string, fallback: string) => raw(name) ?? fallback,
    optional(name: string, valid: (v: string) => boolean, what: string): string | undefined {
      const value = raw(name);
      if (value !== undefined && !valid(value)) bad(name, `must be ${what}`);
      return value;
    },
    int(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) {
        bad(name, `must be a whole number from ${min} to ${max}, not "${value}"`);
      }
      return n;
    },
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (value !== 'true' && value !== 'false') bad(name, `must be true or false, not "${value}"`);
      return value === 'true';
    },
    choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
      const value = raw(name) ?? fallback;
      if (!choices.includes(value as T)) bad(name, `must be one of ${choices.join(', ')}, not "${value}"`);
      return value as T;
    },
    match(name: string, pattern: RegExp, fallback: string): string {
      const value = raw(name) ?? fallback;
      if (!pattern.test(value)) bad(name, `must match ${pattern}, not "${value}"`);
      return value;
    },
    url(name: string, fallback: string): string {
      const value = raw(name) ?? fallback;
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        // reported below
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
        bad(name, `must be an http(s) URL without query or fragment, not "${value}"`);
      }
      return value.replace(/\/+$/, '');
    },
    list: (name: string, fallback: string[]): string[] =>
      raw(name)?.split(',').map((s) => s.trim()).filter(Boolean) ?? fallback,
  };
}
