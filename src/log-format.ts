import pretty from 'pino-pretty';

/**
 * Where `serve` writes its logs: readable lines (pino-pretty) for a person at a terminal, one JSON
 * object a line for a process manager or log collector. `auto` decides by whether stdout is a TTY.
 *
 * @example
 * Fastify({ logger: { level: 'info', ...logDestination('auto') } })
 */
export function logDestination(format: 'auto' | 'json' | 'pretty', stdout: { isTTY?: boolean } = process.stdout): { stream?: { write(line: string): void } } {
  const readable = format === 'pretty' || (format === 'auto' && stdout.isTTY === true);
  if (!readable) return {};
  return {
    stream: pretty({
      colorize: stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      singleLine: true,
      sync: true,
    }),
  };
}
