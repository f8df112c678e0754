import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { compareCursors, formatCursor, parseCursor } from '../../src/delivery/cursor.ts';
import { FeedKeys } from '../../src/delivery/feed-keys.ts';
import { isForbiddenAddress } from '../../src/delivery/webhooks/address-guard.ts';
import { retryDelayMs } from '../../src/delivery/webhooks/retry-schedule.ts';

describe('webhook address guard', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc00::2', 'ff02::1', '::ffff:127.0.0.1',
    '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });
  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('retry schedule', () => {
  const defaults = loadConfig({}).delivery.webhookRetrySchedule;
  it('retries first within 5 s, then ever later, over more than a day, then gives up', () => {
    expect(retryDelayMs(1, defaults, () => 0)).toBe(5000);
    expect(retryDelayMs(1, defaults, () => 0.999)!).toBeGreaterThanOrEqual(4000);
    const delays = defaults.map((_, i) => retryDelayMs(i + 1, defaults, () => 0)!);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    const worstCaseTotal = defaults.reduce((sum, _, i) => sum + retryDelayMs(i + 1, defaults, () => 1)!, 0);
    expect(worstCaseTotal).toBeGreaterThan(86_400_000);
    expect(retryDelayMs(defaults.length + 1, defaults)).toBeUndefined();
  });
  it('jitters each delay down by at most a fifth', () => {
    for (const r of [0, 0.25, 0.5, 0.75, 1]) {
      const d = retryDelayMs(2, [300], () => r) ?? retryDelayMs(1, [300], () => r)!;
      expect(d).toBeGreaterThanOrEqual(240_000);
      expect(d).toBeLessThanOrEqual(300_000);
    }
  });
});

describe('delivery settings', () => {
  it.each([
    [{ LATCHKEY_REVOCATION_KEYS: 'short' }, 'LATCHKEY_REVOCATION_KEYS'],
    [{ LATCHKEY_WEBHOOK_ALLOW_PRIVATE: 'yes' }, 'LATCHKEY_WEBHOOK_ALLOW_PRIVATE'],
    [{ LATCHKEY_WEBHOOK_TIMEOUT: '0' }, 'LATCHKEY_WEBHOOK_TIMEOUT'],
    [{ LATCHKEY_WEBHOOK_RETRY_SCHEDULE: '5,soon' }, 'LATCHKEY_WEBHOOK_RETRY_SCHEDULE'],
    [{ LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN: '-1' }, 'LATCHKEY_WEBHOOK_CIRCUIT_COOLDOWN'],
  ])('a bad value stops the start naming the setting: %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
  it('reads keys as a comma-separated list (rotation)', () => {
    expect(loadConfig({ LATCHKEY_REVOCATION_KEYS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ' }).delivery.revocationKeys).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  });
});

describe('feed keys and cursors', () => {
  it('accepts only a configured key, whole', () => {
    const keys = new FeedKeys(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(keys.accepts('aaaaaaaaaaaaaaaa')).toBe(true);
    expect(keys.accepts('bbbbbbbbbbbbbbbb')).toBe(true);
    for (const wrong of [undefined, '', 'aaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaa', 'AAAAAAAAAAAAAAAA']) expect(keys.accepts(wrong)).toBe(false);
    expect(new FeedKeys([]).enabled).toBe(false);
  });
  it('round-trips cursors and refuses anything else', () => {
    expect(parseCursor(formatCursor({ txid: 812, position: 44 }))).toEqual({ txid: 812, position: 44 });
    for (const bad of ['', '1', '1-', '-1-2', '1-2-3', 'a-b', '1e3-2', '9999999999999999-1']) expect(parseCursor(bad)).toBeUndefined();
    expect(compareCursors({ txid: 1, position: 9 }, { txid: 2, position: 1 })).toBeLessThan(0);
  });
});
