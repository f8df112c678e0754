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
}

/**
 * Graceful shutdown for `latchkey serve`. On the first signal: `target.close()` (stop accepting
 * connections, let in-flight requests finish, close the store), then exit 0. If that takes longer
 * than `timeoutMs`, or a second signal arrives, exit 1 at once. Returns a function that removes the
 * handlers.
 *
 * Killing the process harder (SIGKILL, power loss) is safe too: every rotation is one database
 * transaction, so a session is on its old token or its new one, never between.
 *
 * @example
 * const latchkey = await createLatchkey(config)
 * closeOnSignals(latchkey, { timeoutMs: 10_000, log: latchkey.app.log })
 * await latchkey.app.listen({ host: config.host, port: config.port })
 */
export function closeOnSignals(target: Closable, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let closing = false;

  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      options.log?.info(`${signal} again: exiting now`);
      exit(1);
      return;
    }
    closing = true;
    options.log?.info(`${signal}: shutting down (waiting up to ${timeoutMs} ms for in-flight requests)`);
    const timer = setTimeout(() => {
      options.log?.error({ timeoutMs }, 'shutdown took too long: exiting anyway');
      exit(1);
    }, timeoutMs);
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
