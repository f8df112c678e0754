import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

// Finding: `config check` and the start accepted settings that contradict each other.
describe('settings that contradict each other', () => {
  it.each([
    [{ LATCHKEY_SESSION_MAX_AGE: '600' }, /LATCHKEY_SESSION_MAX_AGE \(600 s\) is shorter than LATCHKEY_ACCESS_TTL \(900 s\)/],
    [{ LATCHKEY_REFRESH_IDLE_TTL: '300', LATCHKEY_ACCESS_TTL: '600' }, /LATCHKEY_REFRESH_IDLE_TTL \(300 s\) is shorter than LATCHKEY_ACCESS_TTL \(600 s\)/],
  ])('%o stops the start with a message naming both settings', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('equal lifetimes, and the defaults, are accepted', () => {
    expect(loadConfig({ LATCHKEY_SESSION_MAX_AGE: '900', LATCHKEY_REFRESH_IDLE_TTL: '900' }).session.maxAge).toBe(900);
    expect(loadConfig({}).session).toMatchObject({ accessTtl: 900, idleTtl: 1_209_600, maxAge: 7_776_000 });
  });

  it('LATCHKEY_SIGNUP and LATCHKEY_LOG_FORMAT accept only their words', () => {
    expect(loadConfig({}).signup).toBe('open');
    expect(loadConfig({ LATCHKEY_SIGNUP: 'closed' }).signup).toBe('closed');
    expect(() => loadConfig({ LATCHKEY_SIGNUP: 'maybe' })).toThrow(/LATCHKEY_SIGNUP: must be one of open, closed/);
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(() => loadConfig({ LATCHKEY_LOG_FORMAT: 'xml' })).toThrow(/LATCHKEY_LOG_FORMAT/);
  });
});
