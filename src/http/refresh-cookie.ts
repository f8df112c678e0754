import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config.ts';

/**
 * The cookie's `Path`: where the browser API is mounted (the prefix of the routes that set it),
 * `/auth` on latchkey's own server, `/auth-server/auth` when an app mounts latchkey under `/auth-server`.
 */
const cookiePath = (reply: FastifyReply): string => reply.server.prefix || '/auth';

/** The refresh cookie (docs/api.md, "Cookies"): `HttpOnly; SameSite=Strict; Path=/auth`, `Secure` by setting. */
export function setRefreshCookie(reply: FastifyReply, config: HttpConfig, token: string, maxAge: number): void {
  reply.setCookie(config.cookieName, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: cookiePath(reply),
    secure: config.cookieSecure,
    maxAge,
  });
}

export function clearRefreshCookie(reply: FastifyReply, config: HttpConfig): void {
  reply.setCookie(config.cookieName, '', { httpOnly: true, sameSite: 'strict', path: cookiePath(reply), secure: config.cookieSecure, maxAge: 0 });
}

export function readRefreshCookie(request: FastifyRequest, config: HttpConfig): string | undefined {
  const value = request.cookies[config.cookieName];
  return value ? value : undefined;
}
