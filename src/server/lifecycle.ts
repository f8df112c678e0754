/** Something that stops serving, finishes in-flight work and releases its resources. */
export interface Closable {
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** Signals that start the shutdown; default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Milliseconds to wait for `close()` before exiting anyway with code 1; default 10,000. */
  readonly timeoutMs?: number;
  readonly log?: { info(msg: string): void; error(obj: object, msg: string): void };
  /** Default `process.exit`; tests pass their own. */
  readonly exit?: (code: number) => void;
  /**
   * Called right before exiting: the final flush of buffered log lines, which must return by
   * `deadline` (epoch ms) whatever the log destination does. It gets a tenth of `timeoutMs`, at
   * most one second (100 ms after a second signal), and the timeout keeps that much in reserve,
   * so the process still exits within `timeoutMs` of the signal.
   */
  readonly flush?: (deadline: number) => void;
}

/** At most this much of the shutdown time is kept for the final flush of the logs. */
const FLUSH_RESERVE_MS = 1000;
/** What a second signal still allows the flush: it asked to exit now. */
const HURRIED_FLUSH_MS = 100;

/**
 * Graceful shutdown for `latchkey serve`. On the first signal: `target.close()` (stop accepting
 * connections, let in-flight requests finish, close the store), then exit 0. If that takes longer
 * than `timeoutMs`, or a second signal arrives, exit 1 at once. Before every exit, `flush` (the
 * logs' final write) runs with a bound, so nothing a log reader does can hold the exit past
 * `timeoutMs`. Returns a function that removes the handlers.
 *
 * Killing the process harder (SIGKILL, power loss) is safe too: every rotation is one database
 * transaction, so a session is on its old token or its new one, never between.
 *
 * @example
 * const latchkey = await createLatchkey(config)
 * closeOnSignals(latchkey, { timeoutMs: 10_000, log: latchkey.app.log, flush: latchkey.flushLogs })
 * await latchkey.app.listen({ host: config.host, port: config.port })
 */
export function closeOnSignals(target: Closable, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const reserve = options.flush ? Math.min(FLUSH_RESERVE_MS, Math.floor(timeoutMs / 10)) : 0;
  let closing = false;
  let deadline = Number.POSITIVE_INFINITY;
  /** Flushes the logs for `budgetMs` at most (never past the shutdown's deadline), then exits. */
  const exit = (code: number, budgetMs = reserve) => {
    try {
      options.flush?.(Math.min(deadline, Date.now() + budgetMs));
    } finally {
      (options.exit ?? ((c: number) => process.exit(c)))(code);
    }
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      options.log?.info(`${signal} again: exiting now`);
      exit(1, Math.min(reserve, HURRIED_FLUSH_MS));
      return;
    }
    closing = true;
    deadline = Date.now() + timeoutMs;
    options.log?.info(`${signal}: shutting down (waiting up to ${timeoutMs} ms for in-flight requests)`);
    const timer = setTimeout(() => {
      options.log?.error({ timeoutMs }, 'shutdown took too long: exiting anyway');
      exit(1);
    }, timeoutMs - reserve);
    timer.unref();
    target.close().then(
      () => {
        clearTimeout(timer);
        options.log?.info('shut down cleanly');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        options.log?.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
