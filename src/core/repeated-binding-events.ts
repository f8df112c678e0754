import type { NewEvent, Store } from './store.ts';

/**
 * Drops a `suspicious_refresh` (reason `user_agent`, recorded under `LATCHKEY_UA_CHANGE=log`) that
 * repeats the session's latest one: the same other browser and OS refreshing again is the same change,
 * recorded once, not on every later refresh. A change to yet another browser, or back, is recorded.
 * Reads the store only when there is such an event to check.
 *
 * @example
 * const events = await withoutRepeatedUaChange(store, userId, sessionId, verdictEvents)
 */
export async function withoutRepeatedUaChange(
  store: Pick<Store, 'listEvents'>,
  userId: string,
  sessionId: string,
  events: readonly NewEvent[],
): Promise<NewEvent[]> {
  const change = events.find(isUaChange);
  if (!change) return [...events];
  const latest = (await store.listEvents(userId, 50, ['suspicious_refresh'])).find((e) => e.sessionId === sessionId && isUaChange(e));
  const same = latest !== undefined && latest.detail?.browser === change.detail?.browser && latest.detail?.os === change.detail?.os;
  return same ? events.filter((e) => e !== change) : [...events];
}

/** Whether `events` hold a browser change that {@link withoutRepeatedUaChange} must check against the store. */
export function hasUaChange(events: readonly Pick<NewEvent, 'type' | 'detail'>[]): boolean {
  return events.some(isUaChange);
}

function isUaChange(event: Pick<NewEvent, 'type' | 'detail'>): boolean {
  return event.type === 'suspicious_refresh' && event.detail?.reason === 'user_agent';
}
