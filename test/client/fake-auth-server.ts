/**
 * An in-memory stand-in for latchkey's browser API plus one API route, injected as `fetch` into the
 * SDK's unit tests. It is strict on purpose: no grace window, so a second refresh with a retired
 * cookie is reuse and ends the session, exactly the race the SDK must never run into. The cookie jar
 * is one per browser (shared by the tabs), read when a request leaves and written when it answers,
 * as a browser does.
 */
export const BASE = 'https://auth.example.test';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
}

export class FakeAuthServer {
  /** The browser's cookie jar: the refresh token, or undefined. */
  jar: string | undefined;
  readonly log: LoggedRequest[] = [];
  refreshes = 0;
  reuses = 0;
  /** When true, every API call answers 401 whatever the token (e.g. the token is revoked). */
  rejectAll = false;
  private chain = 0;
  private retired = new Set<string>();
  private access = new Map<string, number>();
  private revoked = false;
  private issued = 0;

  constructor(
    private readonly now: () => number,
    private readonly accessTtl = 900,
  ) {}

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const cookie = this.jar; // attached when the request leaves
    this.log.push({ method: request.method, path: url.pathname + url.search, authorization: request.headers.get('authorization') });
    await new Promise((resolve) => setTimeout(resolve, 1)); // the network: lets other requests interleave
    const route = `${request.method} ${url.pathname}`;
    switch (route) {
      case 'POST /auth/login': {
        const body = (await request.json()) as { password: string };
        if (body.password !== 'right password') return json(401, { error: 'invalid_credentials', error_description: 'Wrong.' });
        this.revoked = false;
        this.retired.clear();
        return this.signIn();
      }
      case 'POST /auth/refresh': {
        this.refreshes++;
        if (!cookie || this.revoked) return this.refuse();
        if (this.retired.has(cookie)) {
          this.reuses++;
          this.revoked = true;
          return this.refuse();
        }
        if (cookie !== `r${this.chain}`) return this.refuse();
        this.retired.add(cookie);
        return this.signIn();
      }
      case 'POST /auth/logout':
        this.revoked = true;
        this.jar = undefined;
        return new Response(null, { status: 204 });
      case 'POST /auth/password': {
        if (!this.authorized(request)) return unauthorized();
        const body = (await request.json()) as { currentPassword: string };
        if (body.currentPassword !== 'right password') return json(401, { error: 'invalid_credentials', error_description: 'Wrong.' });
        return new Response(null, { status: 204 });
      }
      case 'GET /auth/sessions':
        return this.authorized(request) ? json(200, { sessions: [] }) : unauthorized();
      case 'GET /api/data':
        return this.authorized(request) ? json(200, { ok: true }) : unauthorized();
      default:
        return json(404, { error: 'not_found', error_description: route });
    }
  };

  /** Ends the session from elsewhere (another device signed it out). */
  revoke(): void {
    this.revoked = true;
  }

  /** Makes every access token issued so far invalid (as if the server lost or rotated its keys). */
  forgetAccessTokens(): void {
    this.access.clear();
  }

  /** The requests that reached `path`. */
  calls(path: string): LoggedRequest[] {
    return this.log.filter((r) => r.path === path);
  }

  private signIn(): Response {
    this.chain++;
    this.jar = `r${this.chain}`;
    const token = `a${++this.issued}`;
    this.access.set(token, this.now() + this.accessTtl * 1000);
    return json(200, {
      access_token: token,
      token_type: 'Bearer',
      expires_in: this.accessTtl,
      session_id: 's1',
      user: { id: 'u1', email: 'ann@example.com', createdAt: '2026-01-01T00:00:00.000Z' },
    });
  }

  private refuse(): Response {
    this.jar = undefined;
    return json(401, { error: 'invalid_grant', error_description: 'Sign in again.' });
  }

  private authorized(request: Request): boolean {
    const token = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const exp = token ? this.access.get(token) : undefined;
    return !this.rejectAll && !this.revoked && exp !== undefined && this.now() < exp;
  }
}

/** A Web Locks stand-in: callbacks for one name run one after another, in order. */
export class FakeLocks {
  requests = 0;
  private tail: Promise<unknown> = Promise.resolve();

  request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
    this.requests++;
    const run = this.tail.then(() => callback());
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function unauthorized(): Response {
  const res = json(401, { error: 'invalid_token', error_description: 'The access token is invalid or expired.' });
  res.headers.set('www-authenticate', 'Bearer error="invalid_token"');
  return res;
}
