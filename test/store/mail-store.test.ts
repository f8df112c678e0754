import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountLink } from '../../src/core/account-link.ts';
import type { NewMail } from '../../src/core/mail-message.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { newUser } from './conformance.ts';

const T = Date.parse('2026-03-01T12:00:00Z');
const db = await createTestDatabase('mail store on PostgreSQL');

const mail = (overrides: Partial<NewMail> = {}): NewMail => ({
  id: randomUUID(), kind: 'verify_email', userId: null, to: 'ann@example.com', locale: 'en', data: { ip: '203.0.113.1' }, createdAt: T, ...overrides,
});
const link = (userId: string, overrides: Partial<AccountLink> = {}): AccountLink => ({
  id: randomUUID(), userId, purpose: 'password_reset', nonce: 'bm9uY2U', email: 'ann@example.com', createdAt: T, expiresAt: T + 1_800_000, usedAt: null, ...overrides,
});

function mailStoreSuite(name: string, open: () => Promise<KyselyStore>, cleanup: () => Promise<void> = async () => {}) {
  describe(`mail outbox and links: ${name}`, () => {
    let store: KyselyStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
      await cleanup();
    });

    it('a claim leases a message: nobody else gets it until the lease runs out; only the holding attempt records the outcome', async () => {
      const m = mail({ createdAt: T - 1 });
      await store.enqueueMail([m]);
      const [claimed] = await store.claimMail(T, T + 60_000, 10);
      expect(claimed).toMatchObject({ id: m.id, status: 'pending', attempts: 1, leaseUntil: T + 60_000, data: { ip: '203.0.113.1' } });
      expect(await store.claimMail(T + 30_000, T + 90_000, 10)).toEqual([]); // leased
      const [again] = await store.claimMail(T + 60_000, T + 120_000, 10); // the lease ran out: a crash, say
      expect(again).toMatchObject({ id: m.id, attempts: 2 });
      expect(await store.finishMail(m.id, 1, { status: 'sent', at: T })).toBe(false); // the first attempt lost it
      expect(await store.finishMail(m.id, 2, { status: 'pending', nextAttemptAt: T + 200_000, error: 'ECONNREFUSED' })).toBe(true);
      expect(await store.claimMail(T + 199_999, T + 300_000, 10)).toEqual([]); // backing off
      const [third] = await store.claimMail(T + 200_000, T + 300_000, 10);
      expect(third).toMatchObject({ attempts: 3, lastError: 'ECONNREFUSED' });
      expect(await store.finishMail(m.id, 3, { status: 'failed', nextAttemptAt: T + 400_000, error: 'gave up' })).toBe(true);
      expect(await store.claimMail(T + 500_000, T + 600_000, 10)).toEqual([]);
      expect(await store.retryMail(T + 500_000)).toBeGreaterThanOrEqual(1);
      const [fourth] = await store.claimMail(T + 500_000, T + 600_000, 10);
      expect(fourth).toMatchObject({ id: m.id, attempts: 1, status: 'pending' });
      expect(await store.finishMail(m.id, 1, { status: 'sent', at: T + 500_000 })).toBe(true);
      expect((await store.listMail(10, ['sent'])).map((x) => x.id)).toContain(m.id);
      expect(await store.sweepMail(T + 500_001, 100)).toBeGreaterThanOrEqual(1);
      expect((await store.listMail(100)).map((x) => x.id)).not.toContain(m.id);
    });

    it('a newer link retires older ones of the same user and purpose; an older one stored later is born used', async () => {
      const user = newUser();
      await store.createUser(user);
      const first = link(user.id, { createdAt: T });
      const verify = link(user.id, { purpose: 'verify_email', createdAt: T });
      const second = link(user.id, { createdAt: T + 1000 });
      const late = link(user.id, { createdAt: T + 500 }); // its message was sent after the second's
      for (const l of [first, verify, second, late]) await store.insertLink(l);
      await store.insertLink(second); // a retried message: no-op
      expect((await store.findLink(first.id))?.usedAt).toBe(T + 1000);
      expect((await store.findLink(late.id))?.usedAt).toBe(T + 500);
      expect((await store.findLink(second.id))?.usedAt).toBeNull();
      expect((await store.findLink(verify.id))?.usedAt).toBeNull(); // another purpose
      const wins = await Promise.all([0, 1, 2, 3].map(() => store.consumeLink(second.id, T + 2000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await store.retireLinks(user.id, ['verify_email'], T + 3000)).toBe(1);
    });

    it('changes an e-mail address unless another account uses it (compared normalised)', async () => {
      const ann = newUser();
      const bob = newUser();
      await store.createUser(ann);
      await store.createUser(bob);
      expect(await store.changeEmail(ann.id, bob.email.toUpperCase(), T)).toBe(false);
      const moved = `moved-${randomUUID()}@Example.com`;
      expect(await store.changeEmail(ann.id, moved, T)).toBe(true);
      expect(await store.findUserByEmail(moved.toLowerCase())).toMatchObject({ id: ann.id, email: moved, emailVerifiedAt: T });
      await store.setLocale(ann.id, 'ko');
      expect((await store.findUserById(ann.id))?.locale).toBe('ko');
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-mail-store-'));
mailStoreSuite('SQLite', () => openSqliteStore(path.join(dir, 'latchkey.db')), async () => fs.rmSync(dir, { recursive: true, force: true }));
if (db) mailStoreSuite('PostgreSQL', () => openPostgresStore(db.url), () => db.drop());
