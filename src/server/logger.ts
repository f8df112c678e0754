import type { FastifyServerOptions } from 'fastify';
import { LogDestination } from './log-destination.ts';

/** The logger of a served latchkey: its options for Fastify and the destination they write to. */
export interface ServerLogger {
  /** Fastify `logger` options (pino's): the level and the destination. */
  readonly options: Exclude<FastifyServerOptions['logger'], boolean | undefined>;
  /** Where the lines go; {@link LogDestination.flushSync} is the bounded final flush. */
  readonly destination: LogDestination;
}

/**
 * The logger `latchkey serve` runs with: JSON lines (pino) at `level` on stdout, through a
 * {@link LogDestination}, so a stalled, full or vanished reader can neither slow the server down nor
 * hold its exit.
 *
 * @example
 * const { options, destination } = serverLogger('info')
 * Fastify({ logger: options })
 */
export function serverLogger(level: string): ServerLogger {
  const destination = new LogDestination(1);
  return { options: { level, stream: destination }, destination };
}
