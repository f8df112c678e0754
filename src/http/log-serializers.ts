import type { FastifyRequest } from 'fastify';

/** Query parameters whose values are credentials when someone (wrongly) sends them in a URL. */
const SECRET_PARAMS = new Set(['access_token', 'refresh_token', 'id_token', 'id_token_hint', 'code_verifier', 'token', 'code', 'password', 'client_secret', 'key', 'secret']);

/**
 * `url` with the values of credential-like query parameters replaced by `[redacted]`, for logs.
 *
 * @example
 * redactUrl('/auth/me?access_token=eyJ...&x=1') // '/auth/me?access_token=[redacted]&x=1'
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // a malformed name is logged as sent
    }
    return SECRET_PARAMS.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=[redacted]` : pair;
  });
  return `${url.slice(0, q + 1)}${pairs.join('&')}`;
}

/**
 * Pino serializers for Fastify's logger: the request line as Fastify logs it by default, but with
 * credential-like query values redacted (tokens in URLs end up in logs otherwise).
 *
 * @example
 * Fastify({ logger: { serializers: logSerializers } })
 */
export const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: typeof request.url === 'string' ? redactUrl(request.url) : undefined,
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};
