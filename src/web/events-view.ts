import type { SecurityEvent, SessionInfo } from '../client/index.ts';
import { describeEvent } from './describe-event.ts';
import { guessDevice, type DeviceLike } from './device-name.ts';
import { h, icon } from './dom.ts';
import { relativeTimeElement } from './devices-view.ts';

/**
 * The recent security events as list items, newest first, in words. A sign-in that also recorded
 * "new device" is shown once, as the new-device sign-in.
 *
 * @example
 * list.replaceChildren(...eventItems(events, sessions, Date.now()))
 */
export function eventItems(events: readonly SecurityEvent[], sessions: readonly SessionInfo[], now: number): HTMLLIElement[] {
  if (events.length === 0) return [h('li', { class: 'empty' }, 'Nothing to show yet.')];
  const devices = new Map<string, DeviceLike>();
  for (const event of events) {
    if ((event.type === 'login' || event.type === 'new_device') && event.sessionId) {
      const guess = guessDevice(event.userAgent);
      if (guess) devices.set(event.sessionId, guess);
    }
  }
  for (const session of sessions) devices.set(session.id, session.device);
  const newDeviceSessions = new Set(events.filter((e) => e.type === 'new_device').map((e) => e.sessionId));
  const deviceOf = (event: SecurityEvent) => (event.sessionId ? devices.get(event.sessionId) : undefined) ?? guessDevice(event.userAgent);

  return events
    .filter((event) => !(event.type === 'login' && newDeviceSessions.has(event.sessionId)))
    .map((event) => {
      const words = describeEvent(event, deviceOf);
      return h(
        'li',
        { class: words.alarm ? 'event alarm' : 'event', 'data-type': event.type },
        icon(words.alarm ? 'alert' : 'key'),
        h(
          'div',
          {},
          h('p', { class: 'event-text' }, words.text),
          h('p', { class: 'event-meta' }, relativeTimeElement(event.at, now), event.ip ? ` · IP ${event.ip}` : ''),
        ),
      );
    });
}
