import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { ForbiddenAddressError, guardedLookup, isForbiddenAddress } from './address-guard.ts';

export interface PostOptions {
  readonly timeoutMs: number;
  /** Skip the address check (LATCHKEY_WEBHOOK_ALLOW_PRIVATE). */
  readonly allowPrivate: boolean;
}

/** How one delivery attempt ended: a status code, or why there was none. */
export type PostOutcome = { readonly ok: boolean; readonly status: number | null; readonly error: string | null };

/**
 * POSTs one webhook: `body` with `headers`, no redirects followed (a 3xx is a failure), the whole
 * exchange bounded by `timeoutMs`, the response body read and dropped (at most 64 KiB). Unless
 * `allowPrivate`, the target address (an IP in the URL, or each address the name resolves to) must
 * not be private, loopback or link-local. Never throws.
 *
 * @example
 * const outcome = await postWebhook('https://app.example.com/hooks', body, headers, { timeoutMs: 10_000, allowPrivate: false })
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return finish({ ok: false, status: null, error: 'invalid URL' });
    }
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
      return finish({ ok: false, status: null, error: `${host} is a private, loopback or link-local address` });
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (!client) return finish({ ok: false, status: null, error: 'not an http(s) URL' });
    const request = client.request(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'latchkey-webhooks', ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      agent: false,
    });
    timer = setTimeout(() => {
      request.destroy();
      finish({ ok: false, status: null, error: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    request.on('error', (err) => {
      finish({ ok: false, status: null, error: err instanceof ForbiddenAddressError ? err.message : `request failed: ${(err as NodeJS.ErrnoException).code ?? err.message}` });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 65_536) response.destroy();
      });
      const done = () => {
        const ok = status >= 200 && status < 300;
        const error = ok ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `answered ${status}`;
        finish({ ok, status, error });
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.end(body);
  });
}
