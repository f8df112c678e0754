import { sessionDeviceOf } from '../core/event-device.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { EventType } from '../contract/index.ts';
import { loginOutcome, refreshOutcome, type LatchkeyMetrics } from '../server/metrics.ts';
import type { NewEvent } from '../core/store.ts';
import type { RequestContext } from '../core/types.ts';
import { requestOf } from './request-context.ts';

/** An incoming `X-Request-Id` is kept only when it is a short token of safe characters. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Fastify's `genReqId`: the caller's `X-Request-Id` when it is safe to log and echo, else a fresh
 * UUID. Pino puts it on every log line of the request as `reqId`.
 *
 * @example
 * Fastify({ requestIdHeader: false, genReqId: requestId })
 */
export function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** The types of the security events the core recorded while answering each request. */
const eventsSeen = new WeakMap<FastifyRequest, Set<EventType>>();

/**
 * Receives every security event the core stores (`AuthOptions.onEvents`): writes one log line per
 * event and counts it. The core names the request context it was given with the events; when that
 * context was made by `requestContext(request)`, the line goes to that request's logger (so it carries
 * its `reqId`) and the request's outcome metric sees the events. No async context is involved.
 * Log lines hold the type, user, session, IP and detail: never a token.
 *
 * @example
 * const sink = new SecurityEventSink(metrics)
 * const auth = new Auth({ ...options, onEvents: sink.onEvents })
 * sink.logger = app.log
 */
export class SecurityEventSink {
  /** Where events outside any request go (CLI, background work); silent until set. */
  logger: FastifyBaseLogger | undefined;

  constructor(private readonly metrics?: LatchkeyMetrics) {}

  readonly onEvents = (events: readonly NewEvent[], context: RequestContext | null): void => {
    try {
      const request = requestOf(context);
      const log = request?.log ?? this.logger;
      const seen = this.metrics && request ? seenBy(request) : undefined; // read only by the metrics
      for (const event of events) {
        seen?.add(event.type);
        const { device, detail } = sessionDeviceOf(event.detail);
        const line = {
          securityEvent: {
            type: event.type,
            userId: event.userId,
            sessionId: event.sessionId,
            ip: event.ip,
            ...(device !== null && { device }),
            ...(detail !== null && { detail }),
          },
        };
        if (event.type === 'refresh_token_reuse' || event.type === 'suspicious_refresh') log?.warn(line, 'security event');
        else log?.info(line, 'security event');
      }
      this.metrics?.countEvents(events);
    } catch {
      // observing must never fail the request that caused the event
    }
  };
}

/**
 * Adds the request-id header and, given `metrics`, the per-request measurements: latency by route
 * pattern, 429s by route, and the outcome of each login and refresh, told from the response status
 * and the events the core recorded for that very request.
 */
export function installObservability(app: FastifyInstance, metrics?: LatchkeyMetrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  if (!metrics) return;
  const prefix = app.prefix; // where latchkey is mounted: '' on its own server
  // A plain callback, not an async function: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    metrics.observeResponse(request.method, route, status, reply.elapsedTime / 1000);
    if (status < 500) {
      const kind = requestKind(request.method, route.startsWith(prefix) ? route.slice(prefix.length) : route, request.body);
      if (kind === 'login') metrics.countLogin(loginOutcome(status));
      else if (kind === 'refresh' && status !== 429) metrics.countRefresh(refreshOutcome(status, eventsSeen.get(request) ?? NO_EVENTS));
    }
    done();
  });
}

const NO_EVENTS: ReadonlySet<EventType> = new Set();

function seenBy(request: FastifyRequest): Set<EventType> {
  const seen = eventsSeen.get(request) ?? new Set<EventType>();
  eventsSeen.set(request, seen);
  return seen;
}

function requestKind(method: string, route: string, body: unknown): 'login' | 'refresh' | undefined {
  if (method !== 'POST') return undefined;
  if (route === '/auth/login') return 'login';
  if (route === '/auth/refresh') return 'refresh';
  if (route === '/oauth/token' && typeof body === 'object' && body !== null) {
    const grant = (body as { grant_type?: unknown }).grant_type;
    if (grant === 'password') return 'login';
    if (grant === 'refresh_token') return 'refresh';
  }
  return undefined;
}
