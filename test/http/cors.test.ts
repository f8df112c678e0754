import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserClient } from '../helpers/browser-client.ts';
import { FOREIGN_ORIGIN, PASSWORD, startApiServer, uniqueEmail } from '../helpers/http-auth.ts';
import type { TestServer } from '../helpers/server.ts';

const APP = 'https://app.latchkey.test';

describe('CORS for the web apps in LATCHKEY_ALLOWED_ORIGINS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer({ LATCHKEY_ALLOWED_ORIGINS: `http://latchkey.test,${APP}` });
  });
  afterAll(() => server.close());

  const preflight = (origin: string, path: string) =>
    fetch(server.url + path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-device-id' },
    });

  it('answers an allowed origin\'s preflight with credentials allowed', async () => {
    for (const path of ['/auth/login', '/auth/refresh', '/auth/sessions/some-id', '/oauth/token']) {
      const res = await preflight(APP, path);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('x-device-id');
      expect(res.headers.get('vary')).toContain('Origin');
    }
  });

  it('lets the app sign in, refresh and read the response across origins', async () => {
    const client = new BrowserClient(server.url, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', origin: APP });
    const email = uniqueEmail('cors');
    expect((await client.register(email, PASSWORD)).status).toBe(201);
    const login = await client.login(email, PASSWORD);
    expect(login.status).toBe(200);
    expect(login.headers.get('access-control-allow-origin')).toBe(APP);
    expect(login.headers.get('access-control-allow-credentials')).toBe('true');
    const refreshed = await client.refresh();
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('gives any other origin no CORS headers, and refuses its cookie requests', async () => {
    const res = await preflight(FOREIGN_ORIGIN, '/auth/refresh');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();

    const victim = new BrowserClient(server.url);
    const email = uniqueEmail('cors-victim');
    await victim.register(email, PASSWORD);
    await victim.login(email, PASSWORD);
    const attack = await victim.request('POST', '/auth/refresh', undefined, { origin: FOREIGN_ORIGIN });
    expect(attack.status).toBe(403);
    expect(attack.body.error).toBe('invalid_origin');
    expect(attack.headers.get('access-control-allow-origin')).toBeNull();
  });
});
