import type { Device } from '../client/index.ts';

/** What the page needs to name a device. */
export type DeviceLike = Pick<Device, 'browser' | 'os'>;

/**
 * "Firefox on Windows", "Safari on iOS", "Chrome", "an unknown device".
 *
 * @example
 * deviceName({ browser: 'Firefox', os: 'Windows' }) // 'Firefox on Windows'
 */
export function deviceName(device: DeviceLike | null | undefined): string {
  const browser = known(device?.browser);
  const os = known(device?.os);
  if (browser && os) return `${browser} on ${os}`;
  if (browser) return browser;
  if (os) return `a browser on ${os}`;
  return 'an unknown device';
}

/** How the page names a device type. */
export const DEVICE_TYPE_NAMES: Readonly<Record<Device['type'], string>> = {
  desktop: 'Computer',
  mobile: 'Phone',
  tablet: 'Tablet',
  unknown: 'Unknown device type',
};

const BROWSERS: ReadonlyArray<[RegExp, string]> = [
  [/Edg(e|A|iOS)?\//, 'Microsoft Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/Chrome\/|CriOS/, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
  [/Windows/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'Chrome OS'],
  [/Linux/, 'Linux'],
];

/**
 * A rough browser/OS from a raw User-Agent, for events whose session is no longer listed. The
 * server's own parse (in each session's `device`) is preferred wherever there is one.
 *
 * @example
 * guessDevice('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0')
 * // { browser: 'Firefox', os: 'Windows' }
 */
export function guessDevice(userAgent: string | null): DeviceLike | null {
  if (!userAgent) return null;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1] ?? 'Unknown';
  const os = SYSTEMS.find(([re]) => re.test(userAgent))?.[1] ?? 'Unknown';
  return browser === 'Unknown' && os === 'Unknown' ? null : { browser, os };
}

function known(value: string | undefined): string | undefined {
  return value && value !== 'Unknown' ? value : undefined;
}
