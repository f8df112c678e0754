import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, CHROME_LINUX, FIREFOX_WINDOWS } from '../helpers/browser-client.ts';
import { decodeJwt, expectError, PASSWORD, signedIn, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';
import { linkToken, SmtpSink } from '../helpers/smtp-sink.ts';

const NO_MAIL_LIMITS = { LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '0', LATCHKEY_MAIL_REQUEST_IP_LIMIT: '0' };
const CONFIRM = 'Confirm your e-mail address';

describe('e-mail verification, e-mail change and alerts, through a real SMTP server', () => {
  let sink: SmtpSink;
  let server: TestServer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await startApiServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_REFRESH_GRACE: '0', ...NO_MAIL_LIMITS });
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  const verify = (token: string) => new BrowserClient(server.url).request('POST', '/auth/email/verify', { token });

  it('sign-up mails a link; following it verifies the address once, and the access token says so', async () => {
    const { client, email } = await signedIn(server.url);
    expect(decodeJwt(client.accessToken!).payload.email_verified).toBe(false);
    expect((await client.request('GET', '/auth/me')).body.user.emailVerified).toBe(false);

    const token = linkToken(await sink.next(email, 1, CONFIRM), 'verify');
    const followed = await verify(token);
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual({ outcome: 'verified', email });
    expectError(await verify(token), 400, 'invalid_link');

    expect((await client.refresh()).status).toBe(200);
    expect(decodeJwt(client.accessToken!).payload.email_verified).toBe(true);
    expect((await client.request('GET', '/auth/me')).body.user.emailVerified).toBe(true);
  });

  it('writes in the language of the sign-up request (Accept-Language: ko)', async () => {
    const email = uniqueEmail('ko');
    const client = new BrowserClient(server.url, { 'user-agent': CHROME_LINUX, 'accept-language': 'ko-KR,ko;q=0.9,en;q=0.5' });
    expect((await client.register(email, PASSWORD)).status).toBe(201);
    const message = await sink.next(email, 1, '이메일 주소를 확인해 주세요');
    expect(message.text).toContain('한 번만 쓸 수 있습니다');
    expect(message.text).toMatch(/#verify=/);
  });

  it('alerts on a new device (not on the first sign-in) and on a stolen refresh token', async () => {
    const { client, email } = await signedIn(server.url);
    const firefox = new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS });
    expect((await firefox.login(email, PASSWORD)).status).toBe(200);
    const alert = await sink.next(email, 1, 'New sign-in to your account from Firefox on Windows');
    expect(alert.text).toContain('Place (IP): 127.0.0.1');
    expect(alert.text).toContain('http://latchkey.test/account');
    expect(sink.to(email).filter((m) => m.subject.startsWith('New sign-in'))).toHaveLength(1); // not the first sign-in

    const stolen = client.refreshCookie;
    expect((await client.refresh()).status).toBe(200);
    client.refreshCookie = stolen; // the thief replays the retired token
    expectError(await client.refresh(), 401, 'invalid_grant');
    const theft = await sink.next(email, 1, 'A stolen sign-in token was used; we signed that device out');
    expect(theft.text).toContain('We signed that device out');
  });

  it('changes the address only when the link sent to the new one is followed, with notices to the old one', async () => {
    const { client, email } = await signedIn(server.url);
    const taken = (await signedIn(server.url)).email;
    const newEmail = uniqueEmail('moved');
    expectError(await client.request('POST', '/auth/email', { currentPassword: 'wrong password 1', newEmail }), 401, 'invalid_credentials');
    expectError(await client.request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail: taken }), 409, 'email_taken');
    expectError(await client.request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail: 'not-an-address' }), 400, 'invalid_request');
    expectError(await new BrowserClient(server.url).request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail }), 401, 'invalid_token');

    expect((await client.request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail })).status).toBe(202);
    const confirm = await sink.next(newEmail, 1, 'Confirm your new e-mail address');
    const notice = await sink.next(email, 1, 'Someone asked to change your e-mail address');
    expect(notice.text).toContain(newEmail);
    // Nothing changed yet.
    expect((await new BrowserClient(server.url).login(email, PASSWORD)).status).toBe(200);

    const followed = await verify(linkToken(confirm, 'verify'));
    expect(followed.body).toEqual({ outcome: 'email_changed', email: newEmail });
    expectError(await new BrowserClient(server.url).login(email, PASSWORD), 401, 'invalid_credentials');
    const moved = new BrowserClient(server.url);
    expect((await moved.login(newEmail, PASSWORD)).status).toBe(200);
    expect(decodeJwt(moved.accessToken!).payload.email_verified).toBe(true);
    const changed = await sink.next(email, 1, "Your account's e-mail address was changed");
    expect(changed.text).toContain(newEmail);
  });

  it('a verification link for the old address does not verify the new one', async () => {
    const { client, email } = await signedIn(server.url);
    const oldLink = linkToken(await sink.next(email, 1, CONFIRM), 'verify');
    const newEmail = uniqueEmail('moved');
    expect((await client.request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail })).status).toBe(202);
    expect((await verify(linkToken(await sink.next(newEmail, 1, 'Confirm your new e-mail address'), 'verify'))).status).toBe(200);
    expectError(await verify(oldLink), 400, 'invalid_link');
  });
});

describe('LATCHKEY_REQUIRE_VERIFIED_EMAIL=true', () => {
  let sink: SmtpSink;
  let server: TestServer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    server = await startApiServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_REQUIRE_VERIFIED_EMAIL: 'true', LATCHKEY_MAIL_ALERTS: 'none', ...NO_MAIL_LIMITS });
  });
  afterAll(async () => {
    await server.close();
    await sink.close();
  });

  it('refuses logins with 403 email_not_verified until the (re-sent) link is followed', async () => {
    const email = uniqueEmail('strict');
    const client = new BrowserClient(server.url);
    expect((await client.register(email, PASSWORD)).status).toBe(201);
    expectError(await client.login(email, PASSWORD), 403, 'email_not_verified');
    expectError(await client.login(email, 'a wrong password'), 401, 'invalid_credentials');
    const first = linkToken(await sink.next(email, 1, CONFIRM), 'verify');

    const resend = await client.request('POST', '/auth/email/verification', { email });
    expect(resend.status).toBe(202);
    const second = linkToken(await sink.next(email, 2, CONFIRM), 'verify');
    expectError(await client.request('POST', '/auth/email/verify', { token: first }), 400, 'invalid_link'); // replaced
    expect((await client.request('POST', '/auth/email/verify', { token: second })).status).toBe(200);
    expect((await client.login(email, PASSWORD)).status).toBe(200);
  });

  it('LATCHKEY_MAIL_ALERTS=none sends no alerts', async () => {
    const email = uniqueEmail('quiet');
    const client = new BrowserClient(server.url);
    expect((await client.register(email, PASSWORD)).status).toBe(201);
    await client.request('POST', '/auth/email/verify', { token: linkToken(await sink.next(email, 1, CONFIRM), 'verify') });
    expect((await client.login(email, PASSWORD)).status).toBe(200);
    expect((await new BrowserClient(server.url, { 'user-agent': FIREFOX_WINDOWS }).login(email, PASSWORD)).status).toBe(200);
    expect((await client.request('POST', '/auth/password', { currentPassword: PASSWORD, newPassword: 'another fine passphrase' })).status).toBe(204);
    await expect.poll(async () => (await server.latchkey.store.listMail(50, ['pending'])).length).toBe(0);
    expect(sink.to(email).map((m) => m.subject)).toEqual([CONFIRM]);
  });

  it('limits resends per address silently and per IP with 429', async () => {
    const limited = await startApiServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '2', LATCHKEY_MAIL_REQUEST_IP_LIMIT: '4' });
    try {
      const email = uniqueEmail('flood');
      const client = new BrowserClient(limited.url);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await client.request('POST', '/auth/password/forgot', { email }));
      expect(answers.slice(0, 4).map((a) => a.status)).toEqual([202, 202, 202, 202]);
      expect(answers[4]!.status).toBe(429);
      expect(answers[4]!.headers.get('retry-after')).toMatch(/^\d+$/);
      const recorded = (await limited.latchkey.store.listMail(50)).filter((m) => m.to === email);
      expect(recorded).toHaveLength(2); // the address's share; the rest were answered alike but mailed nothing
    } finally {
      await limited.close();
    }
  });
});
