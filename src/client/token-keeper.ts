import { AuthError, errorFrom } from './auth-error.ts';
import type { Emitter } from './emitter.ts';
import { readTabMessage, type TabChannel, type TabLocks, type TabMessage } from './tab-sync.ts';
import type { SignIn, User } from './types.ts';

/** The events an {@link AuthClient} emits. */
export interface AuthClientEvents {
  /** A session started: in this tab (login, restore) or in another tab of the same browser. */
  'signed-in': { readonly user: User; readonly otherTab: boolean };
  /**
   * The session is over; show the sign-in screen. `reason` is `logout` (someone signed out in a tab)
   * or `revoked` (the server refused the refresh: signed out from another device, expired, or ended
   * because its refresh token was stolen). Emitted once; the client then stops trying to refresh.
   */
  'session-ended': { readonly reason: 'logout' | 'revoked'; readonly otherTab: boolean };
}

/** An access token as the page holds it: in memory only. */
export interface AccessToken {
  readonly value: string;
  readonly expiresAt: number;
  readonly lifetime: number;
  readonly sessionId: string;
}

/** What a {@link TokenKeeper} needs. */
export interface TokenKeeperOptions {
  /** Sends `POST /auth/refresh` with the cookie (network failures as `AuthError('network_error')`). */
  readonly refresh: () => Promise<Response>;
  readonly now: () => number;
  readonly locks: TabLocks | null;
  readonly channel: TabChannel | null;
  readonly lockName: string;
  /** Milliseconds before expiry at which the token is refreshed ahead of use (at most half its life). */
  readonly margin: number;
  readonly emitter: Emitter<AuthClientEvents>;
}

type State = 'unknown' | 'signed-in' | 'signed-out';

/**
 * Keeps the access token of one tab: in memory, refreshed ahead of expiry through the HttpOnly
 * cookie, one refresh at a time in the tab (callers share it) and across tabs (Web Locks), with
 * fresh tokens and session ends shared with the other tabs over a BroadcastChannel.
 *
 * @example
 * const keeper = new TokenKeeper({ refresh: () => fetch('/auth/refresh', { method: 'POST' }), ...options })
 * const token = await keeper.validToken()
 */
export class TokenKeeper {
  private readonly onMessage = (event: { data: unknown }) => this.receive(readTabMessage(event.data));
  private current: AccessToken | null = null;
  private state: State = 'unknown';
  private refreshing: Promise<boolean> | null = null;
  /** The signed-in user, or `null`. */
  user: User | null = null;

  constructor(private readonly o: TokenKeeperOptions) {
    o.channel?.addEventListener('message', this.onMessage);
  }

  get token(): AccessToken | null {
    return this.current;
  }

  get signedIn(): boolean {
    return this.state === 'signed-in';
  }

  /** After a sign-out, lets {@link validToken} try the cookie again (a restore). */
  reopen(): void {
    if (this.state === 'signed-out') this.state = 'unknown';
  }

  /** The access token to use now, refreshed first when it is missing or about to expire. */
  async validToken(): Promise<AccessToken | null> {
    if (this.state === 'signed-out') return null;
    const token = this.current;
    if (token && !this.expiringSoon(token)) return token;
    try {
      await this.refresh(token?.value);
    } catch (err) {
      // the server could not refresh right now (offline, 503): a token that has not expired still works
      if (token && this.current === token && this.o.now() < token.expiresAt) return token;
      throw err;
    }
    return this.current;
  }

  /** One refresh at a time in this tab (callers share it), and one at a time across tabs (Web Locks). */
  refresh(stale: string | undefined): Promise<boolean> {
    this.refreshing ??= this.refreshAcrossTabs(stale).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Takes a login/refresh response body: keeps the token in memory and hands it to the other tabs. */
  accept(body: unknown, startedAt: number): SignIn {
    const b = body as { access_token?: unknown; expires_in?: unknown; session_id?: unknown; user?: unknown };
    if (typeof b.access_token !== 'string' || typeof b.expires_in !== 'number' || typeof b.session_id !== 'string' || typeof b.user !== 'object' || !b.user) {
      throw new AuthError('invalid_response', 'The server answered a sign-in without a token.', 200);
    }
    const lifetime = b.expires_in * 1000;
    this.current = { value: b.access_token, expiresAt: startedAt + lifetime, lifetime, sessionId: b.session_id };
    this.user = b.user as User;
    this.state = 'signed-in';
    this.post({ kind: 'token', accessToken: this.current.value, expiresAt: this.current.expiresAt, lifetime, sessionId: b.session_id, user: this.user });
    return this.describe(this.current);
  }

  /** Forgets the session; tells the app (once) and, unless the news came from one, the other tabs. */
  end(reason: 'logout' | 'revoked', tellTabs: boolean, otherTab: boolean): void {
    const wasSignedIn = this.state === 'signed-in';
    const sessionId = this.current?.sessionId;
    this.current = null;
    this.user = null;
    this.state = 'signed-out';
    if (tellTabs && sessionId) this.post({ kind: 'ended', sessionId, reason });
    if (wasSignedIn) this.o.emitter.emit('session-ended', { reason, otherTab });
  }

  describe(token: AccessToken): SignIn {
    return { user: this.user!, sessionId: token.sessionId, expiresIn: Math.max(0, Math.round((token.expiresAt - this.o.now()) / 1000)) };
  }

  /** Stops listening to the other tabs. */
  close(): void {
    this.o.channel?.removeEventListener('message', this.onMessage);
    this.o.channel?.close();
  }

  private async refreshAcrossTabs(stale: string | undefined): Promise<boolean> {
    const run = async () => {
      // Another tab may have refreshed while this one waited for the lock and shared its token.
      if (this.current && this.current.value !== stale && !this.expiringSoon(this.current)) return true;
      // ...or told this one that the session ended.
      if (this.state === 'signed-out') return false;
      return this.refreshNow();
    };
    return this.o.locks ? this.o.locks.request(this.o.lockName, run) : run();
  }

  private async refreshNow(): Promise<boolean> {
    const startedAt = this.o.now();
    const res = await this.o.refresh();
    if (res.ok) {
      const wasSignedIn = this.state === 'signed-in';
      const signIn = this.accept(await res.json(), startedAt);
      if (!wasSignedIn) this.o.emitter.emit('signed-in', { user: signIn.user, otherTab: false });
      return true;
    }
    const error = await errorFrom(res);
    if (error.code === 'invalid_grant' || res.status === 401) {
      this.end('revoked', true, false);
      return false;
    }
    throw error;
  }

  private receive(message: TabMessage | undefined): void {
    if (message?.kind === 'token') {
      const mine = this.current;
      if (mine && mine.sessionId === message.sessionId && mine.expiresAt >= message.expiresAt) return;
      const wasSignedIn = this.state === 'signed-in';
      this.current = { value: message.accessToken, expiresAt: message.expiresAt, lifetime: message.lifetime, sessionId: message.sessionId };
      this.user = message.user;
      this.state = 'signed-in';
      if (!wasSignedIn) this.o.emitter.emit('signed-in', { user: message.user, otherTab: true });
    } else if (message?.kind === 'ended' && this.current?.sessionId === message.sessionId) {
      this.end(message.reason, false, true);
    }
  }

  private post(message: TabMessage): void {
    try {
      this.o.channel?.postMessage(message);
    } catch {
      // a closed channel: this tab is going away
    }
  }

  private expiringSoon(token: AccessToken): boolean {
    return this.o.now() >= token.expiresAt - Math.min(this.o.margin, token.lifetime / 2);
  }
}
