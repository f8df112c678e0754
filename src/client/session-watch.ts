export interface SessionWatchOptions {
  /** `<server>/auth/session/stream`. */
  readonly url: string;
  /** A fetch that adds the current access token (the client's own). */
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Called once when the server says this session has ended (or no longer accepts it). */
  readonly onEnded: () => void;
}

/**
 * Keeps `GET /auth/session/stream` open while a page is signed in and calls `onEnded` as soon as the
 * server reports that this device's session ended elsewhere (signed out from another device,
 * revoked by an operator, reuse detected). Reconnects after a network failure (1 s, growing to
 * 15 s). Returns the function that stops watching.
 *
 * @example
 * const stop = watchSession({ url: `${base}/auth/session/stream`, fetch: (u, i) => auth.fetch(u, i), onEnded: () => signOutHere() })
 */
export function watchSession(options: SessionWatchOptions): () => void {
  const abort = new AbortController();
  let stopped = false;
  const run = async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        const res = await options.fetch(options.url, { headers: { accept: 'text/event-stream' }, signal: abort.signal, cache: 'no-store' });
        if (res.status === 404) return; // a server without the stream: nothing to watch
        if (res.status === 401) {
          stopped = true;
          options.onEnded();
          return;
        }
        if (res.ok && res.body) {
          delay = 1000;
          for await (const event of eventNames(res.body)) {
            if (event === 'session-ended') {
              stopped = true;
              abort.abort();
              options.onEnded();
              return;
            }
          }
        }
      } catch {
        // network failure or stopped: retried below unless stopped
      }
      if (stopped) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    abort.abort();
  };
}

/** The `event:` names of a `text/event-stream` body, one per event, in order (the client needs no more). */
async function* eventNames(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let name = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (name) yield name;
        name = '';
      } else if (line.startsWith('event:')) name = line.slice(6).trim();
    }
  }
}

/** What {@link watchWhileSignedIn} needs of the client's events. */
export interface SignInEvents {
  on(type: 'signed-in' | 'session-ended', listener: () => void): () => void;
}

/** The `watchSession` option of `createAuthClient`. */
export interface SessionWatchOption {
  /**
   * Keep `GET /auth/session/stream` open while signed in, so that `session-ended` (reason
   * `revoked`) fires within moments when this device's session is ended elsewhere; default false.
   */
  readonly watchSession?: boolean;
}

/** The part of the Web Locks API the watcher uses (one stream per browser, not per tab). */
export interface WatchLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/**
 * Runs {@link watchSession} from each `signed-in` until the next `session-ended`; returns the
 * function that stops for good. With `locks` (the Web Locks API), only the tab holding the lock
 * `latchkey-session-watch` keeps a stream open (browsers allow about six connections per server
 * across all tabs); it tells the others through the client's tab channel when the session ends,
 * and the next tab takes over when it closes.
 *
 * @example
 * const stop = watchWhileSignedIn(events, `${base}/auth/session/stream`, (u, i) => auth.fetch(u, i), () => endHere(), navigator.locks)
 */
export function watchWhileSignedIn(
  events: SignInEvents,
  url: string,
  fetch: SessionWatchOptions['fetch'],
  onEnded: () => void,
  locks: WatchLocks | null = null,
): () => void {
  let generation = 0;
  let stop: (() => void) | null = null;
  let release: (() => void) | null = null;
  const halt = () => {
    generation++;
    stop?.();
    stop = null;
    release?.();
    release = null;
  };
  const offIn = events.on('signed-in', () => {
    halt();
    const mine = generation;
    const start = () => {
      stop = watchSession({ url, fetch, onEnded });
    };
    if (!locks) return start();
    void locks.request('latchkey-session-watch', () => new Promise<void>((resolve) => {
      if (mine !== generation) return resolve(); // signed out (or in again) while waiting for the lock
      release = resolve;
      start();
    })).catch(start);
  });
  const offOut = events.on('session-ended', halt);
  return () => {
    offIn();
    offOut();
    halt();
  };
}
