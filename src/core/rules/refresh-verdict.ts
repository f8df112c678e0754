import type { RevokeReason } from '../../contract/index.ts';
import type { SessionPolicy } from '../policy.ts';
import type { RequestContext, Session } from '../types.ts';
import { checkDeviceBinding, type ImpliedEvent } from './device-binding.ts';
import { sessionDeadline } from './session-deadline.ts';

/**
 * What a refresh with a genuine token of a live session does (docs/api.md, "Refresh"):
 * - `rotate`: the token is the live one and the device checks pass; retire it, issue the next,
 *   move the deadline to `expiresAt`, record `events` (`refresh`, plus what the checks logged);
 * - `grace`: the token is the one retired just before, replayed by the same device within
 *   `policy.grace` seconds of the rotation; answer with the current token, change nothing;
 * - `reuse`: any other retired token; the session ends (`refresh_token_reuse`);
 * - `binding-revoke`: the live token from another device; the session ends (`suspicious_refresh`).
 */
export type RefreshVerdict =
  | { readonly kind: 'rotate'; readonly expiresAt: number; readonly events: readonly ImpliedEvent[] }
  | { readonly kind: 'grace' }
  | { readonly kind: 'reuse' | 'binding-revoke'; readonly revoke: RevokeReason; readonly events: readonly ImpliedEvent[] };

type RefreshedSession = Pick<Session, 'counter' | 'rotatedAt' | 'createdAt' | 'deviceId' | 'userAgent' | 'device' | 'lastIp'>;

/**
 * Decides a refresh. `counter` is the presented token's position in the session's chain; the
 * caller has checked the token's MAC, that the session is live and that its user is enabled.
 *
 * @example
 * const verdict = refreshVerdict(session, parsed.counter, request, clock.now(), policy)
 * if (verdict.kind === 'rotate') await store.rotateSession(session.id, session.counter, ...)
 */
export function refreshVerdict(
  session: RefreshedSession,
  counter: number,
  request: RequestContext,
  now: number,
  policy: Pick<SessionPolicy, 'grace' | 'idleTtl' | 'maxAge' | 'uaChange' | 'ipChange'>,
): RefreshVerdict {
  if (counter === session.counter) {
    const binding = checkDeviceBinding(session, request, policy);
    if (binding.revoke) return { kind: 'binding-revoke', revoke: binding.revoke, events: binding.events };
    const events = [{ type: 'refresh', detail: null } as const, ...binding.events];
    return { kind: 'rotate', expiresAt: sessionDeadline(session.createdAt, now, policy), events };
  }
  if (isGraceReplay(session, counter, request, now, policy)) return { kind: 'grace' };
  return {
    kind: 'reuse',
    revoke: 'refresh_token_reuse',
    events: [{ type: 'refresh_token_reuse', detail: { tokenAge: session.counter - counter } }],
  };
}

/**
 * The grace window: the token retired by the latest rotation, within `policy.grace` seconds of it
 * (half-open, so `grace = 0` means no window), from a device that passes the binding checks.
 */
function isGraceReplay(
  session: RefreshedSession,
  counter: number,
  request: RequestContext,
  now: number,
  policy: Pick<SessionPolicy, 'grace' | 'uaChange' | 'ipChange'>,
): boolean {
  return (
    counter === session.counter - 1 &&
    session.rotatedAt !== null &&
    now - session.rotatedAt < policy.grace * 1000 &&
    checkDeviceBinding(session, request, policy).revoke === null
  );
}
