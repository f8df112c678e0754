import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const SIGN_UPS = 8;
const RESETS = 4;

describe('the mail server is down during sign-ups and reset requests, then comes back', () => {
  let sink: SmtpSink;
  let server: TestServer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    await sink.down();
    server = await startApiServer({
      LATCHKEY_SMTP_URL: sink.url,
      LATCHKEY_MAIL_RETRY_DELAY: '1',
      LATCHKEY_MAIL_ALERTS: 'none',
      LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '0',
      LATCHKEY_MAIL_REQUEST_IP_LIMIT: '0',
    });
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  it('every request succeeds meanwhile, and each event is delivered exactly once after', async () => {
    const client = new BrowserClient(server.url);
    const emails = Array.from({ length: SIGN_UPS }, () => uniqueEmail('outage'));
    for (const email of emails) expect((await client.register(email, PASSWORD)).status).toBe(201);
    for (const email of emails.slice(0, RESETS)) {
      expect((await client.request('POST', '/auth/password/forgot', { email })).status).toBe(202);
    }
    expect((await client.login(emails[0]!, PASSWORD)).status).toBe(200); // mail trouble never fails a login

    // Every message was tried and failed; none is lost.
    const store = server.latchkey.store;
    await expect.poll(async () => (await store.listMail(100)).filter((m) => m.lastError !== null && m.status === 'pending').length, { timeout: 10_000 })
      .toBe(SIGN_UPS + RESETS);
    expect((await store.listMail(100)).map((m) => m.lastError)).toEqual(Array(SIGN_UPS + RESETS).fill(expect.stringContaining('ECONNREFUSED')));

    await sink.up();
    await sink.waitFor((m) => m.length >= SIGN_UPS + RESETS, 20_000);
    await expect.poll(async () => (await store.listMail(100, ['sent'])).length, { timeout: 10_000 }).toBe(SIGN_UPS + RESETS);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a second send would show up by now

    expect(sink.messages).toHaveLength(SIGN_UPS + RESETS);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(SIGN_UPS + RESETS);
    for (const email of emails) {
      expect(sink.to(email).filter((m) => m.subject === 'Confirm your e-mail address')).toHaveLength(1);
    }
    for (const email of emails.slice(0, RESETS)) {
      expect(sink.to(email).filter((m) => m.subject === 'Reset your password')).toHaveLength(1);
    }
  });
});
