import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { CHROME_LINUX } from '../helpers/browser-client.ts';
import { expectError, ORIGIN, refreshCookie, signedIn, startApiServer } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

const CONCURRENT = 20;

/** Keep-alive sockets, opened before the race so that all requests reach the server in the same instant. */
let agent: http.Agent;

function send(url: string, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Record<string, unknown>; setCookie: string[] }>((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {}, setCookie: res.headers['set-cookie'] ?? [] });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * `count` refreshes written back to back on one socket (HTTP/1.1 pipelining): the server parses them
 * in one go, so their handlers truly interleave even on embedded SQLite, where each request on its
 * own connection would otherwise run to completion before the next one is read.
 */
function pipelinedRefreshes(url: string, token: string, count: number) {
  const { hostname, port } = new URL(url);
  const request =
    `POST /auth/refresh HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUser-Agent: ${CHROME_LINUX}\r\nOrigin: ${ORIGIN}\r\n` +
    `Cookie: latchkey_refresh=${token}\r\nContent-Length: 0\r\n\r\n`;
  return new Promise<Array<{ status: number; body: Record<string, unknown>; setCookie: string[] }>>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const answers: Array<{ status: number; body: Record<string, unknown>; setCookie: string[] }> = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(request.repeat(count)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('pipelined refreshes timed out')));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) break;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const header = (name: string) => lines.filter((l) => l.toLowerCase().startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
        const length = Number(header('content-length')[0] ?? 0);
        if (buffer.length < end + 4 + length) break;
        const text = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
        answers.push({ status: Number(lines[0]!.split(' ')[1]), body: text ? JSON.parse(text) : {}, setCookie: header('set-cookie') });
        buffer = buffer.subarray(end + 4 + length);
      }
      if (answers.length === count) {
        socket.end();
        resolve(answers);
      }
    });
  });
}

/** One refresh over HTTP with `token` as the cookie, as each of a browser's tabs would send it. */
function refreshWith(url: string, token: string) {
  return send(url, 'POST', '/auth/refresh', { 'user-agent': CHROME_LINUX, origin: ORIGIN, cookie: `latchkey_refresh=${token}` });
}

describe(`${CONCURRENT} concurrent refreshes with one cookie`, () => {
  let server: TestServer;
  beforeEach(() => {
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENT });
  });
  afterEach(async () => {
    agent.destroy();
    await server.close();
  });

  async function race(url: string, token: string) {
    const warm = await Promise.all(Array.from({ length: CONCURRENT }, () => send(url, 'GET', '/healthz')));
    expect(warm.every((w) => w.status === 200)).toBe(true);
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => refreshWith(url, token)));
    expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200)); // no 5xx, no 401
    const issued = new Set(answers.map((a) => refreshCookie(a.setCookie).value));
    expect(issued.size).toBe(1); // every 200 carries the SAME new token
    const [next] = issued as Set<string>;
    expect(next).not.toBe(token);
    return { answers, next: next! };
  }

  it('all succeed with the same new token, one rotation, and the session survives', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({ LATCHKEY_REFRESH_GRACE: '10' }, { clock });
    const { client, userId, sessionId } = await signedIn(server.url);
    const original = client.refreshCookie!;
    clock.advance(5);

    const { answers, next } = await race(server.url, original);
    expect(answers.every((a) => a.body.session_id === sessionId)).toBe(true);

    // Exactly one chain is live: the counter advanced by one, one refresh event, nothing revoked.
    const store = server.latchkey.store;
    expect(await store.findSession(sessionId)).toMatchObject({ counter: 1, revokedAt: null });
    expect(await store.listEvents(userId, 100, ['refresh'])).toHaveLength(1);
    expect(await store.listEvents(userId, 100, ['refresh_token_reuse', 'session_revoked', 'suspicious_refresh'])).toEqual([]);
    expect(await store.listLiveSessions(userId, clock.now())).toHaveLength(1);

    // The session survives: the shared new token rotates normally.
    clock.advance(1);
    const later = await refreshWith(server.url, next);
    expect(later.status).toBe(200);
    expect(refreshCookie(later.setCookie).value).not.toBe(next);
    expect((await store.findSession(sessionId))?.counter).toBe(2);
  });

  it('after the grace window the pre-race token is reuse and ends the session', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({ LATCHKEY_REFRESH_GRACE: '10' }, { clock });
    const { client, userId, sessionId } = await signedIn(server.url);
    const original = client.refreshCookie!;
    const { next } = await race(server.url, original);
    expect((await server.latchkey.store.findSession(sessionId))?.counter).toBe(1);

    clock.advance(11);
    expectError(await refreshWith(server.url, original), 401, 'invalid_grant');
    expectError(await refreshWith(server.url, next), 401, 'invalid_grant'); // the newest token died with it
    expect(await server.latchkey.store.listEvents(userId, 100, ['refresh_token_reuse'])).toHaveLength(1);
  });

  it('holds with the real clock too', async () => {
    server = await startApiServer();
    const { client, userId, sessionId } = await signedIn(server.url);
    const { next } = await race(server.url, client.refreshCookie!);
    expect(await server.latchkey.store.findSession(sessionId)).toMatchObject({ counter: 1, revokedAt: null });
    expect(await server.latchkey.store.listEvents(userId, 100, ['refresh'])).toHaveLength(1);
    expect((await refreshWith(server.url, next)).status).toBe(200);
  });

  it('pipelined on one socket (handlers interleave): the same outcome', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({}, { clock });
    const { client, userId, sessionId } = await signedIn(server.url);
    const answers = await pipelinedRefreshes(server.url, client.refreshCookie!, CONCURRENT);
    expect(answers.map((a) => a.status)).toEqual(Array(CONCURRENT).fill(200));
    const issued = new Set(answers.map((a) => refreshCookie(a.setCookie).value));
    expect(issued.size).toBe(1);
    expect(await server.latchkey.store.findSession(sessionId)).toMatchObject({ counter: 1, revokedAt: null });
    expect(await server.latchkey.store.listEvents(userId, 100, ['refresh'])).toHaveLength(1);
    expect((await refreshWith(server.url, [...issued][0]!)).status).toBe(200);
  });

  it('a second race on the new token also yields one rotation', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    server = await startApiServer({}, { clock });
    const { client, sessionId } = await signedIn(server.url);
    const first = await race(server.url, client.refreshCookie!);
    clock.advance(30);
    const second = await race(server.url, first.next);
    expect(second.next).not.toBe(first.next);
    expect(await server.latchkey.store.findSession(sessionId)).toMatchObject({ counter: 2, revokedAt: null });
  });
});
