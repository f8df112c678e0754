import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long the sign-in page of one authorization request stays usable. */
const TICKET_LIFE_MS = 60 * 60 * 1000;

/**
 * The authorize page's ticket: `<servedAt>.<HMAC(key, servedAt | request)>`. It tells the server,
 * statelessly and on any instance, when the page for this exact request was served, so `prompt=login`
 * and `max_age` can demand a sign-in made after that moment.
 *
 * @example
 * const ticket = issueTicket(key, query, Date.now())
 * readTicket(key, query, ticket, Date.now()) // the servedAt, or undefined
 */
export function issueTicket(key: Buffer, request: string, servedAt: number): string {
  return `${servedAt}.${mac(key, servedAt, request)}`;
}

/** The time the page was served, or `undefined` for a forged, foreign or stale ticket. */
export function readTicket(key: Buffer, request: string, ticket: string, now: number): number | undefined {
  const [time, signature, extra] = ticket.split('.');
  if (!time || !signature || extra !== undefined || !/^\d{1,15}$/.test(time)) return undefined;
  const servedAt = Number(time);
  const expected = Buffer.from(mac(key, servedAt, request));
  const actual = Buffer.from(signature);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  return now - servedAt <= TICKET_LIFE_MS && servedAt <= now + 60_000 ? servedAt : undefined;
}

function mac(key: Buffer, servedAt: number, request: string): string {
  return createHmac('sha256', key).update(`${servedAt}|${request}`).digest('base64url');
}
