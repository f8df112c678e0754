import { expect } from 'vitest';
import { BrowserClient, CHROME_LINUX } from './browser-client.ts';
import type { Clock } from '../../src/core/clock.ts';
import { ISSUER, startServer, type TestServer } from './server.ts';

/** The issuer's origin: the one origin allowed on the cookie endpoints by default. */
export const ORIGIN = new URL(ISSUER).origin;
export const FOREIGN_ORIGIN = 'https://evil.example';
export const PASSWORD = 'correct horse battery staple';

/** Login/sign-up/refresh throttling switched off: these tests make many calls from 127.0.0.1 on purpose. */
export const NO_THROTTLE: Readonly<Record<string, string>> = {
  LATCHKEY_LOGIN_FAILURE_LIMIT: '0',
  LATCHKEY_LOGIN_IP_LIMIT: '0',
  LATCHKEY_LOGIN_ACCOUNT_LIMIT: '0',
  LATCHKEY_REGISTER_IP_LIMIT: '0',
  LATCHKEY_REFRESH_IP_LIMIT: '0',
};

/** {@link startServer} without throttling (unless `env` sets a limit). */
export function startApiServer(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestServer> {
  return startServer({ ...NO_THROTTLE, ...env }, options);
}

let counter = 0;

/** An e-mail address no other test in this process uses. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${process.pid}-${++counter}@example.com`;
}

/** Registers a fresh account and logs a {@link BrowserClient} in with it. */
export async function signedIn(
  url: string,
  options: { headers?: Record<string, string>; email?: string; register?: boolean } = {},
): Promise<{ client: BrowserClient; email: string; userId: string; sessionId: string }> {
  const client = new BrowserClient(url, options.headers ?? { 'user-agent': CHROME_LINUX });
  const email = options.email ?? uniqueEmail();
  if (options.register !== false) expect((await client.register(email, PASSWORD)).status).toBe(201);
  const login = await client.login(email, PASSWORD);
  expect(login.status).toBe(200);
  return { client, email, userId: login.body.user.id, sessionId: login.body.session_id };
}

export interface ParsedCookie {
  readonly name: string;
  readonly value: string;
  /** Attribute names lower-cased; valueless attributes map to `true`. */
  readonly attributes: Record<string, string | true>;
}

/** Parses one Set-Cookie line. */
export function parseSetCookie(line: string): ParsedCookie {
  const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    if (i < 0) attributes[attr.toLowerCase()] = true;
    else attributes[attr.slice(0, i).toLowerCase()] = attr.slice(i + 1);
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

/** The refresh cookie a response sets, parsed; fails the test when there is not exactly one. */
export function refreshCookie(setCookie: readonly string[], name = 'latchkey_refresh'): ParsedCookie {
  const cookies = setCookie.map(parseSetCookie).filter((c) => c.name === name);
  expect(cookies).toHaveLength(1);
  return cookies[0]!;
}

/** True when the cookie tells the browser to drop it. */
export function isCleared(cookie: ParsedCookie): boolean {
  const expires = cookie.attributes.expires;
  return cookie.value === '' && (cookie.attributes['max-age'] === '0' || (typeof expires === 'string' && Date.parse(expires) <= Date.now()));
}

/** The header and payload of a JWT, unverified. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

/** Asserts the contract's error shape: exactly `{error, error_description}`. */
export function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect({ status: res.status, error: (res.body as { error?: unknown } | undefined)?.error }).toEqual({ status, error: code });
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'error_description']);
  expect(typeof (res.body as { error_description: unknown }).error_description).toBe('string');
}
