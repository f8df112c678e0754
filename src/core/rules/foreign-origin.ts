/**
 * The origin rule of the cookie routes (docs/api.md, "Cookies"): a request that carries an `Origin`
 * header not in `LATCHKEY_ALLOWED_ORIGINS` is foreign and gets `403 invalid_origin`. A request
 * without `Origin` (a same-origin GET, a native app, curl) is not foreign: the `SameSite=Strict`
 * cookie already keeps other sites' requests from carrying the session.
 *
 * While neither `LATCHKEY_ISSUER` nor `LATCHKEY_ALLOWED_ORIGINS` is set (a first run on a laptop),
 * `loopbackPort` is the port the request arrived on, and every loopback spelling of it
 * (`http://localhost:P`, `http://127.0.0.1:P`, `http://[::1]:P`) is allowed too, so the page works at
 * whichever of them the person opened. A set issuer keeps the exact-origin rule (`loopbackPort` undefined).
 *
 * @example
 * if (isForeignOrigin(request.headers.origin, config.http.allowedOrigins)) throw fail('invalid_origin', '...')
 */
export function isForeignOrigin(origin: string | undefined, allowedOrigins: readonly string[], loopbackPort?: number): boolean {
  if (origin === undefined || allowedOrigins.includes(origin)) return false;
  if (loopbackPort === undefined) return true;
  return ![`http://localhost:${loopbackPort}`, `http://127.0.0.1:${loopbackPort}`, `http://[::1]:${loopbackPort}`].includes(origin);
}
