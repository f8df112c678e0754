import type { EventDetail } from '../contract/index.ts';
import type { Device, DeviceType } from './types.ts';

/**
 * Where an event keeps the device of the session it is about: three keys of its `detail`, written
 * when the event is recorded (the session's own device, parsed at its login), never guessed later
 * from the User-Agent of whoever caused the event. The HTTP API shows them as the event's `device`.
 */
const KEYS = { browser: 'sessionBrowser', os: 'sessionOs', type: 'sessionDeviceType' } as const;

/**
 * `detail` plus the session's device.
 *
 * @example
 * withSessionDevice({ reason: 'limit' }, session.device)
 * // { reason: 'limit', sessionBrowser: 'Firefox', sessionOs: 'Windows', sessionDeviceType: 'desktop' }
 */
export function withSessionDevice(detail: EventDetail | null, device: Device): EventDetail {
  return { ...detail, [KEYS.browser]: device.browser, [KEYS.os]: device.os, [KEYS.type]: device.type };
}

/**
 * Splits a stored event detail into the session's device (`null` for events about no session, and
 * for events recorded before devices were kept) and the rest of the detail (`null` when nothing is left).
 */
export function sessionDeviceOf(detail: EventDetail | null): { device: Device | null; detail: EventDetail | null } {
  if (!detail || typeof detail[KEYS.browser] !== 'string') return { device: null, detail };
  const { [KEYS.browser]: browser, [KEYS.os]: os, [KEYS.type]: type, ...rest } = detail;
  const device: Device = { browser: String(browser), os: String(os ?? 'Unknown'), type: String(type ?? 'unknown') as DeviceType };
  return { device, detail: Object.keys(rest).length > 0 ? rest : null };
}
