import type { EventDetail, EventType, RevokeReason } from '../../contract/index.ts';
import { parseDevice, sameFamily } from '../device.ts';
import type { SessionPolicy } from '../policy.ts';
import type { RequestContext, Session } from '../types.ts';

/** An event a rule implies, before the core stamps it with an id, a time, the user and the request. */
export interface ImpliedEvent {
  readonly type: EventType;
  readonly detail: EventDetail | null;
}

/** What a refresh request's device data means for its session. */
export interface BindingVerdict {
  /** Why the session must end, or `null` when the refresh may go on. */
  readonly revoke: Extract<RevokeReason, 'suspicious_refresh'> | null;
  /** Events to record whatever the outcome. */
  readonly events: readonly ImpliedEvent[];
}

/**
 * The binding checks: compares a refresh request with the device its session was created on
 * (docs/api.md, "Device binding"), in this order:
 * 1. another `X-Device-Id` (or one missing or added) always revokes;
 * 2. another browser or OS family follows `policy.uaChange` (a version change never counts);
 * 3. another IP than the last refresh's follows `policy.ipChange` (`allow`, `log`, `revoke`).
 *
 * @example
 * const verdict = checkDeviceBinding(session, request, policy)
 * if (verdict.revoke) endSession(verdict.revoke, verdict.events)
 */
export function checkDeviceBinding(
  session: Pick<Session, 'deviceId' | 'userAgent' | 'device' | 'lastIp'>,
  request: RequestContext,
  policy: Pick<SessionPolicy, 'uaChange' | 'ipChange'>,
): BindingVerdict {
  if ((session.deviceId ?? null) !== (request.deviceId ?? null)) {
    return { revoke: 'suspicious_refresh', events: [{ type: 'suspicious_refresh', detail: { reason: 'device_id' } }] };
  }
  const events: ImpliedEvent[] = [];
  if (request.userAgent !== session.userAgent) {
    const device = parseDevice(request.userAgent);
    if (!sameFamily(session.device, device)) {
      const detail = { reason: 'user_agent', browser: device.browser, os: device.os };
      if (policy.uaChange === 'revoke') return { revoke: 'suspicious_refresh', events: [{ type: 'suspicious_refresh', detail }] };
      events.push({ type: 'suspicious_refresh', detail });
    }
  }
  if (request.ip !== session.lastIp && policy.ipChange !== 'allow') {
    if (policy.ipChange === 'revoke') {
      return { revoke: 'suspicious_refresh', events: [{ type: 'suspicious_refresh', detail: { reason: 'ip', previousIp: session.lastIp } }] };
    }
    events.push({ type: 'ip_changed', detail: { previousIp: session.lastIp } });
  }
  return { revoke: null, events };
}
