import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';

/** How /account and its script and style are served (no browser needed). */
describe('GET /account and its assets', () => {
  let server: TestServer;
  let html: string;

  beforeAll(async () => {
    server = await startServer();
    const res = await fetch(`${server.url}/account`);
    expect(res.status).toBe(200);
    html = await res.text();
  });

  afterAll(async () => {
    await server?.close();
  });

  const assetUrl = (pattern: RegExp) => {
    const match = pattern.exec(html);
    expect(match).not.toBeNull();
    return new URL(match![1]!, `${server.url}/account`).href; // relative, so it works under a prefix too
  };

  it('serves the page with a strict CSP, never cached, without inline script or style', async () => {
    const res = await fetch(`${server.url}/account`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script has a src
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/); // no inline event handlers
  });

  it('serves the bundled script by content hash, cached for a year; without the hash, revalidated', async () => {
    const src = assetUrl(/<script type="module" src="([^"]+)"/);
    const res = await fetch(src);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = await res.text();
    expect(body).toContain('latchkey-refresh'); // the SDK is inside
    expect(body).not.toMatch(/better-sqlite3|fastify|argon2|node:/); // and no server code

    const plain = await fetch(`${server.url}/account/app.js`);
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const etag = plain.headers.get('etag')!;
    const again = await fetch(`${server.url}/account/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves the stylesheet the page names', async () => {
    const href = assetUrl(/<link rel="stylesheet" href="([^"]+)"/);
    const res = await fetch(href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await res.text()).toContain('.device');
  });

  it('answers unknown files under /account with a JSON 404, and bad input with a 400', async () => {
    const missing = await fetch(`${server.url}/account/secret.ts`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
    const bad = await fetch(`${server.url}/account/app.js?v=${'x'.repeat(100)}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
  });
});
