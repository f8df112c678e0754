import Bowser from 'bowser';
import type { Device, DeviceType } from './types.ts';

const TYPES: Record<string, DeviceType> = { desktop: 'desktop', mobile: 'mobile', tablet: 'tablet' };

/**
 * Parses a User-Agent into browser, OS and device type.
 *
 * @example
 * parseDevice('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) ... Safari/604.1')
 * // { browser: 'Safari', os: 'iOS', type: 'mobile' }
 */
export function parseDevice(userAgent: string): Device {
  if (!userAgent) return { browser: 'Unknown', os: 'Unknown', type: 'unknown' };
  const parsed = Bowser.parse(userAgent);
  return {
    browser: parsed.browser.name || 'Unknown',
    os: parsed.os.name || 'Unknown',
    type: TYPES[parsed.platform.type ?? ''] ?? 'unknown',
  };
}

/** True when two devices are the same browser family on the same OS family (versions are ignored). */
export function sameFamily(a: Device, b: Device): boolean {
  return a.browser === b.browser && a.os === b.os;
}

/** The key under which a user's known devices are remembered, for `new_device` events. */
export function deviceFingerprint(device: Device, deviceId: string | null): string {
  return deviceId ? `id:${deviceId}` : `ua:${device.browser}|${device.os}|${device.type}`;
}
