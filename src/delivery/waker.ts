/**
 * Wakes the readers of the outbox: whoever learns first that events may have committed (a
 * PostgreSQL NOTIFY, a Redis message, this process's own writes) calls {@link Waker.wake}; a
 * polling timer catches whatever a lost notification missed. Listeners are called at most once per
 * turn of the event loop, however many wake-ups arrive together.
 *
 * @example
 * const waker = new Waker(1000)
 * waker.onWake(() => hub.catchUp())
 */
export class Waker {
  private readonly listeners = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;
  private scheduled = false;

  /** @param pollMs wake everyone at least this often (the fallback when notifications are lost) */
  constructor(pollMs: number) {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
  }

  /** Calls `listener` on every wake-up; returns the function that stops it. */
  onWake(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}
