import { createHash } from 'node:crypto';
import { fail } from '../core/errors.ts';
import { normalizeEmail, type RequestContext } from '../core/types.ts';
import type { Limit } from '../config.ts';
import { clientKey } from './login-throttle.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Which request asks for mail: kept apart so a reset flood does not block verification e-mail. */
export type MailRequestKind = 'password_reset' | 'verify_email';

/**
 * Limits the requests that make latchkey send e-mail to an address someone types (`forgot`, and
 * the verification resend). Per client IP: over the limit the request gets `429` with
 * `Retry-After`. Per address: over the limit the request is answered as usual (202) but mails
 * nothing more, so nobody can flood a mailbox, and the answer still says nothing about whether an
 * account uses the address (unknown addresses are counted the same way). Keys hold a hash of the
 * address, never the address.
 *
 * @example
 * if (await throttle.admit('password_reset', email, context)) await reset.request(email, locale, context)
 */
export class MailRequestThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly perEmail: Limit,
    private readonly perIp: Limit,
  ) {}

  /**
   * Counts one request; `false` when the address had its share (send nothing, answer as usual).
   * @throws too_many_requests when the client IP is over its limit
   */
  async admit(kind: MailRequestKind, email: string, request: RequestContext): Promise<boolean> {
    await this.checkIp(kind, request);
    if (this.perEmail.limit <= 0) return true;
    const address = createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 22);
    return (await this.limiter.hit(`mail:${kind}:email:${address}`, this.perEmail.limit, this.perEmail.window)).allowed;
  }

  /** Counts one request from the client IP (also for following links). @throws too_many_requests */
  async checkIp(kind: MailRequestKind | 'link', request: RequestContext): Promise<void> {
    if (this.perIp.limit <= 0) return;
    const hit = await this.limiter.hit(`mail:${kind}:ip:${clientKey(request.ip)}`, this.perIp.limit, this.perIp.window);
    if (!hit.allowed) {
      const minutes = Math.ceil(hit.retryAfter / 60);
      throw fail('too_many_requests', `Too many requests; try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`, hit.retryAfter);
    }
  }
}
