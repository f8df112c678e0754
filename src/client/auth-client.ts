import { AuthError, errorFrom } from './auth-error.ts';
import { Emitter } from './emitter.ts';
import type { TabChannel, TabLocks } from './tab-sync.ts';
import { TokenKeeper, type AccessToken, type AuthClientEvents } from './token-keeper.ts';
import { watchWhileSignedIn, type SessionWatchOption } from './session-watch.ts';
import type { SecurityEvent, SessionInfo, SignIn, User } from './types.ts';

/** Options of {@link createAuthClient}. Everything but `baseUrl` exists for tests and unusual pages. */
export interface AuthClientOptions extends SessionWatchOption {
  /** Where latchkey serves `/auth/*`, e.g. `https://auth.example.com`. Default: the page's origin. */
  readonly baseUrl?: string;
  /**
   * Origins besides `baseUrl`'s and the page's to which {@link AuthClient.fetch} may send the
   * access token (your API servers). Requests to any other origin go out untouched.
   */
  readonly apiOrigins?: readonly string[];
  /** Seconds before expiry at which the access token is refreshed ahead of use. Default `30` (at most half its life). */
  readonly refreshMargin?: number;
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /** Cross-tab lock for refreshes. Default: `navigator.locks` when present; `null` turns it off. */
  readonly locks?: TabLocks | null;
  /** Cross-tab channel. Default: a `BroadcastChannel` named `latchkey` when present; `null` turns it off. */
  readonly channel?: TabChannel | null;
  /** Default `latchkey-refresh`. */
  readonly lockName?: string;
}

/**
 * The browser side of latchkey: signs in, keeps the access token in memory (never in storage),
 * refreshes it through the HttpOnly cookie, and manages the account's devices. Create it with
 * {@link createAuthClient}.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' })
 * auth.on('session-ended', () => showSignIn())
 * if (!(await auth.restore())) await auth.login(email, password)
 * const res = await auth.fetch('/api/orders') // carries the token, refreshed when needed
 */
export class AuthClient {
  private readonly emitter = new Emitter<AuthClientEvents>();
  private readonly baseUrl: string;
  private readonly tokenOrigins: ReadonlySet<string>;
  private readonly send: typeof fetch;
  private readonly now: () => number;
  private readonly keeper: TokenKeeper;
  private readonly unwatch: () => void;

  constructor(options: AuthClientOptions = {}) {
    const pageOrigin = globalThis.location?.origin;
    const base = options.baseUrl ?? pageOrigin;
    if (!base) throw new TypeError('createAuthClient: baseUrl is required outside a web page.');
    this.baseUrl = new URL(base).href.replace(/\/+$/, '');
    this.tokenOrigins = new Set([new URL(this.baseUrl).origin, ...(pageOrigin ? [pageOrigin] : []), ...(options.apiOrigins ?? []).map((o) => new URL(o).origin)]);
    this.send = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = options.now ?? Date.now;
    const margin = options.refreshMargin ?? 30;
    if (!(margin >= 0)) throw new TypeError('createAuthClient: refreshMargin must be a number of seconds >= 0.');
    const locks = options.locks !== undefined ? options.locks : ((globalThis.navigator as { locks?: TabLocks } | undefined)?.locks ?? null);
    this.keeper = new TokenKeeper({
      refresh: () => this.call(this.url('/auth/refresh'), { method: 'POST', credentials: 'include' }),
      now: this.now,
      locks,
      channel: options.channel !== undefined ? options.channel : typeof BroadcastChannel === 'function' ? new BroadcastChannel('latchkey') : null,
      lockName: options.lockName ?? 'latchkey-refresh',
      margin: margin * 1000,
      emitter: this.emitter,
    });
    const end = () => this.keeper.end('revoked', true, false);
    this.unwatch = options.watchSession ? watchWhileSignedIn(this.emitter, this.url('/auth/session/stream'), (u, i) => this.fetch(u, i), end, locks) : () => {};
  }

  /** The signed-in user, or `null`. */
  get user(): User | null {
    return this.keeper.user;
  }

  /** True while this tab holds a session. */
  get signedIn(): boolean {
    return this.keeper.signedIn;
  }

  /** The id of this device's session (the `current` one in {@link sessions}), or `null`. */
  get sessionId(): string | null {
    return this.keeper.token?.sessionId ?? null;
  }

  /**
   * Listens to `signed-in` and `session-ended`; returns the function that stops listening.
   * @example
   * const stop = auth.on('session-ended', ({ reason }) => showSignIn(reason))
   */
  on<K extends keyof AuthClientEvents>(type: K, listener: (detail: AuthClientEvents[K]) => void): () => void {
    return this.emitter.on(type, listener);
  }

  /**
   * Signs in with e-mail and password. The refresh token arrives as an HttpOnly cookie the page never sees.
   * @throws AuthError `invalid_credentials`, `too_many_requests` (see `retryAfter`), `invalid_request`
   * @example
   * const { user } = await auth.login('ann@example.com', 'a long passphrase')
   */
  async login(email: string, password: string): Promise<SignIn> {
    const startedAt = this.now();
    const res = await this.call(this.url('/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
      credentials: 'include',
    });
    if (!res.ok) throw await errorFrom(res);
    const signIn = this.keeper.accept(await res.json(), startedAt);
    this.emitter.emit('signed-in', { user: signIn.user, otherTab: false });
    return signIn;
  }

  /**
   * Picks up the session this browser already has (after a page load) through the refresh cookie.
   * Resolves to `null` when there is none; emits no `session-ended` for that.
   * @example
   * const session = await auth.restore()
   * session ? showAccount(session.user) : showSignIn()
   */
  async restore(): Promise<SignIn | null> {
    this.keeper.reopen();
    const token = await this.keeper.validToken();
    return token && this.keeper.user ? this.keeper.describe(token) : null;
  }

  /**
   * Signs this device out (its session ends on the server, the cookie is cleared) and tells the other tabs.
   * Always resolves: the local session is forgotten even when the server cannot be reached.
   * @example
   * await auth.logout()
   */
  async logout(): Promise<void> {
    const token = this.keeper.token;
    try {
      await this.call(this.url('/auth/logout'), {
        method: 'POST',
        credentials: 'include',
        ...(token && { headers: { authorization: `Bearer ${token.value}` } }),
      });
    } catch {
      // offline: the local session still ends below
    }
    this.keeper.end('logout', true, false);
  }

  /**
   * Signs out every other device of the account; resolves to how many sessions ended.
   * @example
   * const n = await auth.logoutOthers()
   */
  async logoutOthers(): Promise<number> {
    const body = await this.api<{ revoked: number }>('DELETE', '/auth/sessions?scope=others');
    return body.revoked;
  }

  /**
   * The account's signed-in devices, most recently used first; `current` marks this one.
   * @example
   * for (const s of await auth.sessions()) console.log(s.device.browser, s.device.os, s.current)
   */
  async sessions(): Promise<SessionInfo[]> {
    return (await this.api<{ sessions: SessionInfo[] }>('GET', '/auth/sessions')).sessions;
  }

  /**
   * Signs one device out. @throws AuthError `not_found` for an unknown or already ended session.
   * @example
   * await auth.revokeSession(session.id)
   */
  async revokeSession(id: string): Promise<void> {
    await this.api('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
  }

  /**
   * The account's security events, newest first. `types` picks kinds (e.g. leave out `refresh`).
   * @example
   * const events = await auth.events({ limit: 20, types: ['login', 'new_device', 'refresh_token_reuse'] })
   */
  async events(options: { limit?: number; types?: readonly string[] } = {}): Promise<SecurityEvent[]> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.types?.length) query.set('types', options.types.join(','));
    const suffix = query.toString() ? `?${query}` : '';
    return (await this.api<{ events: SecurityEvent[] }>('GET', `/auth/events${suffix}`)).events;
  }

  /**
   * Changes the password; the server signs out every other device.
   * @throws AuthError `invalid_credentials` (wrong current password), `weak_password`
   * @example
   * await auth.changePassword(current, next)
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.api('POST', '/auth/password', { currentPassword, newPassword }, true);
  }

  /**
   * The signed-in user, fresh from the server.
   * @example
   * const { email } = await auth.me()
   */
  async me(): Promise<User> {
    const { user } = await this.api<{ user: User }>('GET', '/auth/me');
    this.keeper.user = user;
    return user;
  }

  /**
   * `fetch` with the access token: attached as `Authorization: Bearer` (only for latchkey's origin, the
   * page's and `apiOrigins`), refreshed first when it is about to expire, and on a `401` refreshed once
   * and the request retried once. After the session ends, requests go out without a token.
   * @example
   * const res = await auth.fetch('/api/orders', { method: 'POST', body: JSON.stringify(order) })
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request ? new Request(input, init) : new Request(this.resolve(input), init);
    if (!this.tokenOrigins.has(new URL(request.url).origin)) return this.send(request);
    return this.authorized(request, false);
  }

  /** Stops listening to the other tabs. */
  close(): void {
    this.unwatch();
    this.keeper.close();
  }

  /** Sends `request` with the token; one refresh and one retry when the token is refused. */
  private async authorized(request: Request, passwordCheck: boolean): Promise<Response> {
    const token = await this.keeper.validToken();
    const first = await this.call(withToken(request.clone(), token));
    if (!token || !refusesToken(first, passwordCheck)) return first;
    if (!(await this.keeper.refresh(token.value)) || !this.keeper.token) return first;
    return this.call(withToken(request, this.keeper.token));
  }

  private async api<T>(method: string, path: string, body?: unknown, passwordCheck = false): Promise<T> {
    const request = new Request(this.url(path), {
      method,
      credentials: 'same-origin',
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const res = await this.authorized(request, passwordCheck);
    if (!res.ok) throw await errorFrom(res);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  private async call(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    try {
      return await this.send(input, init);
    } catch (err) {
      throw new AuthError('network_error', `The auth server could not be reached (${err instanceof Error ? err.message : String(err)}).`, 0);
    }
  }

  private url(path: string): string {
    return this.baseUrl + path;
  }

  private resolve(input: string | URL): string {
    return new URL(String(input), globalThis.location?.href ?? `${this.baseUrl}/`).href;
  }
}

function withToken(request: Request, token: AccessToken | null): Request {
  if (token) request.headers.set('authorization', `Bearer ${token.value}`);
  return request;
}

/**
 * True when a 401 means "this access token is not (or no longer) good": RFC 6750's
 * `WWW-Authenticate: Bearer`, or no challenge at all (cross-origin APIs often hide the header).
 * A password check's 401 without a Bearer challenge is a wrong password, not a token problem.
 */
function refusesToken(response: Response, passwordCheck: boolean): boolean {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate');
  return challenge === null ? !passwordCheck : /^\s*bearer\b/i.test(challenge);
}

/**
 * Creates the browser client of a latchkey server.
 *
 * @example
 * import { createAuthClient } from 'latchkey/client'
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' })
 * auth.on('session-ended', () => location.assign('/sign-in'))
 * await auth.restore()
 * const orders = await (await auth.fetch('https://api.example.com/orders')).json()
 */
export function createAuthClient(options: AuthClientOptions = {}): AuthClient {
  return new AuthClient(options);
}
