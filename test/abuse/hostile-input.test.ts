import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_CSP } from '../../src/http/security-headers.ts';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { decodeJwt, expectError, PASSWORD, refreshCookie, signedIn, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

/** Sends `raw` bytes on a fresh socket and returns the status and parsed JSON body of the answer. */
async function rawRequest(url: string, raw: string): Promise<{ status: number; headers: string; body: unknown }> {
  const { port } = new URL(url);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(raw));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

const JSON_ROUTES = ['/auth/register', '/auth/login', '/auth/password'];

describe('hostile input gets clear 4xx answers in the standard shape', () => {
  let server: TestServer;
  let client: BrowserClient;
  beforeAll(async () => {
    server = await startServer(PASSWORD_GRANT_ON);
    client = new BrowserClient(server.url, { 'user-agent': CHROME_LINUX });
  });
  afterAll(() => server.close());

  it('a body over 16 KiB is 413 payload_too_large', async () => {
    for (const path of JSON_ROUTES) {
      expectError(await client.request('POST', path, { email: 'a@example.com', password: 'x'.repeat(17_000) }), 413, 'payload_too_large');
    }
  });

  it('a body that is not JSON is 415 unsupported_media_type on the JSON routes (form bodies only on /oauth)', async () => {
    for (const path of [...JSON_ROUTES, '/auth/refresh', '/auth/logout']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
        expectError(await client.request('POST', path, 'email=a%40example.com&password=x', { 'content-type': type }), 415, 'unsupported_media_type');
      }
    }
  });

  it('malformed JSON, or JSON that is not an object, is 400 invalid_request', async () => {
    for (const path of JSON_ROUTES) {
      for (const body of ['{', '{"email": "a@example.com",}', '[]', 'null', '"a string"', '42', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"admin": true}}}']) {
        expectError(await client.request('POST', path, body), 400, 'invalid_request');
      }
      expectError(await client.request('POST', path, '', { 'content-type': 'application/json' }), 400, 'invalid_request');
    }
  });

  it('a POSTed RP-initiated logout whose body is not form fields is 400 invalid_request, not a 500', async () => {
    for (const body of ['[null,"x",null]', '{"state":{"a":1}}', '["a","b"]']) {
      expectError(await client.request('POST', '/oauth/logout', body), 400, 'invalid_request');
    }
  });

  it('wrong types and lengths are 400 invalid_request, never a 500', async () => {
    const bad = [
      { email: ['a@example.com'], password: PASSWORD },
      { email: 'a@example.com', password: { $ne: '' } },
      { email: 'a@example.com', password: 12345678 },
      { email: `${'a'.repeat(400)}@example.com`, password: PASSWORD },
      { email: 'a@example.com', password: 'x'.repeat(5000) },
      { email: 'a@example.com' },
    ];
    for (const body of bad) {
      expectError(await client.request('POST', '/auth/login', body), 400, 'invalid_request');
      expectError(await client.request('POST', '/auth/register', body), 400, 'invalid_request');
    }
    expectError(await client.request('DELETE', `/auth/sessions?scope=${'x'.repeat(30)}`), 400, 'invalid_request');
    expectError(await client.request('GET', '/auth/events?limit=1e9'), 400, 'invalid_request');
  });

  it('extra properties are dropped: no one signs up as an admin', async () => {
    const email = uniqueEmail('mass-assign');
    const res = await client.request('POST', '/auth/register', {
      email, password: PASSWORD, roles: ['admin'], id: '00000000-0000-0000-0000-000000000000', disabledAt: null, passwordHash: 'x',
    });
    expect(res.status).toBe(201);
    expect(res.body.user.id).not.toBe('00000000-0000-0000-0000-000000000000');
    const login = await new BrowserClient(server.url).login(email, PASSWORD);
    expect(login.status).toBe(200);
    expect(decodeJwt(login.body.access_token).payload).not.toHaveProperty('roles');
  });

  it('unknown routes and methods are 404 not_found; malformed URLs and over-long path parameters 4xx', async () => {
    expectError(await client.request('GET', '/admin'), 404, 'not_found');
    expectError(await client.request('PUT', '/auth/login', {}), 404, 'not_found');
    const badUrl = await rawRequest(server.url, 'GET /auth/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectError(badUrl, 400, 'invalid_request');
    expect(badUrl.headers).toContain('x-content-type-options: nosniff');
    const longParam = await rawRequest(server.url, `DELETE /auth/sessions/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expectError(longParam, 414, 'invalid_request');
  });

  it('headers over 16 KiB are 431, and an unparseable request 400, in the standard shape', async () => {
    const huge = await rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectError(huge, 431, 'invalid_request');
    expectError(await rawRequest(server.url, 'THIS IS NOT HTTP\r\n\r\n'), 400, 'invalid_request');
    // Bytes after a complete `Connection: close` request (a DELETE body sent without a length) are
    // a parse error on a socket already answered: no second answer follows the first.
    const refusedThenBody = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => {
        socket.write('DELETE /auth/sessions/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n3.14159');
      });
      let out = '';
      socket.on('data', (chunk) => (out += chunk));
      socket.on('close', () => resolve(out));
    });
    expect(refusedThenBody.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  });
});

describe('response hardening', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(PASSWORD_GRANT_ON);
  });
  afterAll(() => server.close());

  const HARDENING = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };

  it('every kind of response carries the security headers; data is never framed or run', async () => {
    const { client } = await signedIn(server.url);
    const responses = [
      await client.request('GET', '/healthz'),
      await client.request('GET', '/.well-known/jwks.json'),
      await client.request('GET', '/auth/me'),
      await client.request('GET', '/nowhere'),
      await new BrowserClient(server.url).request('GET', '/auth/me'),
      await client.request('POST', '/auth/login', 'x', { 'content-type': 'text/plain' }),
    ];
    for (const res of responses) {
      for (const [name, value] of Object.entries(HARDENING)) expect(res.headers.get(name)).toBe(value);
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it('the HTML page has a strict CSP: no inline script, no foreign origin, no framing', async () => {
    const res = await fetch(`${server.url}/account`);
    if (res.status === 404) return; // the account page is not part of this build yet
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(HTML_CSP);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
  });

  it('token responses and account data are Cache-Control: no-store', async () => {
    const email = uniqueEmail('cache');
    const browser = new BrowserClient(server.url);
    await browser.register(email, PASSWORD);
    const login = await browser.login(email, PASSWORD);
    const refresh = await browser.refresh();
    const me = await browser.request('GET', '/auth/me');
    const token = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: email, password: PASSWORD }).toString(),
    });
    for (const res of [login, refresh, me, { status: token.status, headers: token.headers }]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('the refresh cookie is exactly HttpOnly; SameSite=Strict; Path=/auth with Max-Age, Secure on https', async () => {
    const { client, email } = await signedIn(server.url);
    const cookie = refreshCookie((await client.refresh()).setCookie);
    expect(cookie.attributes).toEqual({ 'max-age': expect.stringMatching(/^\d+$/), path: '/auth', httponly: true, samesite: 'Strict' });
    expect(Number(cookie.attributes['max-age'])).toBeGreaterThan(3600);
    const secure = await startServer({ ...PASSWORD_GRANT_ON, LATCHKEY_ISSUER: 'https://auth.example.com' });
    try {
      const browser = new BrowserClient(secure.url, { 'user-agent': CHROME_LINUX });
      await browser.register(email, PASSWORD);
      const login = await browser.login(email, PASSWORD);
      expect(refreshCookie(login.setCookie).attributes).toMatchObject({ secure: true, httponly: true, samesite: 'Strict', path: '/auth' });
    } finally {
      await secure.close();
    }
  });
});
