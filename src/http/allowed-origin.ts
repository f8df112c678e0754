import type { HttpConfig } from '../config.ts';

/**
 * The origin rule of the cookie endpoints: a request whose `Origin` header is present must come from
 * `LATCHKEY_ALLOWED_ORIGINS` (default: the issuer's origin). While neither `LATCHKEY_ISSUER` nor
 * `LATCHKEY_ALLOWED_ORIGINS` is set (a first run on a laptop), every loopback spelling of the port
 * the request arrived on is allowed too (`http://localhost:P`, `http://127.0.0.1:P`, `http://[::1]:P`),
 * so the page works at whichever of them the person opened.
 *
 * @example
 * isAllowedOrigin('http://127.0.0.1:3000', config.http, 3000) // true on a default install
 */
export function isAllowedOrigin(
  origin: string | undefined,
  http: Pick<HttpConfig, 'allowedOrigins' | 'loopbackOrigins'>,
  servedPort: number | undefined,
): boolean {
  if (origin === undefined || http.allowedOrigins.includes(origin)) return true;
  if (!http.loopbackOrigins || servedPort === undefined) return false;
  return origin === `http://localhost:${servedPort}` || origin === `http://127.0.0.1:${servedPort}` || origin === `http://[::1]:${servedPort}`;
}
