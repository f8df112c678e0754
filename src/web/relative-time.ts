const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/**
 * "just now", "5 minutes ago", "yesterday", "3 weeks ago": how long before `now` an ISO time was.
 *
 * @example
 * relativeTime('2026-06-01T11:55:00Z', Date.parse('2026-06-01T12:00:00Z')) // '5 minutes ago'
 */
export function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return 'at an unknown time';
  if (seconds < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return format.format(-Math.round(seconds / size), unit);
  }
  return format.format(-1, 'minute');
}

/**
 * A date and time a person reads at a glance, e.g. "Jun 1, 2026, 12:00 PM".
 *
 * @example
 * absoluteTime('2026-06-01T12:00:00Z')
 */
export function absoluteTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? absolute.format(ms) : 'unknown';
}
