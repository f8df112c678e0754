import { prettyFactory } from 'pino-pretty';

/**
 * A pino stream that writes each JSON line as a readable one (pino-pretty: time, level, message, the
 * fields on the same line) into `destination`, for a person reading logs on a terminal.
 *
 * @example
 * Fastify({ logger: { level: 'info', stream: readableLogs(new LogDestination(1), true) } })
 */
export function readableLogs(destination: { write(line: string): unknown }, colorize: boolean): { write(line: string): void } {
  const pretty = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true });
  return {
    write(line: string) {
      destination.write(pretty(line));
    },
  };
}

/** True when logs should be readable lines: `pretty`, or `auto` while stdout is a terminal (not a process manager's pipe). */
export function wantsReadableLogs(format: 'auto' | 'json' | 'pretty', stdout: { isTTY?: boolean } = process.stdout): boolean {
  return format === 'pretty' || (format === 'auto' && stdout.isTTY === true);
}
