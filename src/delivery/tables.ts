import type { Generated, Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** The tables of the delivery pipeline (see migration.ts), as Kysely sees them. Times are epoch ms. */
export type DeliveryTables = {
  event_outbox: EventOutboxTable;
  delivery_cursors: DeliveryCursorsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  set_acks: SetAcksTable;
};

/** The store's tables plus the delivery pipeline's. */
export type DeliveryDb = Kysely<Database & DeliveryTables>;

export interface EventOutboxTable {
  position: Generated<number>;
  /** PostgreSQL: the id of the writing transaction; SQLite: 0 (one writer at a time). */
  txid: Generated<number>;
  event_id: string;
  type: string;
  user_id: string;
  session_id: string | null;
  at: number;
  ip: string | null;
  user_agent: string | null;
  /** JSON text. */
  detail: string | null;
}

export interface DeliveryCursorsTable {
  name: string;
  txid: number;
  position: number;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** Comma-separated event types, or `*` for every type. */
  events: string;
  /** The signing secret, sealed under the server secret (context `webhook:<id>`). */
  secret: string;
  created_at: number;
  /** Consecutive failed attempts; a success resets it. */
  failures: Generated<number>;
  /** While in the future, nothing is sent to this endpoint (its circuit is open). */
  circuit_open_until: number | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface WebhookDeliveriesTable {
  /** The `webhook-id`: the same on every attempt. */
  id: string;
  endpoint_id: string;
  event_id: string;
  type: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface SetAcksTable {
  receiver: string;
  jti: string;
  at: number;
}
