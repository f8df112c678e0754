import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { startServe, type ServeProcess } from '../ops/serve-process.ts';

const SIGN_UPS = 4;
const PASSWORD = 'correct horse battery staple';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-mail-kill-'));
const running: ServeProcess[] = [];
let sink: SmtpSink | undefined;

afterAll(async () => {
  for (const server of running) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await Promise.all(running.map((s) => s.exited));
  await sink?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function outbox(): Array<{ id: string; status: string }> {
  const db = new SQLite(path.join(dataDir, 'latchkey.db'));
  try {
    return db.prepare('select id, status from mail_outbox').all() as Array<{ id: string; status: string }>;
  } finally {
    db.close();
  }
}

describe('latchkey killed with SIGKILL while it sends mail', () => {
  it('loses no message: a restarted instance delivers every one (at least once, same Message-ID)', async () => {
    sink = await SmtpSink.start();
    sink.delayMs = 1500; // each message is held before the server accepts it: the kill lands mid-send
    const env = {
      LATCHKEY_DATA_DIR: dataDir,
      LATCHKEY_ISSUER: 'http://latchkey.test',
      LATCHKEY_SMTP_URL: sink.url,
      LATCHKEY_MAIL_LEASE: '2',
      LATCHKEY_REGISTER_IP_LIMIT: '0',
      LATCHKEY_LOG_LEVEL: 'info',
    };
    const first = await startServe(env);
    running.push(first);
    const client = new BrowserClient(first.url);
    const emails = Array.from({ length: SIGN_UPS }, (_, i) => `killed-${i}@example.com`);
    for (const email of emails) expect((await client.register(email, PASSWORD)).status).toBe(201);

    await sink.waitFor(() => sink!.receiving >= 1); // a message is on the wire
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const before = outbox();
    expect(before).toHaveLength(SIGN_UPS);
    expect(before.filter((m) => m.status === 'pending').length).toBeGreaterThan(0);

    sink.delayMs = 0;
    const second = await startServe(env);
    running.push(second);
    await sink.waitFor((messages) => new Set(messages.map((m) => m.messageId)).size >= SIGN_UPS, 20_000);
    await expect.poll(() => outbox().filter((m) => m.status === 'sent').length, { timeout: 10_000 }).toBe(SIGN_UPS);

    const ids = new Set(sink.messages.map((m) => m.messageId));
    expect([...ids].sort()).toEqual(before.map((m) => `<${m.id}@latchkey.test>`).sort());
    for (const email of emails) expect(sink.to(email).length).toBeGreaterThanOrEqual(1);
    // At-least-once: the message cut off by the kill may arrive twice, always under its one Message-ID.
    expect(sink.messages.length).toBeLessThanOrEqual(SIGN_UPS + 1);
  }, 120_000);
});
