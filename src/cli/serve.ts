import { createLatchkey } from '../server/create-latchkey.ts';
import { closeOnSignals } from '../server/lifecycle.ts';
import type { Command } from './command.ts';

/** `latchkey serve`: the HTTP API until SIGTERM/SIGINT, then a graceful shutdown. */
export const serveCommand: Command = {
  summary: 'serve the HTTP API; SIGTERM/SIGINT finish in-flight requests, close the store and exit 0',
  usage: 'latchkey serve   (HOST, PORT and the other settings come from the environment)',
  async run(_args, config) {
    const latchkey = await createLatchkey(config);
    closeOnSignals(latchkey, { timeoutMs: config.shutdownTimeout * 1000, log: latchkey.app.log, flush: latchkey.flushLogs });
    await latchkey.app.listen({ host: config.host, port: config.port });
  },
};
