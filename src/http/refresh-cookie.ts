import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config.ts';

const PATH = '/auth';

/** The refresh cookie (docs/api.md, "Cookies"): `HttpOnly; SameSite=Strict; Path=/auth`, `Secure` by setting. */
export function setRefreshCookie(reply: FastifyReply, config: HttpConfig, token: string, maxAge: number): void {
  reply.setCookie(config.cookieName, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: PATH,
    secure: config.cookieSecure,
    maxAge,
  });
}

export function clearRefreshCookie(reply: FastifyReply, config: HttpConfig): void {
  reply.setCookie(config.cookieName, '', { httpOnly: true, sameSite: 'strict', path: PATH, secure: config.cookieSecure, maxAge: 0 });
}

export function readRefreshCookie(request: FastifyRequest, config: HttpConfig): string | undefined {
  const value = request.cookies[config.cookieName];
  return value ? value : undefined;
}
