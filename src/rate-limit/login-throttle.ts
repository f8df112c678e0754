import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Auth } from '../core/auth.ts';
import { fail, LatchkeyError } from '../core/errors.ts';
import { normalizeEmail, type RequestContext } from '../core/types.ts';
import type { Limit, ThrottleSettings } from '../config.ts';
import type { RateLimiter } from './rate-limiter.ts';

/**
 * The abuse policy of the public endpoints, on top of a {@link RateLimiter}.
 *
 * Logins: every attempt counts against its client IP (floods, credential stuffing) and against its
 * account+IP pair (guessing one password). The pair is counted *before* the password is checked, so
 * parallel guesses cannot slip past the limit, and cleared by a success, so in effect it counts
 * failures. Keys hold the client IP (IPv6: its /64) and a SHA-256 of the e-mail, never the address.
 * An attacker's failures block only the attacker's IP: the owner still signs in from anywhere else.
 * A refused login is `429 too_many_requests` with `Retry-After`, and a `login_failed` event
 * (reason `throttled`) for an existing account. Unknown and known e-mails are throttled alike.
 *
 * @example
 * const tokens = await throttle.login(email, requestContext(request), () => auth.login({ email, password }, context))
 */
export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly settings: ThrottleSettings,
    private readonly auth: Pick<Auth, 'recordLoginFailure'>,
  ) {}

  /**
   * Runs `attempt` (anything that checks the account's password) unless the IP or the account+IP
   * pair is over its limit; `attempt` failing with `invalid_credentials` is what keeps a count.
   * @throws too_many_requests, or whatever `attempt` throws
   */
  async login<T>(email: string, request: RequestContext, attempt: () => Promise<T>): Promise<T> {
    const ip = clientKey(request.ip);
    const pair = `login:fail:${emailKey(email)}:${ip}`;
    const refusal =
      (await this.#check(`login:ip:${ip}`, this.settings.loginPerIp)) ??
      (await this.#check(pair, this.settings.loginFailures));
    if (refusal) {
      await this.auth.recordLoginFailure(email, request, 'throttled');
      throw refusal;
    }
    try {
      const result = await attempt();
      await this.#forget(pair);
      return result;
    } catch (err) {
      // Only a wrong password keeps its count (a weak new password, say, proved the current one right).
      if (!(err instanceof LatchkeyError && err.code === 'invalid_credentials')) await this.#forget(pair);
      throw err;
    }
  }

  /** Counts a sign-up from the request's IP. @throws too_many_requests */
  async register(request: RequestContext): Promise<void> {
    const refusal = await this.#check(`register:ip:${clientKey(request.ip)}`, this.settings.registerPerIp);
    if (refusal) throw refusal;
  }

  /** Counts a refresh from the request's IP. @throws too_many_requests */
  async refresh(request: RequestContext): Promise<void> {
    const refusal = await this.#check(`refresh:ip:${clientKey(request.ip)}`, this.settings.refreshPerIp);
    if (refusal) throw refusal;
  }

  async #forget(pair: string): Promise<void> {
    if (this.settings.loginFailures.limit > 0) await this.limiter.reset(pair);
  }

  async #check(key: string, { limit, window }: Limit): Promise<LatchkeyError | undefined> {
    if (limit <= 0) return undefined;
    const hit = await this.limiter.hit(key, limit, window);
    if (hit.allowed) return undefined;
    const minutes = Math.ceil(hit.retryAfter / 60);
    return fail('too_many_requests', `Too many attempts; try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`, hit.retryAfter);
  }
}

/** The rate-limit identity of a client IP: IPv4 as is, IPv6 by its /64 (one customer's usual allocation). */
export function clientKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function emailKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 22);
}
