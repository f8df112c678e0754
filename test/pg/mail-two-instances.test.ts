import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { NewMail } from '../../src/core/mail-message.ts';
import { createLatchkey, type Latchkey } from '../../src/server/create-latchkey.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { BrowserClient } from '../helpers/browser-client.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { TEST_ARGON2 } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const SIGN_UPS = 24;
const PASSWORD = 'violet kettle hums at dawn 31';
const db = await createTestDatabase('mail outbox on PostgreSQL');

describe.skipIf(!db)('two instances on one PostgreSQL outbox', () => {
  let sink: SmtpSink;
  const instances: Array<{ latchkey: Latchkey; url: string }> = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-pg-mail-'));

  beforeAll(async () => {
    sink = await SmtpSink.start();
    sink.delayMs = 20; // sends overlap between the two instances
    const config = loadConfig({
      DATABASE_URL: db!.url,
      LATCHKEY_SECRET: randomBytes(32).toString('hex'),
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_ISSUER: 'http://latchkey.test',
      LATCHKEY_SMTP_URL: sink.url,
      LATCHKEY_REGISTER_IP_LIMIT: '0',
      LATCHKEY_MAIL_ALERTS: 'none',
    });
    for (let i = 0; i < 2; i++) {
      const latchkey = await createLatchkey(config, { argon2: TEST_ARGON2, logger: false, mailPollMs: 50 });
      instances.push({ latchkey, url: await latchkey.app.listen({ host: '127.0.0.1', port: 0 }) });
    }
  });
  afterAll(async () => {
    for (const { latchkey } of instances) await latchkey.close();
    await sink.close();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('claims hand each message to one caller only (FOR UPDATE SKIP LOCKED), however many claim at once', async () => {
    const stores = await Promise.all([0, 1, 2, 3].map(() => openPostgresStore(db!.url, { poolSize: 4 })));
    try {
      // Due an hour from now: the two running instances' senders leave them alone; these claims ask as of then.
      const later = Date.now() + 3_600_000;
      const mails: NewMail[] = Array.from({ length: 200 }, () => ({
        id: randomUUID(), kind: 'new_device', userId: null, to: 'nobody@example.com', locale: 'en', data: {}, createdAt: later,
      }));
      await stores[0]!.enqueueMail(mails);
      const claimed = (await Promise.all(stores.flatMap((s) => [0, 1, 2, 3].map(() => s.claimMail(later, later + 60_000, 20)))))
        .flat()
        .map((m) => m.id);
      expect(claimed.length).toBeGreaterThan(0);
      expect(new Set(claimed).size).toBe(claimed.length);
      for (const id of claimed) await stores[0]!.finishMail(id, 1, { status: 'skipped', at: later, note: 'test' });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('delivers each message exactly once while both instances send', async () => {
    const emails = Array.from({ length: SIGN_UPS }, () => `pg-${randomUUID()}@example.com`);
    await Promise.all(emails.map((email, i) => new BrowserClient(instances[i % 2]!.url).register(email, PASSWORD)));
    await sink.waitFor((m) => m.length >= SIGN_UPS, 30_000);
    const store = instances[0]!.latchkey.store;
    await expect.poll(async () => (await store.listMail(500, ['sent'])).length, { timeout: 10_000 }).toBe(SIGN_UPS);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a duplicate would arrive by now
    expect(sink.messages).toHaveLength(SIGN_UPS);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(SIGN_UPS);
    for (const email of emails) expect(sink.to(email)).toHaveLength(1);
  });
});
