import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryDb } from '../../src/delivery/delivery.ts';
import { OutboxReader } from '../../src/delivery/outbox-reader.ts';
import { START, type Cursor } from '../../src/delivery/cursor.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { createVerifier, type LatchkeyVerifier } from '../../src/verify/create-verifier.ts';
import { signedIn, NO_THROTTLE } from '../helpers/http-auth.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { ISSUER, startServer, type TestServer } from '../helpers/server.ts';
import { eventually, FEED_KEY, logout, outcome } from './feed-helpers.ts';

const db = await createTestDatabase('PostgreSQL outbox suite');

describe.skipIf(!db)('the outbox on PostgreSQL: gap-aware, shared by instances', () => {
  let store: KyselyStore;
  let reader: OutboxReader;
  let userId: string;
  const clients: pg.Client[] = [];

  const client = async () => {
    const c = new pg.Client({ connectionString: db!.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const insertRevocation = (c: pg.Client, sessionId: string) =>
    c.query(`INSERT INTO events (id, user_id, type, at, session_id, detail) VALUES ($1, $2, 'session_revoked', $3, $4, '{"reason":"test"}')`, [
      randomUUID(), userId, Date.now(), sessionId,
    ]);

  /**
   * What a reader gets once every transaction that was running has ended. Transactions of other
   * tests (anywhere on the PostgreSQL server) hold readers back for a moment too: wait them out.
   */
  const settled = async (after: Cursor, options: { revocationsOnly?: boolean } = {}) => {
    await eventually(async () => !(await reader.heldBack(after, options)), 10_000, 'running transactions to end');
    return reader.read(after, options);
  };

  const settledHead = async () => {
    let head = await reader.head();
    await eventually(async () => {
      head = await reader.head();
      return !(await reader.heldBack(head));
    }, 10_000, 'running transactions to end');
    return head;
  };

  beforeAll(async () => {
    store = await openPostgresStore(db!.url, { poolSize: 3 });
    reader = new OutboxReader(deliveryDb(store).db, true);
    userId = randomUUID();
    await store.createUser({ id: userId, email: `${userId}@example.com`, name: null, passwordHash: 'x', createdAt: Date.now(), disabledAt: null, roles: [] });
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {});
    await store?.close();
    await db?.drop();
  });

  it('holds readers back behind a transaction still open, then delivers its lower-numbered event', async () => {
    const head = await settledHead();
    const early = await client();
    const late = await client();
    await early.query('BEGIN');
    await insertRevocation(early, 'held-back'); // takes the lower position, commits last
    await insertRevocation(late, 'committed-first'); // its own transaction: commits now
    const meanwhile = await reader.read(head, { revocationsOnly: true });
    expect(meanwhile.map((e) => e.sessionId)).toEqual([]); // not 'committed-first' alone: that would skip 'held-back'
    await early.query('COMMIT');
    const after = await settled(head, { revocationsOnly: true });
    expect(after.map((e) => e.sessionId)).toEqual(['held-back', 'committed-first']);
  });

  it('orders by transaction, so a transaction that wrote earlier but inserted later is not skipped either', async () => {
    const head = await settledHead();
    const early = await client();
    const late = await client();
    await early.query('BEGIN');
    await early.query(`UPDATE users SET roles = '' WHERE id = $1`, [userId]); // takes its transaction id now
    await insertRevocation(late, 'second-txn');
    expect(await reader.read(head, { revocationsOnly: true })).toEqual([]);
    await insertRevocation(early, 'first-txn'); // a higher position than second-txn's
    await early.query('COMMIT');
    const after = await settled(head, { revocationsOnly: true });
    expect(after.map((e) => e.sessionId)).toEqual(['first-txn', 'second-txn']);
    expect(after[0]!.cursor.position).toBeGreaterThan(after[1]!.cursor.position);
  });

  it('copies every event but refresh into the outbox, in the same transaction (a rollback leaves nothing)', async () => {
    const head = await settledHead();
    const c = await client();
    await c.query('BEGIN');
    await insertRevocation(c, 'rolled-back');
    await c.query('ROLLBACK');
    await c.query(`INSERT INTO events (id, user_id, type, at) VALUES ($1, $2, 'refresh', $3)`, [randomUUID(), userId, Date.now()]);
    await c.query(`INSERT INTO events (id, user_id, type, at) VALUES ($1, $2, 'new_device', $3)`, [randomUUID(), userId, Date.now()]);
    const after = await settled(head);
    expect(after.map((e) => e.type)).toEqual(['new_device']);
    expect((await reader.read(START)).length).toBeGreaterThan(0);
  });

  describe('two instances and a verifier', () => {
    let a: TestServer;
    let b: TestServer;
    let verify: LatchkeyVerifier;

    beforeAll(async () => {
      const env = { ...NO_THROTTLE, DATABASE_URL: db!.url, LATCHKEY_SECRET: randomBytes(32).toString('hex'), LATCHKEY_REVOCATION_KEYS: FEED_KEY };
      a = await startServer(env);
      b = await startServer(env);
      verify = createVerifier({
        issuer: ISSUER,
        audience: ISSUER,
        jwksUri: `${a.url}/.well-known/jwks.json`,
        revocations: { url: `${b.url}/revocations`, key: FEED_KEY, heartbeat: 1 },
      });
      await verify.revocations!.ready();
    });
    afterAll(async () => {
      verify?.close();
      await a?.close();
      await b?.close();
    });

    it('a session revoked on instance A is rejected by a verifier following instance B; others pass', async () => {
      const victim = await signedIn(a.url);
      const bystander = await signedIn(a.url);
      expect(await outcome(verify, victim.client.accessToken!)).toBe('ok');
      await logout(a.url, victim.client.accessToken!);
      await eventually(async () => (await outcome(verify, victim.client.accessToken!)) === 'session_revoked');
      expect(await outcome(verify, bystander.client.accessToken!)).toBe('ok');
    });

    it('a revocation committed late under a lower position still reaches the verifier', async () => {
      const held = await signedIn(a.url);
      const quick = await signedIn(a.url);
      const early = await client();
      await early.query('BEGIN');
      await insertRevocation(early, held.sessionId);
      await logout(a.url, quick.client.accessToken!); // commits after, under a higher position
      // Two heartbeats after that commit: a reader that skipped gaps would have moved past 'held' by now.
      // When the feed last confirmed the follower (the follower's clock is Date.now): a heartbeat moves it
      // on by about a second. (Comparing lags raced: a lag read just after a heartbeat is near 0, and
      // the next one is below it only if a check lands within those few ms of the following heartbeat.)
      const syncedAt = () => Date.now() - verify.revocations!.status().lag;
      const beats = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const before = syncedAt();
          await eventually(() => syncedAt() > before + 500, 10_000, 'a heartbeat'); // heartbeats come every second; a busy machine may delay one
        }
      };
      await beats(2);
      await early.query('COMMIT');
      await eventually(async () => (await outcome(verify, held.client.accessToken!)) === 'session_revoked', 10_000, 'the late revocation');
      await eventually(async () => (await outcome(verify, quick.client.accessToken!)) === 'session_revoked', 10_000, 'the quick revocation');
    }, 60_000);
  });
});
