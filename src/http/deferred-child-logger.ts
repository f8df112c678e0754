import type { FastifyBaseLogger } from 'fastify';
import { enabled } from './access-log.ts';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = Parameters<FastifyBaseLogger['info']>;
type ChildArgs = Parameters<FastifyBaseLogger['child']>;

/**
 * Fastify's `childLoggerFactory` for latchkey's own server: a request's logger (`request.log`, bound
 * to its `reqId`) is made only when something logs through it. pino builds a child's bindings when
 * the child is made, and under latchkey's redaction (its wildcard paths) that ran the redactor over
 * every request's `{ reqId }`: ~2.7 µs of a ~40 µs request, at every log level, for a logger most
 * requests never use (the access line is written without it). A line the level drops makes no child
 * at all. A route with log options of its own (`logLevel`, serializers) gets its child at once.
 *
 * @example
 * Fastify({ logger, childLoggerFactory: deferredChildLogger })
 */
export function deferredChildLogger(logger: FastifyBaseLogger, bindings: ChildArgs[0], options: NonNullable<ChildArgs[1]>): FastifyBaseLogger {
  return Object.keys(options).length > 0 ? logger.child(bindings, options) : (new DeferredChild(logger, bindings) as unknown as FastifyBaseLogger);
}

/** The pino logger methods Fastify and latchkey call on `request.log`, each making the child on first use. */
class DeferredChild {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Record<string, unknown>;
  #made: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  get level(): string {
    return (this.#made ?? this.#parent).level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  /** pino's `isLevelEnabled`; true for a logger without it. */
  isLevelEnabled(level: string): boolean {
    return enabled(this.#made ?? this.#parent, level);
  }

  child(...args: ChildArgs): FastifyBaseLogger {
    return this.#logger().child(...args);
  }

  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }

  error(...args: LogArgs): void {
    this.#log('error', args);
  }

  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }

  info(...args: LogArgs): void {
    this.#log('info', args);
  }

  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }

  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }

  silent(): void {}

  #logger(): FastifyBaseLogger {
    this.#made ??= this.#parent.child(this.#bindings);
    return this.#made;
  }

  #log(level: Level, args: LogArgs): void {
    if (this.isLevelEnabled(level)) (this.#logger()[level] as (...a: LogArgs) => void)(...args);
  }
}
