import type { Session } from '../types.ts';

/** The sessions a new login ends, and why. */
export interface EndedByLogin<S> {
  /** The user's sessions on the same `X-Device-Id`: one session per device (reason `replaced`). */
  readonly replaced: readonly S[];
  /** The least recently used sessions beyond `LATCHKEY_MAX_SESSIONS`, counting the new one (reason `limit`). */
  readonly evicted: readonly S[];
}

type LiveSession = Pick<Session, 'id' | 'deviceId' | 'lastActiveAt'>;

/**
 * True when a login must look at the user's other live sessions at all: only a device id (to
 * replace) or a session limit (to evict) needs them, so a login without either skips that read.
 */
export function loginEndsSessions(deviceId: string | null, maxSessions: number): boolean {
  return deviceId !== null || maxSessions > 0;
}

/**
 * Which of the user's live sessions a new login ends (docs/api.md, "Sessions"):
 * - a session on the same `X-Device-Id` is replaced (never one without a device id);
 * - with `maxSessions > 0`, of the sessions left, all but the `maxSessions - 1` most recently used
 *   (by `lastActiveAt`, ties by id) are evicted, so with the new one there are `maxSessions`.
 * `maxSessions = 0` means no limit. The order of `live` does not matter.
 *
 * @example
 * const { replaced, evicted } = sessionsEndedByLogin(live, request.deviceId, policy.maxSessions)
 */
export function sessionsEndedByLogin<S extends LiveSession>(live: readonly S[], deviceId: string | null, maxSessions: number): EndedByLogin<S> {
  const replaced = deviceId === null ? [] : live.filter((s) => s.deviceId === deviceId);
  if (maxSessions <= 0) return { replaced, evicted: [] };
  const mostRecentFirst = live
    .filter((s) => !replaced.includes(s))
    .sort((a, b) => b.lastActiveAt - a.lastActiveAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { replaced, evicted: mostRecentFirst.slice(maxSessions - 1) };
}
