import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { PASSWORD, signedIn, uniqueEmail } from '../helpers/http-auth.ts';
import { linkToken, SmtpSink } from '../helpers/smtp-sink.ts';
import { sample, startLoggedServer, type LoggedServer } from './logged-server.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: LoggedServer;
let url: string;

beforeAll(async () => {
  server = await startLoggedServer();
  url = await server.listen();
});
afterAll(() => server?.close());

describe('request ids', () => {
  it('gives every request a UUID, echoes it, and puts it on every log line of that request', async () => {
    const res = await fetch(`${url}/healthz`);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(UUID);
    const lines = server.lines.filter((l) => l.reqId === id);
    // one access line per request: method, route, status and time, under the request id
    expect(lines.map((l) => l.msg)).toEqual(['request completed']);
    expect(lines[0]).toMatchObject({ method: 'GET', route: '/healthz', status: 200, responseTime: expect.any(Number) });
    const second = (await fetch(`${url}/healthz`)).headers.get('x-request-id');
    expect(second).toMatch(UUID);
    expect(second).not.toBe(id);
  });

  it("keeps a caller's short safe X-Request-Id (a proxy's), and replaces anything else", async () => {
    const kept = await fetch(`${url}/healthz`, { headers: { 'x-request-id': 'edge-7f3a.b2:19' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a.b2:19');
    expect(server.lines.some((l) => l.reqId === 'edge-7f3a.b2:19')).toBe(true);
    for (const unsafe of ['has space', 'x'.repeat(65), 'quote"here', '{"json":1}', 'new\tline']) {
      const res = await fetch(`${url}/healthz`, { headers: { 'x-request-id': unsafe } });
      expect(res.headers.get('x-request-id'), unsafe).toMatch(UUID);
    }
    expect(server.text()).not.toContain('quote\\"here');
  });
});

describe('log lines', () => {
  it('are JSON with a level and time, and every line written while serving a request names it', async () => {
    await fetch(`${url}/auth/me`); // a 401
    await fetch(`${url}/nowhere`); // a 404
    for (const line of server.lines) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
      if (line.req || line.res || line.securityEvent) expect(line.reqId, JSON.stringify(line)).toBeTruthy();
    }
  });

  it('has one security-event line per event, with type, user, session and IP, under the request id', async () => {
    const client = new BrowserClient(url);
    const registered = await client.register('liv@example.com', PASSWORD);
    const login = await client.login('liv@example.com', PASSWORD);
    const loginId = login.headers.get('x-request-id');
    const userId = registered.body.user.id;
    const events = server.lines.filter((l) => l.securityEvent && l.reqId === loginId).map((l) => l.securityEvent);
    expect(events.map((e) => e.type).sort()).toEqual(['login', 'new_device']);
    for (const event of events) {
      expect(event).toMatchObject({ userId, sessionId: login.body.session_id, ip: '127.0.0.1' });
    }
    const old = client.refreshCookie;
    await client.refresh();
    await client.refresh();
    client.refreshCookie = old;
    const reuse = await client.refresh();
    const lines = server.lines.filter((l) => l.reqId === reuse.headers.get('x-request-id') && l.securityEvent);
    const reuseLine = lines.find((l) => l.securityEvent.type === 'refresh_token_reuse');
    expect(reuseLine?.level).toBe(40); // warn
    expect(reuseLine?.securityEvent.detail).toEqual({ tokenAge: 2 });
    expect(lines.find((l) => l.securityEvent.type === 'session_revoked')?.securityEvent.detail).toEqual({ reason: 'refresh_token_reuse' });
  });

  it('tie each security event to the request that caused it when several run at once', async () => {
    const emails = ['ana@example.com', 'ben@example.com', 'cai@example.com', 'dee@example.com'];
    const clients = emails.map(() => new BrowserClient(url));
    const ids = await Promise.all(emails.map(async (email, i) => (await clients[i]!.register(email, PASSWORD)).body.user.id as string));
    const logins = await Promise.all(emails.map((email, i) => clients[i]!.login(email, PASSWORD)));
    logins.forEach((login, i) => {
      const events = server.lines.filter((l) => l.securityEvent && l.reqId === login.headers.get('x-request-id')).map((l) => l.securityEvent);
      expect(events.map((e) => e.type).sort()).toEqual(['login', 'new_device']);
      for (const event of events) expect(event).toMatchObject({ userId: ids[i], sessionId: login.body.session_id });
    });
  });

  it('never contain a password, an access token, a refresh token or a cookie', async () => {
    const client = new BrowserClient(url);
    await client.register('max@example.com', PASSWORD);
    await client.login('max@example.com', PASSWORD);
    const refresh1 = client.refreshCookie!;
    await client.refresh();
    await client.request('GET', '/auth/me');
    await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: 'max@example.com', password: PASSWORD }).toString(),
    });
    await new BrowserClient(url).login('max@example.com', `${PASSWORD} but wrong`);
    const text = server.text();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(refresh1);
    expect(text).not.toContain(client.refreshCookie!);
    expect(text).not.toContain(client.accessToken!.split('.')[2]!);
    expect(text).not.toMatch(/latchkey_refresh=/);
  });
});

describe('security events of the e-mail flows', () => {
  let sink: SmtpSink;
  let mailed: LoggedServer;
  let mailedUrl: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    mailed = await startLoggedServer({ LATCHKEY_SMTP_URL: sink.url, LATCHKEY_MAIL_REQUEST_EMAIL_LIMIT: '0', LATCHKEY_MAIL_REQUEST_IP_LIMIT: '0' });
    mailedUrl = await mailed.listen();
  });
  afterAll(async () => {
    await mailed?.close();
    await sink?.close();
  });

  const eventsOf = (res: { headers: Headers }) =>
    mailed.lines.filter((l) => l.securityEvent && l.reqId === res.headers.get('x-request-id')).map((l) => l.securityEvent);
  const counted = async (type: string) => sample(await (await fetch(`${mailedUrl}/metrics`)).text(), 'latchkey_security_events_total', { type });

  it('are logged under the request that caused them and counted: verified, change requested, changed', async () => {
    const { client, email, userId } = await signedIn(mailedUrl);
    const verify = (token: string) => new BrowserClient(mailedUrl).request('POST', '/auth/email/verify', { token });

    const verified = await verify(linkToken(await sink.next(email, 1, 'Confirm your e-mail address'), 'verify'));
    expect(verified.status).toBe(200);
    expect(eventsOf(verified)).toEqual([expect.objectContaining({ type: 'email_verified', userId })]);
    expect(await counted('email_verified')).toBe(1);

    const newEmail = uniqueEmail('moved');
    const asked = await client.request('POST', '/auth/email', { currentPassword: PASSWORD, newEmail });
    expect(asked.status).toBeLessThan(300);
    expect(eventsOf(asked)).toEqual([expect.objectContaining({ type: 'email_change_requested', userId })]);
    expect(await counted('email_change_requested')).toBe(1);

    const changed = await verify(linkToken(await sink.next(newEmail, 1, 'Confirm your new e-mail address'), 'verify'));
    expect(changed.body).toEqual({ outcome: 'email_changed', email: newEmail });
    expect(eventsOf(changed)).toEqual([expect.objectContaining({ type: 'email_changed', userId })]);
    expect(await counted('email_changed')).toBe(1);

    // a link that fails writes and logs nothing
    const before = mailed.lines.filter((l) => l.securityEvent).length;
    expect((await verify('not-a-link')).status).toBe(400);
    expect(mailed.lines.filter((l) => l.securityEvent).length).toBe(before);
  });
});
