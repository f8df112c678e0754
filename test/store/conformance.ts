import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevokeReason } from '../../src/contract/index.ts';
import type { Session, UserRecord } from '../../src/core/types.ts';
import type { NewEvent, Rotation, SessionWithUser, Store, StoredSigningKey } from '../../src/core/store.ts';

/** A store to test, opened on a database of its own. */
export interface StoreUnderTest {
  readonly store: Store;
  cleanup(): Promise<void>;
  /**
   * Opens `n` stores on the same database for racing calls: at least several connections that run
   * at the same time (for SQLite, whose driver blocks its thread while it waits for a lock, that
   * means connections in other threads). Entries may share a connection.
   */
  contenders(n: number): Promise<{ stores: Store[]; close(): Promise<void> }>;
}

/** How many callers race in the concurrency tests. */
const RACERS = 24;
const DAY = 86_400_000;
/** Every test's times sit around here; the sweep test works far in the past so it sees only its own rows. */
const NOW = Date.parse('2027-03-01T12:00:00Z');

export function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = randomUUID();
  return {
    id,
    email: `user-${id}@example.com`,
    name: null,
    createdAt: NOW,
    disabledAt: null,
    roles: [],
    passwordHash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA',
    emailVerifiedAt: null,
    locale: null,
    ...overrides,
  };
}

export function newSession(userId: string, overrides: Partial<Session> = {}): Session {
  return {
    id: randomUUID(),
    userId,
    nonce: randomUUID(),
    counter: 0,
    createdAt: NOW,
    lastActiveAt: NOW,
    rotatedAt: null,
    expiresAt: NOW + 14 * DAY,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
    device: { browser: 'Firefox', os: 'Linux', type: 'desktop' },
    ip: '192.0.2.1',
    lastIp: '192.0.2.1',
    deviceId: null,
    revokedAt: null,
    revokeReason: null,
    ...overrides,
  };
}

function event(userId: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return { userId, type: 'login', at: NOW, sessionId: null, ip: '192.0.2.1', userAgent: 'ua', detail: null, ...overrides };
}

/**
 * A refresh decision (`Store.refreshSession`) that makes `rotation` when the session it reads is at
 * its `fromCounter`. It carries the rotation as data, so contenders in other threads can rebuild it.
 */
export function rotateIfAt(rotation: Rotation): ((found: SessionWithUser | undefined) => Rotation | undefined) & { readonly rotateIfAt: Rotation } {
  return Object.assign((found: SessionWithUser | undefined) => (found?.session.counter === rotation.fromCounter ? rotation : undefined), { rotateIfAt: rotation });
}

function signingKey(createdAt: number, retiredAt: number | null = null): StoredSigningKey {
  const kid = randomUUID();
  return { kid, alg: 'ES256', publicJwk: JSON.stringify({ kid }), privateKey: `sealed-${kid}`, createdAt, retiredAt };
}

/**
 * The store conformance suite: every Store method's contract (src/core/store.ts), on a real
 * database, including the atomic rotation under real concurrency. Each adapter's test file calls it.
 *
 * @example
 * testStore('SQLite', async () => { const store = await openSqliteStore(file); return { store, cleanup, contenders } })
 */
export function testStore(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`Store conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;
    let racing: Promise<{ stores: Store[]; close(): Promise<void> }> | undefined;
    /** The racing stores, opened once for the suite. */
    const racers = async () => {
      racing ??= subject.contenders(RACERS);
      return (await racing).stores;
    };
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(async () => {
      await (await racing)?.close();
      await subject?.cleanup();
    });

    async function userWithSession(sessionOverrides: Partial<Session> = {}) {
      const user = newUser();
      await store.createUser(user);
      const session = newSession(user.id, sessionOverrides);
      await store.insertSession(session);
      return { user, session };
    }

    describe('users', () => {
      it('keeps a user and finds it by id and by normalised e-mail', async () => {
        const user = newUser({ email: `Ann.${randomUUID()}@Example.COM`, name: 'Ann', roles: ['admin', 'ops'], disabledAt: NOW });
        expect(await store.createUser(user)).toBe(true);
        expect(await store.findUserById(user.id)).toEqual({ ...user, credentialVersion: 0 });
        expect(await store.findUserByEmail(user.email.toLowerCase())).toEqual({ ...user, credentialVersion: 0 });
        expect(await store.findUserById(randomUUID())).toBeUndefined();
        expect(await store.findUserByEmail('nobody@example.com')).toBeUndefined();
      });

      it('refuses a second account whose e-mail differs only in case, and writes nothing', async () => {
        const first = newUser({ email: `bob.${randomUUID()}@example.com` });
        expect(await store.createUser(first)).toBe(true);
        const second = newUser({ email: `  ${first.email.toUpperCase()}` });
        expect(await store.createUser(second)).toBe(false);
        expect(await store.findUserById(second.id)).toBeUndefined();
        expect((await store.findUserByEmail(first.email))?.id).toBe(first.id);
      });

      it('applies a patch field by field and reports a missing user', async () => {
        const user = newUser({ roles: ['a'] });
        await store.createUser(user);
        expect(await store.updateUser(user.id, { passwordHash: 'new-hash' })).toBe(true);
        expect(await store.findUserById(user.id)).toEqual({ ...user, passwordHash: 'new-hash', credentialVersion: 1 });
        expect(await store.updateUser(user.id, { disabledAt: NOW + 1, roles: [] })).toBe(true);
        expect(await store.findUserById(user.id)).toEqual({ ...user, passwordHash: 'new-hash', disabledAt: NOW + 1, roles: [], credentialVersion: 2 });
        expect(await store.updateUser(user.id, { disabledAt: null })).toBe(true);
        expect((await store.findUserById(user.id))?.disabledAt).toBeNull();
        expect(await store.updateUser(user.id, { roles: ['b'] })).toBe(true); // roles are not a credential
        expect((await store.findUserById(user.id))?.credentialVersion).toBe(3);
        expect(await store.updateUser(user.id, {})).toBe(true);
        expect(await store.updateUser(randomUUID(), { passwordHash: 'x' })).toBe(false);
        expect(await store.updateUser(randomUUID(), {})).toBe(false);
      });

      it('holds a credential only while the user is enabled and at the version given', async () => {
        const user = newUser();
        await store.createUser(user);
        expect(await store.holdCredential(user.id, 0)).toBe(true);
        expect(await store.holdCredential(user.id, 0)).toBe(true); // holding changes nothing
        await store.updateUser(user.id, { disabledAt: NOW });
        expect(await store.holdCredential(user.id, 1)).toBe(false); // disabled
        await store.updateUser(user.id, { disabledAt: null });
        expect(await store.holdCredential(user.id, 0)).toBe(false); // re-enabled, but a later version
        expect(await store.holdCredential(user.id, 2)).toBe(true);
        expect(await store.holdCredential(randomUUID(), 0)).toBe(false);
      });

      it('lists users oldest first, paged', async () => {
        const base = NOW - 400 * DAY; // older than every other test's users
        const users = [2, 0, 1].map((i) => newUser({ createdAt: base + i }));
        for (const u of users) await store.createUser(u);
        const page = await store.listUsers(2, 0);
        expect(page.map((u) => u.createdAt)).toEqual([base, base + 1]);
        expect((await store.listUsers(1, 2))[0]?.createdAt).toBe(base + 2);
      });

      it('lets exactly one of many concurrent sign-ups with one e-mail through', async () => {
        const email = `race.${randomUUID()}@example.com`;
        const stores = await racers();
        const results = await Promise.all(stores.map((s, i) => s.createUser(newUser({ email: i % 2 ? email : email.toUpperCase() }))));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('sessions', () => {
      it('keeps every field of a session', async () => {
        const user = newUser();
        await store.createUser(user);
        const session = newSession(user.id, { deviceId: randomUUID(), rotatedAt: NOW - 5, device: { browser: 'Safari', os: 'iOS', type: 'mobile' } });
        await store.insertSession(session);
        expect(await store.findSession(session.id)).toEqual(session);
        expect(await store.findSession(randomUUID())).toBeUndefined();
      });

      it('lists only live sessions of the user, most recently used first', async () => {
        const { user } = await userWithSession({ lastActiveAt: NOW - 3000 });
        const recent = newSession(user.id, { lastActiveAt: NOW - 1000 });
        const older = newSession(user.id, { lastActiveAt: NOW - 2000 });
        const revoked = newSession(user.id, { revokedAt: NOW - 10, revokeReason: 'logout', lastActiveAt: NOW });
        const expired = newSession(user.id, { expiresAt: NOW, lastActiveAt: NOW });
        for (const s of [older, recent, revoked, expired]) await store.insertSession(s);
        await userWithSession(); // another user's session
        const live = await store.listLiveSessions(user.id, NOW);
        expect(live.map((s) => s.lastActiveAt)).toEqual([NOW - 1000, NOW - 2000, NOW - 3000]);
        expect(live.map((s) => s.id)).not.toContain(revoked.id);
        expect(live.map((s) => s.id)).not.toContain(expired.id);
        expect(await store.listLiveSessions(user.id, NOW - 1)).toHaveLength(4); // the expired one was live a moment ago
        expect(await store.listLiveSessions(randomUUID(), NOW)).toEqual([]);
      });

      it('rotates only from the current counter, and records the events with it', async () => {
        const { user, session } = await userWithSession({ counter: 3 });
        const update = { at: NOW + 60_000, lastIp: '198.51.100.7', expiresAt: NOW + 20 * DAY };
        const refreshed = event(user.id, { type: 'refresh', sessionId: session.id, at: update.at });
        expect(await store.rotateSession(session.id, 2, update, [refreshed])).toBe(false);
        expect(await store.findSession(session.id)).toEqual(session);
        expect(await store.listEvents(user.id, 10)).toEqual([]);

        expect(await store.rotateSession(session.id, 3, update, [refreshed])).toBe(true);
        expect(await store.findSession(session.id)).toEqual({
          ...session,
          counter: 4,
          rotatedAt: update.at,
          lastActiveAt: update.at,
          lastIp: update.lastIp,
          expiresAt: update.expiresAt,
        });
        expect((await store.listEvents(user.id, 10)).map((e) => e.type)).toEqual(['refresh']);

        expect(await store.rotateSession(session.id, 3, update, [refreshed])).toBe(false);
        expect((await store.findSession(session.id))?.counter).toBe(4);
        expect(await store.listEvents(user.id, 10)).toHaveLength(1);
      });

      it('never rotates a revoked or unknown session', async () => {
        const { user, session } = await userWithSession({ revokedAt: NOW, revokeReason: 'logout' });
        const update = { at: NOW + 1, lastIp: '192.0.2.9', expiresAt: NOW + DAY };
        expect(await store.rotateSession(session.id, 0, update, [event(user.id, { type: 'refresh' })])).toBe(false);
        expect(await store.findSession(session.id)).toEqual(session);
        expect(await store.listEvents(user.id, 10)).toEqual([]);
        expect(await store.rotateSession(randomUUID(), 0, update, [])).toBe(false);
      });

      it('refreshes in one call: decide sees the session with its user, and the rotation it answers is made with its events', async () => {
        const { user, session } = await userWithSession({ counter: 2 });
        const update = { at: NOW + 60_000, lastIp: '198.51.100.8', expiresAt: NOW + 20 * DAY };
        const refreshed = event(user.id, { type: 'refresh', sessionId: session.id, at: update.at });
        const seen: unknown[] = [];
        const rotated = await store.refreshSession(session.id, (found) => {
          seen.push(found);
          return { fromCounter: 2, update, events: [refreshed] };
        });
        expect(rotated).toBe(true);
        expect(seen).toEqual([{ session, user: { ...user, credentialVersion: expect.any(Number) } }]);
        expect(await store.findSession(session.id)).toEqual({ ...session, counter: 3, rotatedAt: update.at, lastActiveAt: update.at, lastIp: update.lastIp, expiresAt: update.expiresAt });
        expect((await store.listEvents(user.id, 10)).map((e) => e.type)).toEqual(['refresh']);
        // A rotation decided from a counter that is no longer the session's writes nothing.
        expect(await store.refreshSession(session.id, () => ({ fromCounter: 2, update, events: [refreshed] }))).toBe(false);
        expect((await store.findSession(session.id))?.counter).toBe(3);
        expect(await store.listEvents(user.id, 10)).toHaveLength(1);
      });

      it('writes nothing in a refresh when decide answers nothing or throws, and shows it no unknown session', async () => {
        const { user, session } = await userWithSession();
        const update = { at: NOW + 1, lastIp: '192.0.2.9', expiresAt: NOW + DAY };
        expect(await store.refreshSession(session.id, () => undefined)).toBe(false);
        await expect(
          store.refreshSession(session.id, () => {
            throw new Error('the decision fails');
          }),
        ).rejects.toThrow('the decision fails');
        expect(await store.findSession(session.id)).toEqual(session);
        expect(await store.listEvents(user.id, 10)).toEqual([]);
        let seen: unknown = 'not called';
        const decideUnknown = (found: SessionWithUser | undefined) => {
          seen = found;
          return { fromCounter: 0, update, events: [] };
        };
        expect(await store.refreshSession(randomUUID(), decideUnknown)).toBe(false);
        expect(seen).toBeUndefined();
      });

      it(`lets exactly one of ${RACERS} concurrent rotations from one counter win, on separate connections`, async () => {
        const { user, session } = await userWithSession({ counter: 7 });
        const stores = await racers();
        const results = await Promise.all(
          stores.map((s, i) =>
            s.rotateSession(session.id, 7, { at: NOW + i + 1, lastIp: `10.0.0.${i}`, expiresAt: NOW + DAY }, [
              event(user.id, { type: 'refresh', sessionId: session.id, detail: { racer: i } }),
            ]),
          ),
        );
        expect(results.filter((won) => won)).toHaveLength(1);
        const winner = results.indexOf(true);
        const after = await store.findSession(session.id);
        expect(after?.counter).toBe(8);
        expect(after?.lastIp).toBe(`10.0.0.${winner}`);
        const events = await store.listEvents(user.id, 100);
        expect(events.map((e) => e.detail)).toEqual([{ racer: winner }]);
      });

      it(`lets exactly one of ${RACERS} concurrent refreshes of one token rotate, on separate connections`, async () => {
        const { user, session } = await userWithSession({ counter: 5 });
        const results = await Promise.all(
          (await racers()).map((s, i) =>
            s.refreshSession(
              session.id,
              rotateIfAt({ fromCounter: 5, update: { at: NOW + i + 1, lastIp: `10.0.1.${i}`, expiresAt: NOW + DAY }, events: [event(user.id, { type: 'refresh', sessionId: session.id, detail: { racer: i } })] }),
            ),
          ),
        );
        expect(results.filter((won) => won)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.findSession(session.id)).toMatchObject({ counter: 6, lastIp: `10.0.1.${winner}` });
        expect((await store.listEvents(user.id, 100)).map((e) => e.detail)).toEqual([{ racer: winner }]);
      });

      it('revokes a session for exactly one of many concurrent callers', async () => {
        const { session } = await userWithSession();
        const results = await Promise.all((await racers()).map((s, i) => s.revokeSessions([session.id], `racer-${i}` as RevokeReason, NOW + i)));
        const winners = results.filter((ids) => ids.length > 0);
        expect(winners).toEqual([[session.id]]);
        const winner = results.findIndex((ids) => ids.length > 0);
        expect(await store.findSession(session.id)).toMatchObject({ revokedAt: NOW + winner, revokeReason: `racer-${winner}` });
      });

      it('revokes only sessions not revoked yet and returns just those ids', async () => {
        const { user, session: a } = await userWithSession();
        const b = newSession(user.id);
        const earlier = newSession(user.id, { revokedAt: NOW - 50, revokeReason: 'logout' });
        for (const s of [b, earlier]) await store.insertSession(s);
        const revoked = await store.revokeSessions([a.id, b.id, earlier.id, randomUUID()], 'sign_out_all', NOW);
        expect(revoked.sort()).toEqual([a.id, b.id].sort());
        expect(await store.findSession(a.id)).toMatchObject({ revokedAt: NOW, revokeReason: 'sign_out_all' });
        expect(await store.findSession(earlier.id)).toEqual(earlier);
        expect(await store.revokeSessions([a.id, b.id], 'logout', NOW + 5)).toEqual([]);
        expect(await store.findSession(b.id)).toMatchObject({ revokedAt: NOW, revokeReason: 'sign_out_all' });
        expect(await store.revokeSessions([], 'logout', NOW)).toEqual([]);
      });

      it('notes a use without rotating: last IP and activity of an unrevoked session, with its events', async () => {
        const { user, session } = await userWithSession({ lastIp: '192.0.2.1', counter: 3 });
        const event = { userId: user.id, type: 'refresh_grace' as const, at: NOW + 9, sessionId: session.id, ip: '192.0.2.9', userAgent: 'ua', detail: null };
        await store.noteSessionUse(session.id, { at: NOW + 9, lastIp: '192.0.2.9' }, [event]);
        expect(await store.findSession(session.id)).toEqual({ ...session, lastIp: '192.0.2.9', lastActiveAt: NOW + 9 });
        expect((await store.listEvents(user.id, 10, ['refresh_grace'])).map((e) => e.ip)).toEqual(['192.0.2.9']);
        await store.revokeSessions([session.id], 'logout', NOW + 10);
        await store.noteSessionUse(session.id, { at: NOW + 11, lastIp: '192.0.2.10' }, []);
        expect((await store.findSession(session.id))?.lastIp).toBe('192.0.2.9');
      });
    });

    describe('events', () => {
      it('lists a user\'s events newest first, filtered by type and limited', async () => {
        const user = newUser();
        const other = newUser();
        await store.createUser(user);
        await store.createUser(other);
        const sessionId = randomUUID();
        await store.insertEvents([
          event(user.id, { type: 'login', at: NOW - 300, sessionId }),
          event(user.id, { type: 'refresh', at: NOW - 100, detail: { n: 1, ok: true, note: 'x', none: null } }),
          event(user.id, { type: 'logout', at: NOW - 200, ip: null, userAgent: null }),
          event(other.id, { type: 'login', at: NOW }),
        ]);
        const all = await store.listEvents(user.id, 10);
        expect(all.map((e) => e.type)).toEqual(['refresh', 'logout', 'login']);
        expect(all[0]).toMatchObject({ userId: user.id, at: NOW - 100, detail: { n: 1, ok: true, note: 'x', none: null } });
        expect(all[1]).toMatchObject({ ip: null, userAgent: null, detail: null, sessionId: null });
        expect(all[2]).toMatchObject({ sessionId, ip: '192.0.2.1', userAgent: 'ua' });
        expect(new Set(all.map((e) => e.id)).size).toBe(3);
        expect((await store.listEvents(user.id, 2)).map((e) => e.type)).toEqual(['refresh', 'logout']);
        expect((await store.listEvents(user.id, 10, ['login', 'logout'])).map((e) => e.type)).toEqual(['logout', 'login']);
        expect(await store.listEvents(user.id, 10, [])).toEqual([]);
        expect(await store.listEvents(user.id, 10, ['password_changed'])).toEqual([]);
        await store.insertEvents([]);
      });

      it('keeps a given event id', async () => {
        const user = newUser();
        await store.createUser(user);
        const id = randomUUID();
        await store.insertEvents([event(user.id, { id, type: 'new_device' })]);
        expect((await store.listEvents(user.id, 1))[0]?.id).toBe(id);
      });
    });

    describe('devices', () => {
      it('says true only the first time a user uses a device, per user', async () => {
        const a = newUser();
        const b = newUser();
        await store.createUser(a);
        await store.createUser(b);
        expect(await store.rememberDevice(a.id, 'Firefox|Linux|desktop', NOW)).toBe(true);
        expect(await store.rememberDevice(a.id, 'Firefox|Linux|desktop', NOW + 1)).toBe(false);
        expect(await store.rememberDevice(a.id, 'Safari|iOS|mobile', NOW)).toBe(true);
        expect(await store.rememberDevice(b.id, 'Firefox|Linux|desktop', NOW)).toBe(true);
      });

      it('calls a device new for exactly one of many concurrent logins', async () => {
        const user = newUser();
        await store.createUser(user);
        const results = await Promise.all((await racers()).map((s) => s.rememberDevice(user.id, 'Chrome|Android|mobile', NOW)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('signing keys', () => {
      it('adds a key, retiring the live ones at its creation, and lists newest first', async () => {
        const before = await store.listSigningKeys();
        const first = signingKey(NOW - 2000);
        await store.addSigningKey(first);
        const second = signingKey(NOW - 1000);
        await store.addSigningKey(second);
        const keys = (await store.listSigningKeys()).filter((k) => !before.some((b) => b.kid === k.kid));
        expect(keys).toEqual([second, { ...first, retiredAt: second.createdAt }]);
        expect((await store.listSigningKeys()).filter((k) => k.retiredAt === null)).toEqual([second]);
      });

      it('never holds two live keys, whatever concurrent adds race (instances starting at once)', async () => {
        const adds = (await racers()).map((s, i) => s.addSigningKey(signingKey(NOW + i)));
        const outcomes = await Promise.allSettled(adds);
        expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
        expect((await store.listSigningKeys()).filter((k) => k.retiredAt === null)).toHaveLength(1);
      });
    });

    describe('sweep', () => {
      it('deletes expired and revoked sessions, old events and retired keys in bounded batches, and nothing live', async () => {
        // Far in the past, so the rows of the other tests are never garbage at these instants.
        const T = Date.parse('2001-01-01T00:00:00Z');
        const user = newUser({ createdAt: T });
        await store.createUser(user);
        const expired = Array.from({ length: 7 }, () => newSession(user.id, { createdAt: T - DAY, expiresAt: T - 1 }));
        const revoked = Array.from({ length: 3 }, () => newSession(user.id, { createdAt: T - DAY, expiresAt: T + DAY, revokedAt: T - 1, revokeReason: 'logout' }));
        const live = newSession(user.id, { createdAt: T - DAY, expiresAt: T + DAY });
        const recentlyRevoked = newSession(user.id, { createdAt: T - DAY, expiresAt: T + DAY, revokedAt: T + 5, revokeReason: 'logout' });
        for (const s of [...expired, ...revoked, live, recentlyRevoked]) await store.insertSession(s);
        await store.insertEvents(Array.from({ length: 5 }, (_, i) => event(user.id, { at: T - 10 - i })));
        await store.insertEvents([event(user.id, { type: 'refresh', at: T })]);
        const limits = { sessionsBefore: T, eventsBefore: T, keysRetiredBefore: T, batch: 4 };

        expect(await store.sweep(limits)).toEqual({ sessions: 4, events: 4, keys: 0 });
        expect(await store.sweep(limits)).toEqual({ sessions: 4, events: 1, keys: 0 });
        expect(await store.sweep(limits)).toEqual({ sessions: 2, events: 0, keys: 0 });
        expect(await store.sweep(limits)).toEqual({ sessions: 0, events: 0, keys: 0 });

        for (const s of [...expired, ...revoked]) expect(await store.findSession(s.id)).toBeUndefined();
        expect(await store.findSession(live.id)).toEqual(live);
        expect(await store.findSession(recentlyRevoked.id)).toEqual(recentlyRevoked);
        expect((await store.listEvents(user.id, 10)).map((e) => e.at)).toEqual([T]);
        expect(await store.findUserById(user.id)).toEqual({ ...user, credentialVersion: 0 });
      });

      it('deletes signing keys retired before the limit, never a live one', async () => {
        const T = Date.parse('2001-06-01T00:00:00Z');
        const old = signingKey(T - 3 * DAY);
        const current = signingKey(T - 2 * DAY);
        await store.addSigningKey(old);
        await store.addSigningKey(current); // retires `old` (and any other live key) at T - 2 days
        await store.sweep({ sessionsBefore: 0, eventsBefore: 0, keysRetiredBefore: T - 2 * DAY, batch: 10 });
        expect((await store.listSigningKeys()).map((k) => k.kid)).toContain(old.kid); // retired at, not before, the limit
        const swept = await store.sweep({ sessionsBefore: 0, eventsBefore: 0, keysRetiredBefore: T - DAY, batch: 10 });
        expect(swept.keys).toBeGreaterThanOrEqual(1);
        const left = await store.listSigningKeys();
        expect(left.map((k) => k.kid)).not.toContain(old.kid);
        expect(left.find((k) => k.kid === current.kid)).toEqual(current);
      });
    });

    describe('transactions', () => {
      it('writes everything or, when the work throws, nothing', async () => {
        const user = newUser();
        const session = newSession(user.id);
        const failure = new Error('work failed');
        await expect(
          store.transaction(async (tx) => {
            await tx.createUser(user);
            await tx.insertSession(session);
            await tx.insertEvents([event(user.id)]);
            expect(await tx.findSession(session.id)).toEqual(session); // visible inside
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await store.findUserById(user.id)).toBeUndefined();
        expect(await store.findSession(session.id)).toBeUndefined();

        const result = await store.transaction(async (tx) => {
          await tx.createUser(user);
          await tx.transaction((inner) => inner.insertSession(session)); // nested: joins the outer one
          return 'done';
        });
        expect(result).toBe('done');
        expect(await store.findSession(session.id)).toEqual(session);
      });

      it('never runs a rotation inside another caller\'s open transaction: the rotation stays when that one rolls back', async () => {
        const { user, session } = await userWithSession({ counter: 1 });
        const update = { at: NOW + 5, lastIp: '192.0.2.5', expiresAt: NOW + DAY };
        let rotating: Promise<boolean> | undefined;
        await expect(
          store.transaction(async (tx) => {
            await tx.insertEvents([event(user.id)]);
            rotating = store.rotateSession(session.id, 1, update, [event(user.id, { type: 'refresh', sessionId: session.id })]); // outside tx
            await new Promise((resolve) => setTimeout(resolve, 20));
            throw new Error('the other caller fails');
          }),
        ).rejects.toThrow('the other caller fails');
        expect(await rotating).toBe(true);
        expect((await store.findSession(session.id))?.counter).toBe(2);
        expect((await store.listEvents(user.id, 10)).map((e) => e.type)).toEqual(['refresh']);
      });

      it('rolls back a nested transaction\'s writes with the outer one', async () => {
        const user = newUser();
        await expect(
          store.transaction(async (tx) => {
            await tx.transaction((inner) => inner.createUser(user));
            throw new Error('outer fails');
          }),
        ).rejects.toThrow('outer fails');
        expect(await store.findUserById(user.id)).toBeUndefined();
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
