import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Session, UserRecord } from '../../src/core/types.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import type { NewEvent } from '../../src/core/store.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

/**
 * The other half of the SIGKILL test (kill.test.ts): a rotation is one transaction, so when any
 * part of it fails (here: its event cannot be written) the counter does not move either. A
 * process killed mid-rotation is the same case: the database rolls the open transaction back.
 */
async function rotationIsAllOrNothing(store: KyselyStore): Promise<void> {
  const now = Date.now();
  const user: UserRecord = { id: randomUUID(), email: `${randomUUID()}@example.com`, name: null, createdAt: now, disabledAt: null, roles: [], passwordHash: 'x' };
  await store.createUser(user);
  const session: Session = {
    id: randomUUID(), userId: user.id, nonce: 'bm9uY2U', counter: 0, createdAt: now, lastActiveAt: now, rotatedAt: null,
    expiresAt: now + 3_600_000, userAgent: 'test', device: { browser: 'Chrome', os: 'Linux', type: 'desktop' },
    ip: '127.0.0.1', lastIp: '127.0.0.1', deviceId: null, revokedAt: null, revokeReason: null,
  };
  await store.insertSession(session);
  const event = (id: string): NewEvent => ({ id, userId: user.id, type: 'refresh', at: now, sessionId: session.id, ip: '127.0.0.1', userAgent: 'test', detail: null });
  const taken = randomUUID();
  await store.insertEvents([event(taken)]);
  const update = { at: now + 1000, lastIp: '127.0.0.2', expiresAt: now + 7_200_000 };

  // the event insert fails (its id exists already): the whole rotation must roll back
  await expect(store.rotateSession(session.id, 0, update, [event(taken)])).rejects.toThrow();
  const untouched = await store.findSession(session.id);
  expect(untouched).toMatchObject({ counter: 0, rotatedAt: null, lastIp: '127.0.0.1', expiresAt: session.expiresAt });

  // and the same rotation, whole, succeeds once
  expect(await store.rotateSession(session.id, 0, update, [event(randomUUID())])).toBe(true);
  expect(await store.rotateSession(session.id, 0, update, [event(randomUUID())])).toBe(false);
  expect(await store.findSession(session.id)).toMatchObject({ counter: 1, rotatedAt: now + 1000, lastIp: '127.0.0.2' });
  expect(await store.listEvents(user.id, 10, ['refresh'])).toHaveLength(2);
}

const database = await createTestDatabase('PostgreSQL rotation-atomicity case');
afterAll(() => database?.drop());

describe('a rotation is one transaction', () => {
  it('on SQLite', async () => {
    const store = await openSqliteStore(':memory:');
    try {
      await rotationIsAllOrNothing(store);
    } finally {
      await store.close();
    }
  });

  it.skipIf(!database)('on PostgreSQL', async () => {
    const store = await openPostgresStore(database!.url);
    try {
      await rotationIsAllOrNothing(store);
    } finally {
      await store.close();
    }
  });
});
