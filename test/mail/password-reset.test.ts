import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkTokenCodec } from '../../src/core/account-link.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { BrowserClient, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { expectError, PASSWORD, signedIn, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { linkToken, SmtpSink } from '../helpers/smtp-sink.ts';

const NEW_PASSWORD = 'a brand new passphrase 42';

describe('password reset by e-mail, delivered to a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await startApiServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '0', LATCHKEY_MAIL_REQUEST_IP_LIMIT: '0' }, { clock });
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  const forgot = (email: string) => new BrowserClient(server.url).request('POST', '/auth/password/forgot', { email });
  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    new BrowserClient(server.url).request('POST', '/auth/password/reset', { token, newPassword });
  const resetMail = async (email: string, n = 1) => {
    return sink.next(email, n, 'Reset your password');
  };

  it('mails a link that sets the password once, ends every session, and mails a notice', async () => {
    const { client: laptop, email } = await signedIn(server.url);
    const phone = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    expect((await phone.login(email, PASSWORD)).status).toBe(200);

    expect((await forgot(email)).status).toBe(202);
    const message = await resetMail(email);
    expect(message.messageId).toMatch(/^<[0-9a-f-]{36}@latchkey\.test>$/);
    expect(message.text).toContain('http://latchkey.test/account#reset=');
    const token = linkToken(message, 'reset');

    expect((await reset(token)).status).toBe(204);
    expectError(await reset(token, 'yet another passphrase 7'), 400, 'invalid_link'); // used once only

    // Every device is signed out; the old password fails and the new one works.
    expectError(await laptop.refresh(), 401, 'invalid_grant');
    expectError(await phone.refresh(), 401, 'invalid_grant');
    expectError(await new BrowserClient(server.url).login(email, PASSWORD), 401, 'invalid_credentials');
    const again = new BrowserClient(server.url);
    expect((await again.login(email, NEW_PASSWORD)).status).toBe(200);
    const events = await again.request('GET', '/auth/events?types=password_reset,session_revoked');
    expect(events.body.events.map((e: { type: string }) => e.type)).toContain('password_reset');
    expect(events.body.events.filter((e: { detail?: { reason?: string } }) => e.detail?.reason === 'password_reset')).toHaveLength(2);

    const notice = await sink.waitFor(() => sink.to(email).some((m) => m.subject === 'Your password was reset'));
    expect(notice.length).toBeGreaterThan(0);
  });

  it('refuses an expired link, and an older link once a newer one was asked for', async () => {
    const { email } = await signedIn(server.url);
    expect((await forgot(email)).status).toBe(202);
    const first = linkToken(await resetMail(email, 1), 'reset');
    clock.advance(31 * 60);
    expectError(await reset(first), 400, 'invalid_link');

    expect((await forgot(email)).status).toBe(202);
    const older = linkToken(await resetMail(email, 2), 'reset');
    expect((await forgot(email)).status).toBe(202);
    const newer = linkToken(await resetMail(email, 3), 'reset');
    expectError(await reset(older), 400, 'invalid_link');
    expect((await reset(newer)).status).toBe(204);
  });

  it('a password change retires the links mailed before it', async () => {
    const { client, email } = await signedIn(server.url);
    expect((await forgot(email)).status).toBe(202);
    const token = linkToken(await resetMail(email), 'reset');
    expect((await client.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status).toBe(204);
    expectError(await reset(token, 'attacker chosen passphrase'), 400, 'invalid_link');
    expect((await sink.next(email, 1, 'Your password was changed')).text).toContain('Your other devices were signed out');
  });

  it('a copy of the database cannot use or forge a link: the token is a MAC under a key outside it', async () => {
    const { email } = await signedIn(server.url);
    expect((await forgot(email)).status).toBe(202);
    const token = linkToken(await resetMail(email), 'reset');
    const id = new LinkTokenCodec(Buffer.alloc(32)).parse(token)!.id;
    const link = await server.latchkey.store.findLink(id);
    expect(link).toBeDefined();
    // Everything the database holds about the link, with a guessed key, gives no working token.
    const forged = new LinkTokenCodec(Buffer.alloc(32, 7)).issue(link!);
    expect(forged).not.toBe(token);
    expectError(await reset(forged, 'attacker chosen passphrase'), 400, 'invalid_link');
    const rows = JSON.stringify(await server.latchkey.store.listMail(500));
    expect(rows).not.toContain(token);
    // A verification link's token is not a reset token.
    expectError(await reset('A'.repeat(66)), 400, 'invalid_link');
    expect((await reset(token)).status).toBe(204);
  });

  it('a weak new password is refused and leaves the link usable', async () => {
    const { email } = await signedIn(server.url);
    expect((await forgot(email)).status).toBe(202);
    const token = linkToken(await resetMail(email), 'reset');
    expectError(await reset(token, 'short'), 400, 'weak_password');
    expect((await reset(token)).status).toBe(204);
  });

  it('answers 202 with the same body and headers for an unknown address, and mails nothing there', async () => {
    const known = await forgot((await signedIn(server.url)).email);
    const unknownEmail = uniqueEmail('nobody');
    const unknown = await forgot(unknownEmail);
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    const strip = (h: Headers) => [...h.entries()].filter(([k]) => !['date', 'x-request-id'].includes(k));
    expect(strip(unknown.headers)).toEqual(strip(known.headers));
    await expect.poll(async () => (await server.latchkey.store.listMail(500, ['skipped'])).find((m) => m.to === unknownEmail)?.lastError)
      .toBe('no account uses this address');
    expect(sink.to(unknownEmail)).toHaveLength(0);
  });

  it('mails the account\'s own address, never the spelling typed into the form', async () => {
    const { email } = await signedIn(server.url);
    // Full-width letters compare equal to the account's address (NFKC), but may be another mailbox.
    const lookalike = email.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    expect(lookalike).not.toBe(email);
    expect((await forgot(lookalike)).status).toBe(202);
    const message = await resetMail(email);
    expect(message.to).toBe(email);
    expect(message.text).toContain(email);
  });

  it('rejects malformed requests with 400, never 500', async () => {
    const client = new BrowserClient(server.url);
    expectError(await client.request('POST', '/auth/password/forgot', {}), 400, 'invalid_request');
    expectError(await client.request('POST', '/auth/password/forgot', { email: 42 }), 400, 'invalid_request');
    expectError(await client.request('POST', '/auth/password/reset', { token: 'x'.repeat(500), newPassword: 'x' }), 400, 'invalid_request');
    expectError(await client.request('POST', '/auth/password/reset', { token: '%%%', newPassword: NEW_PASSWORD }), 400, 'invalid_link');
  });
});
