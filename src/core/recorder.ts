import { randomUUID } from 'node:crypto';
import type { EventDetail, EventType, RevokeReason } from '../contract/index.ts';
import type { Clock } from './clock.ts';
import type { ImpliedEvent } from './rules/device-binding.ts';
import type { NewEvent, Store } from './store.ts';
import { withSessionDevice } from './event-device.ts';
import type { Device, RequestContext, Session } from './types.ts';

/** A session an event is about: its id, and its device when known. */
export type SessionRef = Pick<Session, 'id'> & { readonly device?: Device };

/**
 * Told of events once they are stored, with the request that caused them (`null`: an operator or
 * the system). The request is the very object the caller handed the core, so an observer can tie
 * the events to what it knows of that request (its log line, its outcome). Must not throw.
 */
export type EventObserver = (events: readonly NewEvent[], request: RequestContext | null) => void;

/**
 * Writes what the core decided: security events, and sessions ended with their `session_revoked`
 * events. Every event it stores is then handed to `onEvents` (logs, metrics).
 *
 * @example
 * const recorder = new Recorder(store, clock, sink.onEvents)
 * await recorder.endSessions([session], 'logout', request)
 */
export class Recorder {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onEvents: EventObserver = () => {},
  ) {}

  /** An event of `userId` at the clock's now, from `request` (`null`: an operator or the system). */
  event(type: EventType, userId: string, session: SessionRef | string | null, request: RequestContext | null, detail: EventDetail | null = null): NewEvent {
    const at = this.clock.now();
    // Given the session (not just its id), the event keeps that session's device: nobody has to guess
    // it later from the User-Agent of whoever caused the event.
    const about = typeof session === 'object' && session !== null ? session : null;
    const sessionId = about ? about.id : (session as string | null);
    const kept = about?.device ? withSessionDevice(detail, about.device) : detail;
    return { id: randomUUID(), userId, type, at, sessionId, ip: request?.ip ?? null, userAgent: request?.userAgent ?? null, detail: kept };
  }

  /** The events a rule implies, stamped for one session. */
  stamp(events: readonly ImpliedEvent[], userId: string, session: SessionRef | string, request: RequestContext): NewEvent[] {
    return events.map((e) => this.event(e.type, userId, session, request, e.detail));
  }

  /** Stores `events`, caused by `request`, and tells `onEvents`. */
  async record(events: readonly NewEvent[], request: RequestContext | null): Promise<void> {
    await this.store.insertEvents(events);
    this.told(events, request);
  }

  /** Tells `onEvents` of events stored elsewhere (a rotation, a committed transaction). */
  told(events: readonly NewEvent[], request: RequestContext | null): void {
    this.onEvents(events, request);
  }

  /**
   * Ends `sessions` for `reason`: one `session_revoked` event for each that was still unrevoked, plus
   * `events`, in one transaction (or in `within`). Returns the ids it ended.
   */
  async endSessions(
    sessions: readonly (Pick<Session, 'id' | 'userId'> & { readonly device?: Device })[],
    reason: RevokeReason,
    request: RequestContext | null,
    events: readonly NewEvent[] = [],
    within: Store = this.store,
  ): Promise<string[]> {
    const owners = new Map(sessions.map((s) => [s.id, s]));
    const written = await within.transaction(async (store) => {
      const revoked = await store.revokeSessions([...owners.keys()], reason, this.clock.now());
      const all = [...events, ...revoked.map((id) => this.event('session_revoked', owners.get(id)!.userId, owners.get(id)!, request, { reason }))];
      await store.insertEvents(all);
      return { revoked, all };
    });
    this.told(written.all, request);
    return written.revoked;
  }
}
