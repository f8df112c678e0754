import type { SessionInfo } from '../client/index.ts';
import { DEVICE_TYPE_NAMES, deviceName } from './device-name.ts';
import { h, icon } from './dom.ts';
import { absoluteTime, relativeTime } from './relative-time.ts';

/**
 * One list item per signed-in device: icon, "Firefox on Windows", a "This device" badge, the facts
 * (type, IPs, when it signed in, when it was last active) and its "Sign out" button. This device
 * comes first; the others keep the server's order (most recently used first).
 *
 * @example
 * list.replaceChildren(...deviceItems(sessions, Date.now(), (s) => askAndSignOut(s)))
 */
export function deviceItems(sessions: readonly SessionInfo[], now: number, onSignOut: (session: SessionInfo) => void): HTMLLIElement[] {
  if (sessions.length === 0) return [h('li', { class: 'empty' }, 'No device is signed in.')];
  const ordered = [...sessions.filter((s) => s.current), ...sessions.filter((s) => !s.current)];
  return ordered.map((session) => {
    const name = capitalize(deviceName(session.device));
    const headingId = `device-${session.id}`;
    const button = h(
      'button',
      { type: 'button', class: 'button danger', 'aria-describedby': headingId },
      session.current ? 'Sign out of this device' : 'Sign out',
    );
    button.addEventListener('click', () => onSignOut(session));
    return h(
      'li',
      { class: 'device', 'data-session-id': session.id, 'data-current': session.current ? 'true' : 'false' },
      h('div', { class: 'device-icon' }, icon(session.device.type)),
      h(
        'div',
        {},
        h(
          'h3',
          { class: 'device-name', id: headingId },
          name,
          session.app && h('span', { class: 'device-app' }, ` · ${session.app.name}`),
          session.current && h('span', { class: 'badge' }, 'This device'),
        ),
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Type'),
          h('dd', { class: 'device-type' }, DEVICE_TYPE_NAMES[session.device.type] ?? DEVICE_TYPE_NAMES.unknown),
          h('dt', {}, 'IP address'),
          h('dd', {}, session.lastIp === session.ip ? session.ip : `${session.lastIp} (signed in from ${session.ip})`),
          h('dt', {}, 'Signed in'),
          h('dd', {}, timeElement(session.createdAt, absoluteTime(session.createdAt))),
          h('dt', {}, 'Last active'),
          h('dd', {}, session.current ? 'Now' : relativeTimeElement(session.lastActiveAt, now)),
        ),
      ),
      button,
    );
  });
}

/** A `<time>` whose text says how long ago it was, kept current by {@link refreshRelativeTimes}. */
export function relativeTimeElement(iso: string, now: number): HTMLTimeElement {
  const element = timeElement(iso, relativeTime(iso, now));
  element.dataset.relative = 'true';
  element.title = absoluteTime(iso);
  return element;
}

/**
 * Rewrites every relative time on the page ("5 minutes ago" becomes "6 minutes ago").
 *
 * @example
 * setInterval(() => refreshRelativeTimes(document, Date.now()), 30_000)
 */
export function refreshRelativeTimes(root: ParentNode, now: number): void {
  for (const element of root.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    element.textContent = relativeTime(element.dateTime, now);
  }
}

function timeElement(iso: string, text: string): HTMLTimeElement {
  return h('time', { datetime: iso }, text);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
