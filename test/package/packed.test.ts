import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installExamples, type Installed } from './install.ts';
import { run, start, type Started } from './processes.ts';

/**
 * latchkey as its users get it: `npm pack`, the tarball installed into temporary copies of the three
 * examples, each run with plain `node` (no TypeScript loader). The Express example gets a
 * verifier-only install (`--omit=peer`); the embedded Fastify example, the web page and the
 * `latchkey` command share one server install.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const PASSWORD = 'correct horse battery staple';
const quiet = { LATCHKEY_LOG_LEVEL: 'warn', LATCHKEY_LOGIN_IP_LIMIT: '0', LATCHKEY_REGISTER_IP_LIMIT: '0', LATCHKEY_REFRESH_IP_LIMIT: '0' };

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> });
const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('the packed package, installed and run as users do', () => {
  let installed: Installed;
  const running: Started[] = [];
  let env: NodeJS.ProcessEnv;
  let latchkeyUrl: string;
  let pageUrl: string;
  let embeddedUrl: string;
  let embeddedData: string;

  beforeAll(async () => {
    const started = Date.now();
    installed = await installExamples();
    console.log(`packed and installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    env = { PATH: process.env.PATH, HOME: process.env.HOME };
    // The web page first: latchkey must list its origin among the allowed ones.
    const page = await start(process.execPath, ['serve.js'], { cwd: installed.webClient, env: { ...env, PORT: '0' }, ready: /on (http:\/\/\S+)/ });
    running.push(page);
    pageUrl = page.match[1]!;
    const port = await freePort();
    latchkeyUrl = `http://127.0.0.1:${port}`;
    const serve = await start(installed.bin, ['serve'], {
      cwd: installed.root,
      env: { ...env, ...quiet, LATCHKEY_LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), LATCHKEY_ISSUER: latchkeyUrl, LATCHKEY_DATA_DIR: path.join(installed.root, 'data'), LATCHKEY_ALLOWED_ORIGINS: `${latchkeyUrl},${new URL(pageUrl).origin}` },
      ready: /is ready: open http/,
    });
    running.push(serve);
    const embeddedPort = await freePort();
    embeddedUrl = `http://127.0.0.1:${embeddedPort}`;
    embeddedData = path.join(installed.root, 'data-embedded');
    const embedded = await start(process.execPath, ['server.js'], {
      cwd: installed.fastifyEmbedded,
      env: { ...env, ...quiet, PORT: String(embeddedPort), LOG_LEVEL: 'info', LATCHKEY_DATA_DIR: embeddedData, LATCHKEY_ISSUER: `${embeddedUrl}/auth-server` },
      ready: /Server listening/,
    });
    running.push(embedded);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    if (installed) fs.rmSync(installed.dir, { recursive: true, force: true });
  });

  /** A fresh account on the standalone latchkey, and an access token for it from the browser API. */
  const account = async (email = `user-${Math.random().toString(36).slice(2)}@example.com`) => {
    expect((await post(`${latchkeyUrl}/auth/register`, { email, password: PASSWORD })).status).toBe(201);
    return { email, token: await tokenFor(email) };
  };
  const tokenFor = async (email: string) => {
    const res = await json(await post(`${latchkeyUrl}/auth/login`, { email, password: PASSWORD }));
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  };
  const latchkeyCli = (args: string[], dataDir: string) =>
    run(installed.bin, args, { cwd: installed.root, env: { ...env, ...quiet, LATCHKEY_DATA_DIR: dataDir } });

  it('every entry point loads on plain Node (no loader); the verifier-only install has none of the server', async () => {
    const probe = (cwd: string, entry: string, name: string) =>
      run(process.execPath, ['-e', `import('${entry}').then(m => console.log(typeof m.${name}))`], { cwd, env });
    expect((await probe(installed.expressApi, 'latchkey/verify', 'createVerifier')).stdout.trim()).toBe('function');
    expect((await probe(installed.expressApi, 'latchkey/client', 'createAuthClient')).stdout.trim()).toBe('function');
    expect((await probe(installed.root, 'latchkey', 'createLatchkey')).stdout.trim()).toBe('function');
    // None of the server's dependencies (the required peers) reached the verifier-only install, so
    // none is in `dependencies` and none is needed to load latchkey/verify or latchkey/client.
    const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    const server = Object.keys(manifest.peerDependencies).filter((name) => !manifest.peerDependenciesMeta[name]?.optional);
    expect(server).toContain('better-sqlite3');
    for (const name of [...server, 'tsx']) expect(fs.existsSync(path.join(installed.expressApi, 'node_modules', name)), name).toBe(false);
    // Internals stay out: the server entry exports what the README documents.
    const exported = await run(process.execPath, ['-e', "import('latchkey').then(m => console.log(Object.keys(m).sort().join()))"], { cwd: installed.root, env });
    expect(exported.stdout.trim()).toBe('ConfigError,createLatchkey,loadConfig');
  });

  it('the Express example (plain JavaScript) accepts a token minted by a running latchkey and enforces roles', async () => {
    const api = await start(process.execPath, ['server.js'], { cwd: installed.expressApi, env: { ...env, PORT: '0', LATCHKEY_ISSUER: latchkeyUrl }, ready: /listening on (http:\/\/\S+),/ });
    running.push(api);
    const base = api.match[1]!;
    const { email, token } = await account();
    expect(await json(await fetch(`${base}/me`, bearer(token)))).toMatchObject({ status: 200, body: { userId: expect.any(String), roles: [] } });
    expect((await fetch(`${base}/me`)).status).toBe(401);
    expect((await fetch(`${base}/me`, bearer(`${token}x`))).status).toBe(401);
    expect((await fetch(`${base}/reports`, bearer(token))).status).toBe(403);
    await latchkeyCli(['users', 'roles', email, 'add', 'analyst'], path.join(installed.root, 'data'));
    expect((await fetch(`${base}/reports`, bearer(await tokenFor(email)))).status).toBe(200);
  });

  it('the Fastify example embeds latchkey under /auth-server and protects its own routes with roles', async () => {
    const base = embeddedUrl;
    const jwks = await json(await fetch(`${base}/auth-server/.well-known/jwks.json`));
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ kid: expect.any(String), kty: expect.any(String) });
    const email = `embedded-${Date.now()}@example.com`;
    expect((await post(`${base}/auth-server/auth/register`, { email, password: PASSWORD })).status).toBe(201);
    const login = async () => (await json(await post(`${base}/auth-server/auth/login`, { email, password: PASSWORD }))).body.access_token as string;
    const token = await login();
    expect(await json(await fetch(`${base}/api/profile`, bearer(token)))).toMatchObject({ status: 200, body: { userId: expect.any(String) } });
    expect((await fetch(`${base}/api/profile`)).status).toBe(401);
    expect((await fetch(`${base}/api/drafts`, bearer(token))).status).toBe(403);
    await latchkeyCli(['users', 'roles', email, 'add', 'editor'], embeddedData);
    expect(await json(await fetch(`${base}/api/drafts`, bearer(await login())))).toMatchObject({ status: 200, body: { drafts: expect.any(Array) } });
  });

  it('the web page bundles latchkey/client with esbuild, without any server code', async () => {
    const bundle = fs.readFileSync(path.join(installed.webClient, 'public/main.js'), 'utf8');
    expect(bundle).toContain('latchkey-refresh'); // the SDK's cross-tab channel: the client is inside
    expect(bundle).not.toMatch(/better-sqlite3|fastify|argon2|node:/);
  });

  it.skipIf(!hasChromium)('in Chromium: the web page signs in with latchkey/client and a reload keeps it signed in; so does the account page of the embedded latchkey', async () => {
    const { email } = await account();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${pageUrl}/?latchkey=${encodeURIComponent(latchkeyUrl)}`);
      await page.locator('#status').filter({ hasText: 'Signed out' }).waitFor();
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#status').filter({ hasText: `Signed in as ${email}` }).waitFor({ timeout: 15_000 });
      await page.reload();
      await page.locator('#status').filter({ hasText: `Signed in as ${email}` }).waitFor({ timeout: 15_000 });

      // The account page of the latchkey embedded under /auth-server works there too.
      const embeddedEmail = `page-${Date.now()}@example.com`;
      expect((await post(`${embeddedUrl}/auth-server/auth/register`, { email: embeddedEmail, password: PASSWORD })).status).toBe(201);
      await page.goto(`${embeddedUrl}/auth-server/account`);
      await page.getByLabel('E-mail', { exact: true }).fill(embeddedEmail);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('li.device[data-current="true"]').waitFor({ timeout: 15_000 });
      await page.reload(); // back through the refresh cookie, scoped to /auth-server/auth
      await page.locator('li.device[data-current="true"]').waitFor({ timeout: 15_000 });
    } finally {
      await browser.close();
    }
  });

  it('a strict NodeNext TypeScript consumer type-checks against the published .d.ts with zero errors', async () => {
    const tsc = path.join(process.cwd(), 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', installed.consumer], { cwd: installed.consumer, env }).catch((err: Error) => err);
    expect(result instanceof Error ? result.message : '').toBe('');
  });
});
