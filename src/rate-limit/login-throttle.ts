import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Auth } from '../core/auth.ts';
import { fail, LatchkeyError } from '../core/errors.ts';
import { normalizeEmail, type RequestContext } from '../core/types.ts';
import type { Limit, ThrottleSettings } from '../config.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** Errors after which an attempt keeps its place in the failure counts. */
const KEEPS_COUNT: ReadonlySet<string> = new Set(['invalid_credentials', 'service_unavailable', 'too_many_requests']);

/** What the caller knows about who is signing in. */
export interface LoginTrust {
  /**
   * The request comes from a device the account's owner used before (a valid known-device cookie),
   * or from a live session of the account (a password change): exempt from the per-account slow-down.
   */
  readonly knownDevice?: boolean;
}

/**
 * The abuse policy of the public endpoints, on top of a {@link RateLimiter}.
 *
 * Logins: every attempt counts against its client IP (floods, credential stuffing) and against its
 * account+IP pair (guessing one password). The pair is counted *before* the password is checked, so
 * parallel guesses cannot slip past the limit, and cleared by a success, so in effect it counts
 * failures. Keys hold the client IP (IPv6: its /64, and its /56 for the network rule) and a SHA-256 of
 * the e-mail, never the address. An attacker's failures block only the attacker's IP; guesses spread
 * over many addresses slow the account down (see {@link ThrottleSettings.loginPerAccount}) but never
 * lock its owner out of a known device.
 * A refused login is `429 too_many_requests` with `Retry-After`; an existing account gets one
 * `login_failed` event (reason `throttled`) per failure window, written after the answer. Unknown and known e-mails are throttled alike.
 *
 * @example
 * const tokens = await throttle.login(email, requestContext(request), () => auth.login({ email, password }, context))
 */
export class LoginThrottle {
  /** Told when recording a refusal failed (the refusal itself stands). */
  onError: ((err: unknown) => void) | undefined;

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
  async login<T>(email: string, request: RequestContext, attempt: () => Promise<T>, options: LoginTrust = {}): Promise<T> {
    const ip = clientKey(request.ip);
    const network = networkKey(request.ip);
    const account = emailKey(email);
    const pair = `login:fail:${account}:${ip}`;
    const refusal =
      (await this.#check(`login:ip:${ip}`, this.settings.loginPerIp)) ??
      (network ? await this.#check(`login:net:${network}`, this.settings.loginPerNetwork) : undefined) ??
      (await this.#check(pair, this.settings.loginFailures)) ??
      (await this.#slowDown(account, options.knownDevice === true));
    if (refusal) {
      this.#noteRefusal(email, request);
      throw refusal;
    }
    try {
      const result = await attempt();
      await this.#forget(pair, account);
      return result;
    } catch (err) {
      // A wrong password keeps its counts, and so does a login shed before its password was checked
      // (503): only an answer that proved the password right (a weak new password, say) clears them.
      if (!(err instanceof LatchkeyError && KEEPS_COUNT.has(err.code))) await this.#forget(pair, account);
      throw err;
    }
  }

  /**
   * The per-account slow-down: every attempt at the account counts, from any address; beyond
   * `loginPerAccount` one attempt per interval goes through, except from a known device of the owner.
   */
  async #slowDown(account: string, knownDevice: boolean): Promise<LatchkeyError | undefined> {
    const { limit, window } = this.settings.loginPerAccount;
    if (limit <= 0) return undefined;
    const over = (await this.limiter.hit(`login:acct:${account}`, limit, window)).allowed === false;
    if (!over || knownDevice) return undefined;
    return this.#check(`login:acct-slow:${account}`, { limit: 1, window: Math.max(1, Math.ceil(window / limit)) });
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

  /**
   * Records one `login_failed` (reason `throttled`) per account and failure window, after the answer
   * is sent: a refusal costs no store work of its own, so a flood cannot fill the events table, push
   * the owner's real sign-ins out of `/auth/events`, or tell a registered e-mail by an extra write.
   */
  #noteRefusal(email: string, request: RequestContext): void {
    const { window } = this.settings.loginFailures;
    void this.limiter
      .hit(`login:throttled:${emailKey(email)}`, 1, window > 0 ? window : 900)
      .then((hit) => (hit.allowed ? this.auth.recordLoginFailure(email, request, 'throttled') : undefined))
      .catch((err: unknown) => this.onError?.(err));
  }

  async #forget(pair: string, account: string): Promise<void> {
    if (this.settings.loginFailures.limit > 0) await this.limiter.reset(pair);
    if (this.settings.loginPerAccount.limit > 0) await this.limiter.reset(`login:acct:${account}`);
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
  if (!ip.includes(':')) return ip; // IPv4 (or no IP at all): no pattern to run
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The rate-limit identity of a client's network: an IPv6 address's /56; `undefined` for IPv4 (one address is its own limit). */
export function networkKey(ip: string): string | undefined {
  const key = clientKey(ip);
  if (!key.endsWith('::/64')) return undefined;
  const groups = key.slice(0, -'::/64'.length).split(':');
  const fourth = Number.parseInt(groups[3] ?? '0', 16) & 0xff00;
  return `${[...groups.slice(0, 3), fourth.toString(16)].join(':')}::/56`;
}

function emailKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 22);
}
