import { Counter, Histogram, Registry } from 'prom-client';
import type { EventType } from '../contract/index.ts';
import type { NewEvent } from '../core/store.ts';

export type LoginOutcome = 'success' | 'failure' | 'throttled';
export type RefreshOutcome = 'success' | 'grace' | 'invalid' | 'reuse' | 'suspicious';

/**
 * latchkey's Prometheus metrics, in a registry of their own (never prom-client's global one, so
 * several servers in one process, e.g. in tests, never share counts). Security counters are fed
 * from the core's events ({@link LatchkeyMetrics.countEvents}); per-request counters and latency
 * from responses ({@link LatchkeyMetrics.countLogin}, {@link LatchkeyMetrics.observeResponse}).
 *
 * @example
 * const metrics = new LatchkeyMetrics()
 * metrics.countEvents([{ type: 'refresh_token_reuse', ... }])
 * const text = await metrics.registry.metrics() // Prometheus text format
 */
export class LatchkeyMetrics {
  readonly registry = new Registry();

  readonly logins = new Counter({
    name: 'latchkey_logins_total',
    help: 'Password logins on both APIs, by outcome (success, failure, throttled).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshes = new Counter({
    name: 'latchkey_refreshes_total',
    help: 'Refresh requests on both APIs, by outcome (success, grace, invalid, reuse, suspicious).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly reuseDetections = new Counter({
    name: 'latchkey_reuse_detections_total',
    help: 'Retired refresh tokens presented outside the grace window (each ended its session).',
    registers: [this.registry],
  });

  readonly suspiciousRefreshes = new Counter({
    name: 'latchkey_suspicious_refreshes_total',
    help: 'Refreshes whose device data did not match the session (revoked or only logged, by policy).',
    registers: [this.registry],
  });

  readonly revocations = new Counter({
    name: 'latchkey_revocations_total',
    help: 'Sessions ended before their expiry, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'latchkey_rate_limited_total',
    help: 'Requests answered 429, by route.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly securityEvents = new Counter({
    name: 'latchkey_security_events_total',
    help: 'Security events recorded, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly #events = new Map<EventType, { inc(): void }>();

  /** Counts what the core recorded: reuse, suspicious refreshes, revocations, and every event by type. */
  countEvents(events: readonly Pick<NewEvent, 'type' | 'detail'>[]): void {
    for (const event of events) {
      let byType = this.#events.get(event.type);
      if (!byType) {
        byType = this.securityEvents.labels(event.type);
        this.#events.set(event.type, byType);
      }
      byType.inc();
      if (event.type === 'refresh_token_reuse') this.reuseDetections.inc();
      else if (event.type === 'suspicious_refresh') this.suspiciousRefreshes.inc();
      else if (event.type === 'logout') this.revocations.inc({ reason: 'logout' });
      else if (event.type === 'session_revoked') this.revocations.inc({ reason: reasonLabel(event.detail?.reason) });
    }
  }

  countLogin(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  readonly #refreshes = new Map<RefreshOutcome, { inc(): void }>();

  countRefresh(outcome: RefreshOutcome): void {
    let counter = this.#refreshes.get(outcome);
    if (!counter) {
      counter = this.refreshes.labels(outcome);
      this.#refreshes.set(outcome, counter);
    }
    counter.inc();
  }

  /**
   * The latency histogram of each (method, route, status) seen, kept: prom-client would otherwise
   * hash the label set on every request. Bounded: routes are patterns (`unmatched` for the rest),
   * and Node's parser accepts only the standard methods.
   */
  readonly #durations = new Map<string, { observe(seconds: number): void }>();

  /** One finished HTTP request: latency by route pattern (never the raw URL), and 429s by route. */
  observeResponse(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let duration = this.#durations.get(key);
    if (!duration) {
      duration = this.requestDuration.labels(method, route, String(status));
      this.#durations.set(key, duration);
    }
    duration.observe(seconds);
    if (status === 429) this.rateLimited.inc({ route });
  }
}

/**
 * The outcome of one refresh request, from its status and the events the core recorded while
 * answering it: a refused refresh is `reuse` or `suspicious` when the core said so, else `invalid`;
 * a successful one is `success` when it rotated the token, else `grace` (a replay inside the window).
 */
export function refreshOutcome(status: number, events: ReadonlySet<EventType>): RefreshOutcome {
  if (status >= 200 && status < 300) return events.has('refresh') ? 'success' : 'grace';
  if (events.has('refresh_token_reuse')) return 'reuse';
  if (events.has('suspicious_refresh')) return 'suspicious';
  return 'invalid';
}

/** The login outcome a response status means. */
export function loginOutcome(status: number): LoginOutcome {
  if (status >= 200 && status < 300) return 'success';
  return status === 429 ? 'throttled' : 'failure';
}

/** Revocation reasons are the core's own short words; anything else is bucketed so labels stay few. */
function reasonLabel(reason: unknown): string {
  return typeof reason === 'string' && /^[a-z_]{1,32}$/.test(reason) ? reason : 'other';
}
