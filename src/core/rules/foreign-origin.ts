/**
 * The origin rule of the cookie routes (docs/api.md, "Cookies"): a request that carries an `Origin`
 * header not in `LATCHKEY_ALLOWED_ORIGINS` is foreign and gets `403 invalid_origin`. A request
 * without `Origin` (a same-origin GET, a native app, curl) is not foreign: the `SameSite=Strict`
 * cookie already keeps other sites' requests from carrying the session.
 *
 * @example
 * if (isForeignOrigin(request.headers.origin, config.http.allowedOrigins)) throw fail('invalid_origin', '...')
 */
export function isForeignOrigin(origin: string | undefined, allowedOrigins: readonly string[]): boolean {
  return origin !== undefined && !allowedOrigins.includes(origin);
}
