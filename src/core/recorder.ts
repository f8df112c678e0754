import { randomUUID } from 'node:crypto';
import type { EventDetail, EventType, RevokeReason } from '../contract/index.ts';
import type { Clock } from './clock.ts';
import type { ImpliedEvent } from './rules/device-binding.ts';
import type { NewEvent, Store } from './store.ts';
import type { RequestContext, Session } from './types.ts';

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
    private readonly onEvents: (events: readonly NewEvent[]) => void = () => {},
  ) {}

  /** An event of `userId` at the clock's now, from `request` (`null`: an operator or the system). */
  event(type: EventType, userId: string, sessionId: string | null, request: RequestContext | null, detail: EventDetail | null = null): NewEvent {
    const at = this.clock.now();
    return { id: randomUUID(), userId, type, at, sessionId, ip: request?.ip ?? null, userAgent: request?.userAgent ?? null, detail };
  }

  /** The events a rule implies, stamped for one session. */
  stamp(events: readonly ImpliedEvent[], userId: string, sessionId: string, request: RequestContext): NewEvent[] {
    return events.map((e) => this.event(e.type, userId, sessionId, request, e.detail));
  }

  /** Stores `events` and tells `onEvents`. */
  async record(events: readonly NewEvent[]): Promise<void> {
    await this.store.insertEvents(events);
    this.told(events);
  }

  /** Tells `onEvents` of events stored elsewhere (a rotation, a committed transaction). */
  told(events: readonly NewEvent[]): void {
    this.onEvents(events);
  }

  /**
   * Ends `sessions` for `reason`: one `session_revoked` event for each that was still unrevoked, plus
   * `events`, in one transaction (or in `within`). Returns the ids it ended.
   */
  async endSessions(
    sessions: readonly Pick<Session, 'id' | 'userId'>[],
    reason: RevokeReason,
    request: RequestContext | null,
    events: readonly NewEvent[] = [],
    within: Store = this.store,
  ): Promise<string[]> {
    const owners = new Map(sessions.map((s) => [s.id, s.userId]));
    const written = await within.transaction(async (store) => {
      const revoked = await store.revokeSessions([...owners.keys()], reason, this.clock.now());
      const all = [...events, ...revoked.map((id) => this.event('session_revoked', owners.get(id)!, id, request, { reason }))];
      await store.insertEvents(all);
      return { revoked, all };
    });
    this.told(written.all);
    return written.revoked;
  }
}
