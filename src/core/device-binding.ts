import { parseDevice, sameFamily } from './device.ts';
import type { SessionPolicy } from './policy.ts';
import type { EventDetail, EventType, RequestContext, Session } from './types.ts';

/** What a refresh request's device data means for its session. */
export interface BindingVerdict {
  /** Why the session must end, or `null` when the refresh may go on. */
  readonly revoke: string | null;
  /** Events to record whatever the outcome. */
  readonly events: ReadonlyArray<{ readonly type: EventType; readonly detail: EventDetail }>;
}

/**
 * Compares a refresh request with the device its session was created on (contract, section 2):
 * another `X-Device-Id` always revokes; another browser or OS family follows `policy.uaChange`
 * (a version change never counts); another IP follows `policy.ipChange`.
 */
export function checkDeviceBinding(session: Session, request: RequestContext, policy: SessionPolicy): BindingVerdict {
  if ((session.deviceId ?? null) !== (request.deviceId ?? null)) {
    return { revoke: 'suspicious_refresh', events: [{ type: 'suspicious_refresh', detail: { reason: 'device_id' } }] };
  }
  const events: Array<{ type: EventType; detail: EventDetail }> = [];
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
