import { openPostgresStore } from '../../src/store/postgres.ts';
import { createTestDatabase } from '../../test/helpers/postgres.ts';
import { benchSecret, seedSessions } from '../seed.ts';
const db = (await createTestDatabase())!;
try {
  const store = await openPostgresStore(db.url);
  console.log(store.constructor.name);
  const { codec } = benchSecret();
  const { sessions, userId } = await seedSessions(store, codec, 2);
  const id = sessions[0]!.id;
  const ev = (n: number) => Array.from({ length: n }, () => ({ userId, type: 'refresh' as const, at: Date.now(), sessionId: id, ip: '1.2.3.4', userAgent: 'ua', detail: n > 1 ? { a: 1 } : null }));
  const u = { at: Date.now(), lastIp: '9.9.9.9', expiresAt: Date.now() + 1000 };
  console.log('first', await store.rotateSession(id, 0, u, ev(2)));
  console.log('stale', await store.rotateSession(id, 0, u, ev(1)));
  const results = await Promise.all(Array.from({ length: 10 }, () => store.rotateSession(id, 1, u, ev(1))));
  console.log('race winners', results.filter(Boolean).length);
  console.log('no events', await store.rotateSession(id, 2, u, []));
  const s = await store.findSession(id);
  console.log('counter', s?.counter, s?.lastIp, s?.rotatedAt === u.at);
  const evs = await store.listEvents(userId, 100);
  console.log('events', evs.length, evs.map((e) => JSON.stringify(e.detail)).join(','));
  await store.revokeSessions([id], 'x', Date.now());
  console.log('revoked', await store.rotateSession(id, 3, u, ev(1)));
  const both = await store.findSessionWithUser(sessions[1]!.id);
  console.log('join', both?.session.id === sessions[1]!.id, both?.user.id === userId, both?.user.email, both?.user.createdAt, typeof both?.session.expiresAt);
  console.log('missing', await store.findSessionWithUser('00000000-0000-0000-0000-000000000000'));
  await store.close();
} finally { await db.drop(); }
