import { randomUUID } from 'node:crypto';
import type { ClientGrant } from './auth.ts';
import type { Clock } from './clock.ts';
import { deviceFingerprint, parseDevice } from './device.ts';
import { badCredentials } from './errors.ts';
import type { SessionPolicy } from './policy.ts';
import type { Recorder } from './recorder.ts';
import { RefreshTokenCodec } from './refresh-token.ts';
import { sessionDeadline } from './rules/session-deadline.ts';
import { loginEndsSessions, sessionsEndedByLogin } from './rules/sessions-ended-by-login.ts';
import type { Store } from './store.ts';
import type { RequestContext, Session, UserRecord } from './types.ts';

/**
 * Starts a session for `user` on the requesting device, after a password check (or, with `grant`,
 * an OAuth code exchange: the session is then bound to that app). In one transaction:
 * re-reads the user (a disable that committed meanwhile wins), ends the sessions
 * {@link sessionsEndedByLogin} names (`replaced`, `limit`), inserts the session, and records `login`
 * and, for a device never seen for the user, `new_device`.
 * @throws invalid_credentials when the user was disabled meanwhile
 */
export async function startSession(
  o: { readonly store: Store; readonly clock: Clock; readonly policy: SessionPolicy },
  recorder: Recorder,
  user: UserRecord,
  request: RequestContext,
  grant?: ClientGrant,
): Promise<Session> {
  const device = parseDevice(request.userAgent);
  const now = o.clock.now();
  const session: Session = {
    id: randomUUID(),
    userId: user.id,
    nonce: RefreshTokenCodec.newNonce(),
    counter: 0,
    createdAt: now,
    lastActiveAt: now,
    rotatedAt: null,
    expiresAt: sessionDeadline(now, now, o.policy),
    userAgent: request.userAgent,
    device,
    ip: request.ip,
    lastIp: request.ip,
    deviceId: request.deviceId,
    revokedAt: null,
    revokeReason: null,
    ...(grant && { clientId: grant.clientId, scope: grant.scope }),
  };
  const { maxSessions } = o.policy;
  const events = await o.store.transaction(async (store) => {
    if (!(await store.holdCredential(user.id, user.credentialVersion ?? 0))) throw badCredentials();
    // Without a device id or a limit the user's other sessions are not read at all.
    const live = loginEndsSessions(request.deviceId, maxSessions) ? await store.listLiveSessions(user.id, now) : [];
    const { replaced, evicted } = sessionsEndedByLogin(live, request.deviceId, maxSessions);
    await recorder.endSessions(replaced, 'replaced', request, [], store);
    await recorder.endSessions(evicted, 'limit', request, [], store);
    await store.insertSession(session);
    const events = [recorder.event('login', user.id, session, request, grant ? { clientId: grant.clientId } : null)];
    if (await store.rememberDevice(user.id, deviceFingerprint(device, request.deviceId), now)) {
      events.push(recorder.event('new_device', user.id, session, request, { ...device }));
    }
    await store.insertEvents(events);
    return events;
  });
  recorder.told(events, request);
  return session;
}
