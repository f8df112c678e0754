/**
 * A client of the browser API over real HTTP that keeps the refresh cookie as a browser would
 * (one jar; the last Set-Cookie wins) and sends a fixed User-Agent, IP headers and device id.
 */
export const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
export const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
export const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

export interface BrowserResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly setCookie: string[];
}

export class BrowserClient {
  refreshCookie: string | undefined;
  accessToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    public headers: Record<string, string> = { 'user-agent': CHROME_LINUX },
    readonly cookieName = 'latchkey_refresh',
  ) {}

  async request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<BrowserResponse> {
    const headers: Record<string, string> = { ...this.headers, ...extra };
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    if (this.refreshCookie && path.startsWith('/auth')) headers.cookie = `${this.cookieName}=${this.refreshCookie}`;
    if (this.accessToken && !('authorization' in headers)) headers.authorization = `Bearer ${this.accessToken}`;
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const setCookie = res.headers.getSetCookie();
    for (const line of setCookie) {
      const match = new RegExp(`^${this.cookieName}=([^;]*)`).exec(line);
      if (match) this.refreshCookie = match[1] || undefined;
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed, setCookie };
  }

  async register(email: string, password: string, name?: string): Promise<BrowserResponse> {
    return this.request('POST', '/auth/register', { email, password, ...(name && { name }) });
  }

  async login(email: string, password: string): Promise<BrowserResponse> {
    const res = await this.request('POST', '/auth/login', { email, password });
    if (res.status === 200) this.accessToken = res.body.access_token;
    return res;
  }

  async refresh(extra: Record<string, string> = {}): Promise<BrowserResponse> {
    const res = await this.request('POST', '/auth/refresh', undefined, extra);
    if (res.status === 200) this.accessToken = res.body.access_token;
    return res;
  }
}
