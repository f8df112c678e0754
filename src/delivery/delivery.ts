import type { FastifyPluginAsync } from 'fastify';
import { PostgresAdapter } from 'kysely';
import type { Config } from '../config.ts';
import type { Auth } from '../core/auth.ts';
import type { Clock } from '../core/clock.ts';
import type { ServerSecret } from '../core/server-secret.ts';
import type { NewEvent } from '../core/store.ts';
import type { KyselyStore } from '../store/kysely-store.ts';
import type { VerifiedClaims } from '../verify/token-verifier.ts';
import { FeedKeys } from './feed-keys.ts';
import { OutboxReader } from './outbox-reader.ts';
import { OUTBOX_EXCLUDED_TYPES } from './migration.ts';
import { listenForOutbox } from './pg-listener.ts';
import { RevocationHub } from './revocation-hub.ts';
import { revocationRoutes } from './revocation-routes.ts';
import { sessionStreamRoute } from './session-stream-route.ts';
import { setPollRoutes } from './set-poll-route.ts';
import type { DeliveryDb, DeliveryTables } from './tables.ts';
import { Waker } from './waker.ts';
import { fanOutWebhooks } from './webhooks/webhook-fanout.ts';
import { WebhookEndpoints } from './webhooks/webhook-endpoints.ts';
import { WebhookWorker } from './webhooks/webhook-worker.ts';

/** Seconds of clock skew added to the access TTL: how long a revocation stays in the feed. */
export const REVOCATION_SKEW = 60;
const POLL_MS = 1000;
const SWEEP_EVERY_MS = 60_000;
const DAY = 86_400_000;
const MAX_ROUNDS = 4;
const EXCLUDED: ReadonlySet<string> = new Set(OUTBOX_EXCLUDED_TYPES);

export interface DeliveryOptions {
  readonly store: KyselyStore;
  readonly config: Config;
  readonly clock: Clock;
  readonly secret: ServerSecret;
  readonly log: { warn(obj: object, msg: string): void };
  /** For `GET /auth/session/stream`: who is calling. */
  readonly auth: Auth;
  readonly verifyAccessToken: (token: string) => Promise<VerifiedClaims>;
  /** Signs a JWS with latchkey's current key and the given `typ` (Security Event Tokens). */
  readonly sign: (claims: object, typ: string) => string;
}

/** The running delivery pipeline of one instance. */
export interface Delivery {
  /** The routes it serves (`GET /revocations`, ...), to register on the app. */
  readonly routes: FastifyPluginAsync;
  readonly hub: RevocationHub;
  readonly reader: OutboxReader;
  /**
   * Tells the pipeline that this process just wrote `events`: those that reach the outbox are read
   * at once. A routine token rotation (`refresh`, the bulk of all events) never does and wakes nobody.
   */
  wake(events: readonly NewEvent[]): void;
  close(): Promise<void>;
}

/** The Kysely instance of `store` with the delivery tables, and whether it is PostgreSQL. */
export function deliveryDb(store: KyselyStore): { db: DeliveryDb; postgres: boolean } {
  const db = store.database.withTables<DeliveryTables>();
  return { db, postgres: db.getExecutor().adapter instanceof PostgresAdapter };
}

/**
 * Starts one instance's share of the delivery pipeline: the revocation hub behind the feed, the
 * webhook fan-out and sender. They run when woken (PostgreSQL `LISTEN`, this process's own
 * writes) and at least once a second; nothing here blocks or fails the request that caused an event.
 *
 * @example
 * const delivery = await startDelivery({ store, config, clock, secret, log: app.log })
 * app.register(delivery.routes)
 */
export async function startDelivery(o: DeliveryOptions): Promise<Delivery> {
  const { db, postgres } = deliveryDb(o.store);
  const now = () => o.clock.now();
  const reader = new OutboxReader(db, postgres);
  const relevanceMs = (o.config.session.accessTtl + REVOCATION_SKEW) * 1000;
  // While the database is down every loop fails once a second: one log line per kind per minute.
  const lastWarned = new Map<string, number>();
  const warn = (msg: string) => (err: unknown) => {
    const at = now();
    if (at - (lastWarned.get(msg) ?? Number.NEGATIVE_INFINITY) < 60_000) return;
    lastWarned.set(msg, at);
    o.log.warn({ err }, msg);
  };
  const hub = new RevocationHub(reader, relevanceMs, warn('reading the revocation feed failed'));
  await hub.start();
  const d = o.config.delivery;
  const worker = new WebhookWorker({
    db,
    postgres,
    endpoints: new WebhookEndpoints(db, o.secret, now),
    now,
    timeoutMs: d.webhookTimeout * 1000,
    allowPrivate: d.webhookAllowPrivate,
    schedule: d.webhookRetrySchedule,
    circuitCooldownMs: d.webhookCircuitCooldown * 1000,
  });

  let closed = false;
  let fanning: Promise<void> | null = null;
  let fanAgain = false;
  const rounds = new Set<Promise<void>>();
  let lastSweep = 0;
  // One more sending round per call, at most MAX_ROUNDS at once: a slow receiver holds up one round, not all.
  const deliver = () => {
    if (closed || rounds.size >= MAX_ROUNDS) return;
    const round: Promise<void> = worker.runOnce().then(
      (claimed) => {
        rounds.delete(round);
        if (claimed > 0) deliver();
      },
      (err) => {
        rounds.delete(round);
        warn('sending webhooks failed')(err);
      },
    );
    rounds.add(round);
  };
  const fanOut = (): Promise<void> => {
    if (fanning) {
      fanAgain = true;
      return fanning;
    }
    fanning = (async () => {
      try {
        do {
          fanAgain = false;
          while (!closed && (await fanOutWebhooks(db, postgres, now())) > 0);
        } while (fanAgain && !closed);
        if (now() - lastSweep > SWEEP_EVERY_MS) {
          lastSweep = now();
          await sweep(db, reader, now(), relevanceMs);
        }
      } catch (err) {
        warn('webhook fan-out failed')(err);
      } finally {
        fanning = null;
      }
      deliver();
    })();
    return fanning;
  };

  const waker = new Waker(POLL_MS);
  waker.onWake(() => {
    void hub.catchUp();
    void fanOut();
  });
  const listener = postgres && o.config.store.databaseUrl ? listenForOutbox(o.config.store.databaseUrl, () => waker.wake()) : undefined;
  waker.wake();

  const keys = new FeedKeys(o.config.delivery.revocationKeys);
  const feed = revocationRoutes({ keys, reader, hub, clock: o.clock });
  const sets = setPollRoutes({
    db, keys, reader, hub, clock: o.clock, issuer: o.config.issuer, audience: o.config.audience,
    sign: (claims) => o.sign(claims, 'secevent+jwt'),
  });
  const sessionStream = sessionStreamRoute({ hub, auth: o.auth, verifyAccessToken: o.verifyAccessToken });
  return {
    routes: async (app) => {
      await app.register(feed);
      await app.register(sessionStream);
      await app.register(sets);
    },
    hub,
    reader,
    wake(events) {
      if (events.every((e) => EXCLUDED.has(e.type))) return;
      waker.wake();
      // An event recorded inside a larger transaction is announced before that commits: look again shortly.
      setTimeout(() => waker.wake(), 50).unref();
    },
    async close() {
      closed = true;
      waker.close();
      hub.close();
      await listener?.close();
      await fanning;
      await Promise.all(rounds);
    },
  };
}

/** Removes delivery data nobody needs any more: outbox rows after a week, finished deliveries after a week, old acknowledgements. */
async function sweep(db: DeliveryDb, reader: OutboxReader, now: number, relevanceMs: number): Promise<void> {
  await reader.sweep(now - 7 * DAY);
  await db.deleteFrom('webhook_deliveries').where('finished_at', '<', now - 7 * DAY).execute();
  await db.deleteFrom('set_acks').where('at', '<', now - relevanceMs - 3_600_000).execute();
}
