import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient, CHROME_LINUX } from '../helpers/browser-client.ts';
import { ORIGIN, uniqueEmail } from '../helpers/http-auth.ts';
import { startServer, type TestServer, PASSWORD_GRANT_ON } from '../helpers/server.ts';

/**
 * Random bodies, headers, cookies and tokens thrown at every route. Whatever arrives, latchkey
 * answers below 500 in the standard error shape, says nothing about its inside, issues no token
 * without valid credentials, and changes no user or session when it refuses.
 */

const PASSWORD = 'tangerine submarine quartet';
/** Runs in all, spread over the routes (each route gets at least 12). */
const TOTAL_RUNS = 300;

/** The contract's routes; routes published in /openapi.json are added at run time. */
const CONTRACT_ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['POST', '/auth/register'],
  ['POST', '/auth/login'],
  ['POST', '/auth/refresh'],
  ['POST', '/auth/logout'],
  ['GET', '/auth/me'],
  ['GET', '/auth/sessions'],
  ['DELETE', '/auth/sessions/{id}'],
  ['DELETE', '/auth/sessions'],
  ['GET', '/auth/events'],
  ['POST', '/auth/password'],
  ['POST', '/oauth/token'],
  ['POST', '/oauth/revoke'],
  ['GET', '/.well-known/jwks.json'],
  ['GET', '/.well-known/oauth-authorization-server'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/no/such/route'],
];

const FIELDS = ['email', 'password', 'name', 'currentPassword', 'newPassword', 'grant_type', 'username', 'refresh_token', 'token', 'token_type_hint', 'scope', 'client_id', '__proto__', 'constructor'];

/** Characters Node's HTTP client lets through in a header value (it refuses control characters). */
const headerText = (maxLength: number) =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength });

interface Attack {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

function send(url: string, attack: Attack): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}${attack.path}`, { method: attack.method, headers: attack.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(attack.body);
  });
}

describe('fuzzing every route', () => {
  let server: TestServer;
  let db: SQLite.Database;
  let victimEmail: string;
  let accessToken: string;
  let routes: Array<readonly [string, string]>;

  beforeAll(async () => {
    // Limits high enough that the handlers behind them are reached (the throttle has its own tests).
    server = await startServer({
      ...PASSWORD_GRANT_ON,
      LATCHKEY_LOGIN_IP_LIMIT: '0',
      LATCHKEY_LOGIN_FAILURE_LIMIT: '0',
      LATCHKEY_REGISTER_IP_LIMIT: '0',
      LATCHKEY_REFRESH_IP_LIMIT: '0',
    });
    db = new SQLite(path.join(server.dataDir, 'latchkey.db'), { readonly: true });
    victimEmail = uniqueEmail('fuzzed');
    const victim = new BrowserClient(server.url, { 'user-agent': CHROME_LINUX });
    expect((await victim.register(victimEmail, PASSWORD)).status).toBe(201);
    expect((await victim.login(victimEmail, PASSWORD)).status).toBe(200);
    accessToken = victim.accessToken!;
    const published = await (await fetch(`${server.url}/openapi.json`)).json().catch(() => ({ paths: {} }));
    const known = new Set(CONTRACT_ROUTES.map(([m, p]) => `${m} ${p}`));
    routes = [...CONTRACT_ROUTES];
    for (const [route, methods] of Object.entries((published as { paths?: Record<string, object> }).paths ?? {})) {
      for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
        if (!known.has(`${method} ${route}`) && ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].includes(method)) routes.push([method, route]);
      }
    }
  });
  afterAll(async () => {
    db?.close();
    await server?.close();
  });

  /** Users and sessions as they stand: what a refused request must leave untouched. */
  const snapshot = () => JSON.stringify([db.prepare('SELECT * FROM users ORDER BY id').all(), db.prepare('SELECT * FROM sessions ORDER BY id').all()]);

  function attackOn(method: string, route: string): fc.Arbitrary<Attack> {
    const token = fc.oneof(
      fc.constant(accessToken),
      fc.constant(`${accessToken.slice(0, -4)}AAAA`),
      fc.string({ maxLength: 300 }),
      fc.base64String({ maxLength: 200 }),
      fc.constantFrom('', 'null', 'undefined', '../../etc/passwd', "' OR 1=1 --", 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.'),
    );
    const scalar = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constant(victimEmail),
      fc.constant(victimEmail.toUpperCase()),
      fc.constantFrom('password', 'refresh_token', 'all', 'others'),
      fc.string({ minLength: 300, maxLength: 5000 }),
      token,
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }));
    const fields = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })), value, { maxKeys: 6 });
    const body = fc.oneof(
      fc.constant(undefined),
      fields.map((o) => JSON.stringify(o)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 400 }),
      fields.map((o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()),
      fc.constantFrom('{', '{"email":', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}', 'x'.repeat(20_000)),
    );
    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=xyz',
      'application/xml',
      'application/json; charset=latin1',
      ';;;',
    );
    const pathParam = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.constantFrom('..%2F..', '%00', '%zz', 'a'.repeat(250)));
    const query = fc.oneof(
      fc.constant(''),
      fc.dictionary(fc.constantFrom('scope', 'limit', 'types', 'v', 'token', 'q'), fc.string({ maxLength: 30 }), { maxKeys: 3 })
        .map((q) => `?${new URLSearchParams(q).toString()}`),
      fc.constantFrom('?scope=all&scope=others', '?limit=-1', '?limit=99999999999', '?%zz', '?types=login,,,'),
    );
    const headers = fc.record(
      {
        authorization: fc.oneof(token.map((t) => `Bearer ${t}`), headerText(80), fc.constant(`Basic ${Buffer.from('a:b').toString('base64')}`)),
        cookie: fc.oneof(token.map((t) => `latchkey_refresh=${t}`), headerText(120), fc.constant('latchkey_refresh=;latchkey_refresh=x')),
        origin: fc.oneof(fc.constant(ORIGIN), fc.constant('https://evil.example'), headerText(40)),
        'x-device-id': fc.oneof(fc.uuid(), headerText(50)),
        'x-forwarded-for': headerText(60),
        'user-agent': headerText(300),
        'x-request-id': headerText(80),
        accept: headerText(40),
      },
      { requiredKeys: [] },
    );
    const methodArb = fc.oneof({ weight: 5, arbitrary: fc.constant(method) }, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'));
    return fc.record({ method: methodArb, param: pathParam, query, headers, body, contentType }).map(({ method: m, param, query: q, headers: h, body: b, contentType: ct }) => ({
      method: m,
      path: route.replace(/\{[^}]+\}/g, param) + q,
      headers: { ...h, ...(ct !== undefined && { 'content-type': ct }) },
      body: m === 'GET' ? undefined : b,
    }));
  }

  function judge(attack: Attack, answer: Answer, before: string): void {
    const where = `${attack.method} ${attack.path} -> ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBeLessThan(500);
    expect(answer.text, where).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|FST_ERR|SQLITE_|TypeError|ReferenceError|RangeError|kysely/);
    const type = String(answer.headers['content-type'] ?? '');
    if (answer.status >= 400 && attack.method !== 'HEAD') {
      expect(type, where).toMatch(/^application\/json/);
      const body = JSON.parse(answer.text) as Record<string, unknown>;
      expect(Object.keys(body).sort(), where).toEqual(['error', 'error_description']);
      expect(typeof body.error_description, where).toBe('string');
      expect(snapshot(), `a refused request changed users or sessions: ${where}`).toBe(before);
    }
    // No credentials in any attack (never the password, never a live refresh token): no token out.
    expect(answer.text, where).not.toMatch(/"(access_token|refresh_token)"\s*:/);
    for (const line of [answer.headers['set-cookie'] ?? []].flat()) {
      expect(line, where).toMatch(/^latchkey_refresh=;/);
    }
  }

  it('never a 5xx, never an internal detail, never a token, never a change on refusal', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(CONTRACT_ROUTES.length);
    const runsPerRoute = Math.max(12, Math.ceil(TOTAL_RUNS / routes.length));
    const statuses = new Map<number, number>();
    for (const [method, route] of routes) {
      await fc.assert(
        fc.asyncProperty(attackOn(method, route), async (attack) => {
          const before = snapshot();
          const answer = await send(server.url, attack);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          judge(attack, answer, before);
        }),
        { numRuns: runsPerRoute, endOnFailure: true },
      );
    }
    // Most attacks are refused, and in more than one way (the arbitraries reach past the first check).
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(runsPerRoute * routes.length);
    expect(statuses.size).toBeGreaterThanOrEqual(5);
    if (process.env.FUZZ_VERBOSE) console.info(routes.length, Object.fromEntries(statuses));
    // The victim's account survived the storm: the password still signs in.
    expect((await new BrowserClient(server.url).login(victimEmail, PASSWORD)).status).toBe(200);
  }, 120_000);

  it('control: a valid login through the same judge is caught issuing a token', async () => {
    const attack: Attack = {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json', 'x-device-id': randomUUID() },
      body: JSON.stringify({ email: victimEmail, password: PASSWORD }),
    };
    const answer = await send(server.url, attack);
    expect(answer.status).toBe(200);
    expect(() => judge(attack, answer, snapshot())).toThrow();
  });
});
