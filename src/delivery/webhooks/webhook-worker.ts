import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import type { DeliveryDb } from '../tables.ts';
import { postWebhook, type PostOutcome } from './post-webhook.ts';
import { retryDelayMs } from './retry-schedule.ts';
import type { WebhookEndpoints } from './webhook-endpoints.ts';

/** Failures in a row after which an endpoint's circuit opens. */
export const CIRCUIT_THRESHOLD = 5;

export interface WorkerOptions {
  readonly db: DeliveryDb;
  readonly postgres: boolean;
  readonly endpoints: WebhookEndpoints;
  readonly now: () => number;
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
  /** Seconds before each retry; see {@link retryDelayMs}. */
  readonly schedule: readonly number[];
  readonly circuitCooldownMs: number;
  /** Deliveries claimed per round (default 20). */
  readonly batch?: number;
  readonly random?: () => number;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Sends due webhook deliveries. A round claims up to `batch` due rows with a lease (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`, so instances never claim the same row) that outlasts the request
 * timeout: while one instance holds a delivery no other sends it; if the instance dies
 * mid-delivery, the lease runs out and another instance sends it again, with the same
 * `webhook-id`. Each endpoint's deliveries go one after another; 5 failures in a row open its
 * circuit for the cooldown (its deliveries wait, without using up their tries).
 *
 * @example
 * const worker = new WebhookWorker(options)
 * while ((await worker.runOnce()) > 0);
 */
export class WebhookWorker {
  private readonly batch: number;
  private readonly leaseMs: number;

  constructor(private readonly o: WorkerOptions) {
    this.batch = o.batch ?? 20;
    this.leaseMs = o.timeoutMs + 5000;
  }

  /** Claims and sends one round of due deliveries; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const owner = randomBytes(9).toString('base64url');
    const claimed = await this.claim(owner);
    const byEndpoint = new Map<string, Claimed[]>();
    for (const row of claimed) byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), row]);
    await Promise.all([...byEndpoint.values()].map((rows) => this.sendInOrder(rows, owner)));
    return claimed.length;
  }

  private async claim(owner: string): Promise<Claimed[]> {
    const now = this.o.now();
    const due = this.o.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select('d.id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('e.circuit_open_until', 'is', null), eb('e.circuit_open_until', '<=', now)]))
      .orderBy('d.next_attempt_at')
      .limit(this.batch);
    const rows = await this.o.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: now + this.leaseMs, lease_until: now + this.leaseMs, lease_owner: owner }))
      .where('id', 'in', this.o.postgres ? due.forUpdate('d').skipLocked() : due)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returning(['id', 'endpoint_id', 'payload', 'attempts'])
      .execute();
    if (rows.length === 0) return [];
    const endpoints = await this.o.db.selectFrom('webhook_endpoints').select(['id', 'url', 'secret']).where('id', 'in', [...new Set(rows.map((r) => r.endpoint_id))]).execute();
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    return rows.flatMap((r) => {
      const endpoint = byId.get(r.endpoint_id);
      return endpoint ? [{ ...r, attempts: Number(r.attempts), url: endpoint.url, secret: this.o.endpoints.secretOf(endpoint.id, endpoint.secret) }] : [];
    });
  }

  private async sendInOrder(rows: readonly Claimed[], owner: string): Promise<void> {
    for (const [i, row] of rows.entries()) {
      const outcome = await this.send(row);
      const circuitOpened = await this.record(row, owner, outcome);
      if (circuitOpened) {
        // Hand the rest back untouched: they wait for the circuit, without using up a try.
        for (const rest of rows.slice(i + 1)) {
          await this.o.db
            .updateTable('webhook_deliveries')
            .set((eb) => ({ attempts: eb('attempts', '-', 1), next_attempt_at: this.o.now(), lease_until: null, lease_owner: null }))
            .where('id', '=', rest.id)
            .where('lease_owner', '=', owner)
            .execute();
        }
        return;
      }
    }
  }

  private send(row: Claimed): Promise<PostOutcome> {
    const at = new Date(this.o.now());
    let signature: string;
    try {
      signature = new Webhook(row.secret).sign(row.id, at, row.payload);
    } catch {
      return Promise.resolve({ ok: false, status: null, error: 'the endpoint secret cannot sign' });
    }
    const headers = { 'webhook-id': row.id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
    return postWebhook(row.url, row.payload, headers, { timeoutMs: this.o.timeoutMs, allowPrivate: this.o.allowPrivate });
  }

  /** Writes the outcome (only while this claim still holds the lease); true when the endpoint's circuit opened. */
  private async record(row: Claimed, owner: string, outcome: PostOutcome): Promise<boolean> {
    const now = this.o.now();
    const mine = this.o.db.updateTable('webhook_deliveries').where('id', '=', row.id).where('lease_owner', '=', owner);
    if (outcome.ok) {
      await mine.set({ status: 'delivered', finished_at: now, lease_until: null, last_status: outcome.status, last_error: null }).execute();
      await this.o.db.updateTable('webhook_endpoints').set({ failures: 0, circuit_open_until: null }).where('id', '=', row.endpoint_id).execute();
      return false;
    }
    const delay = retryDelayMs(row.attempts, this.o.schedule, this.o.random);
    const failed = { lease_until: null, last_status: outcome.status, last_error: outcome.error?.slice(0, 500) ?? null };
    await (delay === undefined
      ? mine.set({ ...failed, status: 'dead', finished_at: now })
      : mine.set({ ...failed, next_attempt_at: now + delay })
    ).execute();
    const opened = await this.o.db
      .updateTable('webhook_endpoints')
      .set((eb) => ({
        failures: eb('failures', '+', 1),
        circuit_open_until: sql<number | null>`CASE WHEN failures + 1 >= ${CIRCUIT_THRESHOLD} THEN ${now + this.o.circuitCooldownMs} ELSE circuit_open_until END`,
      }))
      .where('id', '=', row.endpoint_id)
      .returning(['circuit_open_until'])
      .executeTakeFirst();
    return opened?.circuit_open_until !== null && opened?.circuit_open_until !== undefined && Number(opened.circuit_open_until) > now;
  }
}
