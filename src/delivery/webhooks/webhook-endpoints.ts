import { randomBytes } from 'node:crypto';
import type { ServerSecret } from '../../core/server-secret.ts';
import type { DeliveryDb, DeliveryStatus } from '../tables.ts';

/** The event types a webhook can subscribe to: every type in the outbox (all but `refresh`). */
export const WEBHOOK_EVENT_TYPES = [
  'registered', 'login', 'login_failed', 'logout', 'session_revoked', 'refresh_token_reuse',
  'suspicious_refresh', 'ip_changed', 'password_changed', 'new_device',
] as const;

export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  /** The event types it receives; `['*']` for all. */
  readonly events: readonly string[];
  readonly createdAt: number;
  readonly failures: number;
  readonly circuitOpenUntil: number | null;
}

export interface WebhookDelivery {
  /** The `webhook-id` header: the same on every attempt. */
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly type: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

/** A usage problem with a webhook command (bad URL, unknown event type, bad secret). */
export class WebhookInputError extends Error {}

/**
 * The webhook endpoints and their deliveries, as operators manage them (`latchkey webhooks ...`).
 * Running instances read endpoints from the database on every fan-out, so changes apply without
 * a restart. Signing secrets are stored sealed under the server secret.
 *
 * @example
 * const { id, secret } = await endpoints.add('https://app.example.com/hooks', ['new_device'])
 */
export class WebhookEndpoints {
  constructor(
    private readonly db: DeliveryDb,
    private readonly secret: ServerSecret,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds an endpoint; generates a `whsec_` secret unless one is given. Returns the id and the secret. */
  async add(url: string, events: readonly string[], secret?: string): Promise<{ id: string; secret: string }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WebhookInputError(`"${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhookInputError('the URL must be http or https');
    if (parsed.username || parsed.password) throw new WebhookInputError('the URL must not carry credentials');
    if (events.length === 0) throw new WebhookInputError('name the events to send (--events a,b or --events "*")');
    const unknown = events.filter((e) => e !== '*' && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
    if (unknown.length > 0) throw new WebhookInputError(`unknown event type(s): ${unknown.join(', ')} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`);
    const key = secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const raw = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(key);
    if (!raw || Buffer.from(raw[1]!, 'base64').length < 24) throw new WebhookInputError('the secret must be whsec_ followed by at least 24 bytes in base64');
    const id = `ep_${randomBytes(9).toString('base64url')}`;
    await this.db
      .insertInto('webhook_endpoints')
      .values({ id, url: parsed.toString(), events: events.includes('*') ? '*' : events.join(','), secret: this.secret.seal(key, `webhook:${id}`), created_at: this.now(), circuit_open_until: null })
      .execute();
    return { id, secret: key };
  }

  /** Removes an endpoint and its deliveries; `false` when there is none with this id. */
  async remove(id: string): Promise<boolean> {
    await this.db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    const result = await this.db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async list(): Promise<WebhookEndpoint[]> {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      events: r.events.split(','),
      createdAt: Number(r.created_at),
      failures: Number(r.failures),
      circuitOpenUntil: r.circuit_open_until === null ? null : Number(r.circuit_open_until),
    }));
  }

  /** The newest deliveries first, optionally of one endpoint and/or one status. */
  async deliveries(filter: { endpointId?: string; status?: DeliveryStatus; limit?: number } = {}): Promise<WebhookDelivery[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll();
    if (filter.endpointId) query = query.where('endpoint_id', '=', filter.endpointId);
    if (filter.status) query = query.where('status', '=', filter.status);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit ?? 50).execute();
    return rows.map((r) => ({
      id: r.id,
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      type: r.type,
      status: r.status,
      attempts: Number(r.attempts),
      nextAttemptAt: Number(r.next_attempt_at),
      lastStatus: r.last_status === null ? null : Number(r.last_status),
      lastError: r.last_error,
      createdAt: Number(r.created_at),
      finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    }));
  }

  /**
   * Sends deliveries again from the start of the retry schedule (same `webhook-id`): one by id, or
   * every dead one (of one endpoint). Returns how many were re-queued.
   */
  async retry(target: { deliveryId: string } | { dead: true; endpointId?: string }): Promise<number> {
    let query = this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: this.now(), lease_until: null, lease_owner: null, finished_at: null });
    if ('deliveryId' in target) query = query.where('id', '=', target.deliveryId);
    else {
      query = query.where('status', '=', 'dead');
      if (target.endpointId) query = query.where('endpoint_id', '=', target.endpointId);
    }
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  /** The endpoint's signing secret in the clear (to sign with). */
  secretOf(id: string, sealed: string): string {
    return this.secret.open(sealed, `webhook:${id}`);
  }
}
