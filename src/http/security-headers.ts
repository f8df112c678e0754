import type { FastifyReply, FastifyRequest } from 'fastify';

/** The account page's policy: its own script and style files only, no inline code, no framing. */
export const HTML_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Everything else is data: nothing in it may run, load or be framed. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Fastify `onSend` hook: hardening headers on every response. HTML gets a strict
 * Content-Security-Policy (no inline script), everything else `default-src 'none'`. A response
 * that did not choose its own caching is `Cache-Control: no-store`: API answers carry personal
 * data and tokens, which no shared or browser cache may keep. `Strict-Transport-Security` is
 * ignored by browsers over plain http, so it is always sent.
 *
 * @example
 * app.addHook('onSend', securityHeaders)
 */
export function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
  hardenReply(reply);
  done(null, payload);
}

/** Sets the headers of {@link securityHeaders} on `reply`, for answers sent outside the hooks (framework errors). */
export function hardenReply(reply: FastifyReply): FastifyReply {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('strict-transport-security', 'max-age=31536000');
  reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  const type = String(reply.getHeader('content-type') ?? '');
  reply.header('content-security-policy', type.startsWith('text/html') ? HTML_CSP : API_CSP);
  return reply;
}
