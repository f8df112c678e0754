import type { FastifyServerOptions } from 'fastify';
import { pinoShapedAccessLines, type AccessLineWriter } from '../http/access-log.ts';
import { LogDestination } from './log-destination.ts';
import { readableLogs, wantsReadableLogs } from './readable-logs.ts';

/** The logger of a served latchkey: its options for Fastify and the destination they write to. */
export interface ServerLogger {
  /** Fastify `logger` options (pino's): the level and the destination. */
  readonly options: Exclude<FastifyServerOptions['logger'], boolean | undefined>;
  /** Where the lines go; {@link LogDestination.flushSync} is the bounded final flush. */
  readonly destination: LogDestination;
  /** The access lines, written to the same stream in the shape pino gives the other lines. */
  readonly accessLines: AccessLineWriter;
}

/**
 * The logger `latchkey serve` runs with: JSON lines (pino) at `level` on stdout, through a
 * {@link LogDestination}, so a stalled, full or vanished reader can neither slow the server down nor
 * hold its exit. `format` (`LATCHKEY_LOG_FORMAT`) makes them readable lines instead: always for
 * `pretty`, and for `auto` while stdout is a terminal.
 *
 * @example
 * const { options, destination } = serverLogger('info')
 * Fastify({ logger: options })
 */
export function serverLogger(level: string, format: 'auto' | 'json' | 'pretty' = 'json'): ServerLogger {
  const destination = new LogDestination(1);
  const stream = wantsReadableLogs(format) ? readableLogs(destination, process.stdout.isTTY === true) : destination;
  return { options: { level, stream }, destination, accessLines: pinoShapedAccessLines((text) => stream.write(text)) };
}
