import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from './log-serializers.ts';

/**
 * Fastify's request logging, one line per request: when the answer has gone out, `request completed`
 * at `info` with `reqId`, `method`, `route` (the route's pattern, e.g. `/auth/sessions/:id`: no ids,
 * no query strings), `status` and `responseTime` (ms). A request that matched no route names its
 * `url` instead (credential-like query values redacted). Security events keep lines of their own
 * (src/http/observability.ts). The arrival of a request (`incoming request`, with the redacted URL
 * and the client's address) is logged only at `debug`.
 *
 * The access line holds nothing but those fields (a method the HTTP parser accepted, our own route
 * pattern, numbers, a request id that passed `SAFE_REQUEST_ID` or was generated), so it is written
 * through a child of the server's logger without the redaction pass, which would cost more than
 * all the rest of the line (~14 µs against ~1 µs). Every other line keeps the redaction. Nothing is
 * built for a line the level drops.
 *
 * @example
 * Fastify({ logger: { level: 'info' }, logController: new AccessLog() })
 */
export class AccessLog extends LogController {
  readonly #unredacted = new WeakMap<FastifyBaseLogger, FastifyBaseLogger>();

  override incomingRequest(request: FastifyRequest): void {
    if (!enabled(request.log, 'debug')) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url;
    const url = route === undefined ? redactUrl(request.url) : undefined;
    if (error) {
      const line = { method: request.method, route, url, status: reply.statusCode, responseTime: reply.elapsedTime, err: error };
      reply.log.error(line, 'request errored');
      return;
    }
    const log = this.#accessLogger(request.server.log);
    if (!enabled(log, 'info')) return;
    log.info({ reqId: request.id, method: request.method, route, url, status: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
  }

  #accessLogger(server: FastifyBaseLogger): FastifyBaseLogger {
    let log = this.#unredacted.get(server);
    if (!log) {
      log = server.child({}, { redact: { paths: [] } } as Parameters<FastifyBaseLogger['child']>[1]);
      this.#unredacted.set(server, log);
    }
    return log;
  }
}

/** Whether `log` writes lines of `level` (pino's `isLevelEnabled`; true for loggers without it). */
function enabled(log: FastifyBaseLogger, level: string): boolean {
  const { isLevelEnabled } = log as { isLevelEnabled?: (level: string) => boolean };
  return isLevelEnabled === undefined || isLevelEnabled.call(log, level);
}
