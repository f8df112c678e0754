import { compareCursors, type Cursor } from './cursor.ts';
import type { OutboxEvent, OutboxReader } from './outbox-reader.ts';

/** One ended session, as the revocation feed publishes it. */
export interface Revocation {
  readonly cursor: Cursor;
  /** The session id (the `sid` claim of its access tokens). */
  readonly sid: string;
  /** The user id (`sub`). */
  readonly sub: string;
  /** When the session ended (epoch ms). */
  readonly at: number;
  /** Why: `logout`, `revoked_by_user`, `refresh_token_reuse`, `password_changed`, ... */
  readonly reason: string;
  /** When the last access token the session can have had expires (epoch ms): after that the revocation no longer matters. */
  readonly expiresAt: number;
}

/** Turns an outbox event that ends a session into a {@link Revocation}; `undefined` for other events. */
export function toRevocation(event: OutboxEvent, relevanceMs: number): Revocation | undefined {
  if (event.sessionId === null) return undefined;
  if (event.type !== 'logout' && event.type !== 'session_revoked') return undefined;
  const reason = event.type === 'logout' ? 'logout' : String(event.detail?.reason ?? 'revoked');
  return { cursor: event.cursor, sid: event.sessionId, sub: event.userId, at: event.at, reason, expiresAt: event.at + relevanceMs };
}

/**
 * One per instance: follows the outbox's revocations from the moment the instance started, one
 * database read per wake-up whatever the number of listeners (SSE followers, account pages), and
 * hands each new revocation to every listener in outbox order.
 *
 * @example
 * const hub = new RevocationHub(reader, 960_000)
 * await hub.start()
 * waker.onWake(() => void hub.catchUp())
 */
export class RevocationHub {
  private readonly listeners = new Set<(revocations: readonly Revocation[]) => void>();
  private current: Cursor = { txid: 0, position: 0 };
  private reading: Promise<void> | null = null;
  private again = false;
  private recheck: NodeJS.Timeout | undefined;
  private recheckDelay = 10;

  /** @param relevanceMs how long a revocation matters: the access TTL plus clock skew */
  constructor(
    private readonly reader: OutboxReader,
    readonly relevanceMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Starts from the newest revocation committed so far. */
  async start(): Promise<void> {
    this.current = await this.reader.head();
  }

  /** Everything up to here has been handed to the listeners. */
  get cursor(): Cursor {
    return this.current;
  }

  /** Calls `listener` with each batch of new revocations; returns the function that stops it. */
  subscribe(listener: (revocations: readonly Revocation[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads what committed since the last read and hands it out. Calls made during a read cause one more read. */
  catchUp(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const events = await this.reader.read(this.current, { revocationsOnly: true, limit: 500 });
            if (events.length === 0) break;
            const last = events[events.length - 1]!.cursor;
            if (compareCursors(last, this.current) > 0) this.current = last;
            const revocations = events.flatMap((e) => toRevocation(e, this.relevanceMs) ?? []);
            if (revocations.length > 0) for (const listener of this.listeners) listener(revocations);
            if (events.length < 500) break;
          }
        } while (this.again);
        // Revocations that committed behind a transaction still running: read again soon (10 ms,
        // doubling), not at the next poll.
        if (await this.reader.heldBack(this.current, { revocationsOnly: true })) {
          clearTimeout(this.recheck);
          this.recheck = setTimeout(() => void this.catchUp(), this.recheckDelay);
          this.recheck.unref();
          this.recheckDelay = Math.min(this.recheckDelay * 2, 500);
        } else {
          this.recheckDelay = 10;
        }
      } catch (err) {
        this.onError(err);
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  close(): void {
    clearTimeout(this.recheck);
    this.listeners.clear();
  }
}
