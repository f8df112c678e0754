import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../config.ts';
import { normalizeEmail } from '../core/types.ts';

const PATH = '/auth/login';
const MAX_ACCOUNTS = 5;
const MAX_AGE = 400 * 86_400; // the longest life browsers keep a cookie

/**
 * The known-device cookie (OWASP's "device cookie"): after a successful sign-in in a browser, the
 * browser keeps a MAC of the account's e-mail under a key derived from the server secret. A later
 * sign-in to that account presenting it comes from a device its owner used before, and is exempt
 * from the per-account slow-down that guesses from many addresses trigger. It holds no token and no
 * e-mail (only MACs of up to 5 accounts), is `HttpOnly; SameSite=Strict`, and is sent only to
 * `POST /auth/login`.
 *
 * @example
 * const known = knownDevices.isKnown(request, email) // before the login
 * knownDevices.remember(request, reply, email) // after a successful one
 */
export class KnownDevices {
  readonly #name: string;

  constructor(
    private readonly key: Buffer,
    private readonly http: Pick<HttpConfig, 'cookieName' | 'cookieSecure'>,
  ) {
    this.#name = `${http.cookieName}_device`;
  }

  /** True when the request carries this server's MAC of `email`. */
  isKnown(request: FastifyRequest, email: string): boolean {
    const mac = Buffer.from(this.#mac(email));
    return this.#macs(request).some((m) => m.length === mac.length && timingSafeEqual(Buffer.from(m), mac));
  }

  /** Adds `email`'s MAC to the browser's cookie (newest first, at most 5 accounts). */
  remember(request: FastifyRequest, reply: FastifyReply, email: string): void {
    const mac = this.#mac(email);
    const macs = [mac, ...this.#macs(request).filter((m) => m !== mac)].slice(0, MAX_ACCOUNTS);
    reply.setCookie(this.#name, macs.join('.'), { httpOnly: true, sameSite: 'strict', path: PATH, secure: this.http.cookieSecure, maxAge: MAX_AGE });
  }

  #macs(request: FastifyRequest): string[] {
    const value = request.cookies[this.#name];
    return typeof value === 'string' && value.length <= 200 ? value.split('.').filter(Boolean).slice(0, MAX_ACCOUNTS) : [];
  }

  #mac(email: string): string {
    return createHmac('sha256', this.key).update(normalizeEmail(email)).digest('base64url').slice(0, 32);
  }
}
