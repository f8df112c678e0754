import { VerifyError } from './errors.ts';
import { readEventStream } from './event-stream.ts';

/**
 * Where a verifier follows latchkey's revocation feed.
 *
 * @example
 * const revocations: RevocationFeedOptions = { url: 'https://auth.example.com/revocations', key: process.env.REVOCATION_KEY!, maxStaleness: 30 }
 */
export interface RevocationFeedOptions {
  /** The feed, `<issuer>/revocations`. */
  readonly url: string | URL;
  /** One of the server's `LATCHKEY_REVOCATION_KEYS`. */
  readonly key: string;
  /**
   * Seconds without news from the feed after which tokens are refused with
   * `revocation_status_unknown` (fail closed). Default: never (fail open: signatures go on being
   * checked, and {@link RevocationFollower.status} reports the lag).
   */
  readonly maxStaleness?: number;
  /** Seconds between the feed's heartbeats; default 5, or a third of `maxStaleness` when that is shorter. */
  readonly heartbeat?: number;
  /**
   * Called with each newly revoked session id as it arrives (e.g. to close that session's open
   * WebSockets). Must not throw.
   */
  readonly onRevoked?: (sid: string) => void;
  /** Where a previous follower stopped ({@link RevocationFollower.snapshot}): resume from its cursor instead of reading the whole window again. */
  readonly resume?: FollowerSnapshot;
}

/** A follower's state, to persist across restarts. */
export interface FollowerSnapshot {
  readonly cursor: string | null;
  /** `[sid, expiresAt epoch ms]` of the revoked sessions whose tokens may still be live. */
  readonly revoked: readonly (readonly [string, number])[];
}

/** How up to date a follower is. */
export interface FollowerStatus {
  /** True while the stream is open. */
  readonly connected: boolean;
  /** True once the follower has caught up with the feed at least once. */
  readonly synced: boolean;
  /** Milliseconds since the feed last confirmed the follower was up to date: how far behind it may be. */
  readonly lag: number;
  /** Milliseconds between the newest revocation and its arrival here (includes clock offset); `null` before the first. */
  readonly lastEventDelay: number | null;
  /** Revoked sessions remembered (those whose tokens may still be live). */
  readonly revoked: number;
  readonly cursor: string | null;
  /** Why the last connection attempt failed, if it did. */
  readonly lastError: string | null;
}

interface FollowerDeps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
}

/**
 * Follows `GET /revocations` as a Server-Sent Events stream (reconnecting with `Last-Event-ID`,
 * 0.25 s growing to 5 s between tries) and remembers the revoked sessions whose tokens can still be
 * live: an entry leaves when the last access token of its session has expired, so memory is
 * bounded by the revocations of one access-token lifetime. Built by `createVerifier` when given
 * `revocations`.
 *
 * @example
 * const verify = createVerifier({ issuer, audience, revocations: { url: `${issuer}/revocations`, key } })
 * await verify.revocations?.ready()
 * verify.revocations?.status().lag // ms
 */
export class RevocationFollower {
  private readonly revoked = new Map<string, number>();
  /** How many times a session was newly revoked: see {@link revision}. */
  private additions = 0;
  private readonly heartbeatMs: number;
  private readonly maxStalenessMs: number | undefined;
  private readonly createdAt: number;
  private cursor: string | null;
  private syncedAt: number | undefined;
  private connected = false;
  /** The current connection has delivered its first heartbeat: what follows is live. */
  private live = false;
  private lastEventDelay: number | null = null;
  private lastError: string | null = null;
  private closed = false;
  private abort: AbortController | null = null;
  private readonly readyWaiters: (() => void)[] = [];

  constructor(
    private readonly options: RevocationFeedOptions,
    private readonly deps: FollowerDeps,
  ) {
    if (typeof options.key !== 'string' || options.key === '') throw new TypeError('revocations.key is required (one of LATCHKEY_REVOCATION_KEYS)');
    try {
      new URL(options.url);
    } catch {
      throw new TypeError(`revocations.url must be an absolute URL, not "${String(options.url)}"`);
    }
    if (options.maxStaleness !== undefined && !(options.maxStaleness >= 1)) throw new TypeError('revocations.maxStaleness must be at least 1 second');
    const heartbeat = options.heartbeat ?? Math.max(1, Math.min(5, Math.floor((options.maxStaleness ?? 15) / 3)));
    if (!(Number.isInteger(heartbeat) && heartbeat >= 1 && heartbeat <= 60)) throw new TypeError('revocations.heartbeat must be 1 to 60 seconds');
    this.heartbeatMs = heartbeat * 1000;
    this.maxStalenessMs = options.maxStaleness === undefined ? undefined : options.maxStaleness * 1000;
    this.createdAt = deps.now();
    this.cursor = options.resume?.cursor ?? null;
    for (const [sid, expiresAt] of options.resume?.revoked ?? []) this.revoked.set(sid, expiresAt);
    void this.run();
  }

  /**
   * Refuses a token whose session is revoked (`session_revoked`), or any token while the feed has
   * been silent for longer than `maxStaleness` (`revocation_status_unknown`). Until the first sync,
   * the silence counts from when the follower was made.
   */
  check(sid: string): void {
    const expiresAt = this.revoked.get(sid);
    if (expiresAt !== undefined) {
      if (expiresAt > this.deps.now()) throw new VerifyError('session_revoked', 'the session of this token has ended');
      this.revoked.delete(sid);
    }
    if (this.maxStalenessMs !== undefined && this.lag() > this.maxStalenessMs) {
      throw new VerifyError('revocation_status_unknown', 'the revocation feed has not been heard from for too long');
    }
  }

  /**
   * A number that changes whenever {@link check} may answer differently for a session it let pass:
   * a session was newly revoked. (A revocation that expires only concerns tokens that have expired
   * too.) `undefined` with `maxStaleness`, whose verdict also moves with the clock.
   */
  get revision(): number | undefined {
    return this.maxStalenessMs === undefined ? this.additions : undefined;
  }

  /** Resolves once the follower has caught up with the feed (at once if it has). */
  ready(): Promise<void> {
    return this.syncedAt !== undefined ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  status(): FollowerStatus {
    return {
      connected: this.connected,
      synced: this.syncedAt !== undefined,
      lag: this.lag(),
      lastEventDelay: this.lastEventDelay,
      revoked: this.revoked.size,
      cursor: this.cursor,
      lastError: this.lastError,
    };
  }

  /** The state to hand to the next follower (`revocations.resume`) after a restart. */
  snapshot(): FollowerSnapshot {
    this.prune();
    return { cursor: this.cursor, revoked: [...this.revoked] };
  }

  /** Stops following (the stream is closed; checks keep answering from what is known). */
  close(): void {
    this.closed = true;
    this.abort?.abort();
  }

  private lag(): number {
    return Math.max(0, this.deps.now() - (this.syncedAt ?? this.createdAt));
  }

  private async run(): Promise<void> {
    let delay = 250;
    while (!this.closed) {
      try {
        await this.follow();
        delay = 250;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
      }
      this.connected = false;
      this.live = false;
      if (this.closed) break;
      await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** One connection: reads events until the stream ends, fails, or falls silent for three heartbeats. */
  private async follow(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const url = new URL(this.options.url);
    url.searchParams.set('heartbeat', String(this.heartbeatMs / 1000));
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}`, accept: 'text/event-stream' };
    if (this.cursor) headers['last-event-id'] = this.cursor;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), this.heartbeatMs * 3 + 1000);
      (watchdog as { unref?: () => void }).unref?.();
    };
    arm();
    try {
      const response = await this.deps.fetch(url, { headers, signal: abort.signal });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`the revocation feed answered ${response.status}`);
      }
      this.connected = true;
      this.lastError = null;
      for await (const event of readEventStream(response.body)) {
        arm();
        if (event.event === 'revocation') this.remember(event.data);
        else if (event.event === 'heartbeat') this.synced();
        if (event.id) this.cursor = event.id;
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  private remember(data: string): void {
    const r = JSON.parse(data) as { sid?: unknown; at?: unknown; expiresAt?: unknown };
    const expiresAt = typeof r.expiresAt === 'string' ? Date.parse(r.expiresAt) : Number.NaN;
    if (typeof r.sid !== 'string' || Number.isNaN(expiresAt)) return;
    const now = this.deps.now();
    if (typeof r.at === 'string') this.lastEventDelay = now - Date.parse(r.at);
    if (expiresAt > now) {
      const known = this.revoked.delete(r.sid); // re-insert at the end: the map stays ordered by arrival
      this.revoked.set(r.sid, expiresAt);
      if (!known) {
        this.additions++;
        this.options.onRevoked?.(r.sid);
      }
    }
    if (this.live) this.syncedAt = now;
  }

  private synced(): void {
    this.live = true;
    this.syncedAt = this.deps.now();
    this.prune();
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  /** Drops the revocations whose tokens have all expired (they arrive roughly in expiry order). */
  private prune(): void {
    const now = this.deps.now();
    for (const [sid, expiresAt] of this.revoked) {
      if (expiresAt > now) break;
      this.revoked.delete(sid);
    }
  }
}
