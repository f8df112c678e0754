import { CHROME_LINUX } from '../helpers/browser-client.ts';

export interface OAuthResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** POSTs form-encoded parameters (RFC 6749 appendix B) as a native app would, over real HTTP. */
export async function postForm(
  url: string,
  params: Record<string, string> | string,
  headers: Record<string, string> = { 'user-agent': CHROME_LINUX },
): Promise<OAuthResponse> {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return send(url, body, { 'content-type': 'application/x-www-form-urlencoded', ...headers });
}

/** POSTs a JSON body (the token endpoint accepts JSON too). */
export async function postJson(url: string, params: unknown, headers: Record<string, string> = { 'user-agent': CHROME_LINUX }): Promise<OAuthResponse> {
  return send(url, JSON.stringify(params), { 'content-type': 'application/json', ...headers });
}

async function send(url: string, body: string, headers: Record<string, string>): Promise<OAuthResponse> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
