import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../core/errors.ts';

const WEB = new URL('../web/', import.meta.url);
/** The page's entry: its TypeScript source when run from src/, its compiled JavaScript in dist/. */
const ENTRY = import.meta.url.endsWith('.ts') ? 'app.ts' : 'app.js';

/** The account page's files, built once per process and then served from memory. */
interface PageAssets {
  readonly html: string;
  readonly js: Asset;
  readonly css: Asset;
}

interface Asset {
  readonly body: string;
  /** A hash of `body`: the `?v=` the HTML asks for, and the ETag. */
  readonly hash: string;
}

let assets: Promise<PageAssets> | undefined;

/**
 * Builds the page: src/web/app.ts and the SDK it imports are bundled into one ES module by
 * esbuild (in memory, no files written), so users need no build step. Built on the first request
 * rather than at start, so servers that never show the page (tests, API-only deployments) pay nothing.
 *
 * @example
 * const { html, js } = await accountAssets()
 */
export function accountAssets(): Promise<PageAssets> {
  assets ??= buildAssets().catch((err: unknown) => {
    assets = undefined; // let a later request try again
    throw err;
  });
  return assets;
}

async function buildAssets(): Promise<PageAssets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL(ENTRY, WEB))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const js = asset(result.outputFiles[0]?.text ?? '');
  const css = asset(await readFile(new URL('app.css', WEB), 'utf8'));
  const template = await readFile(new URL('index.html', WEB), 'utf8');
  const html = template.replaceAll('%JS_HASH%', js.hash).replaceAll('%CSS_HASH%', css.hash);
  return { html, js, css };
}

function asset(body: string): Asset {
  return { body, hash: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
}

/**
 * `GET /account` (the account-activity page), `/account/app.js` and `/account/app.css`. The HTML
 * is never cached; the script and style are cached for a year when asked for by their content hash
 * (`?v=`), which changes whenever they do.
 */
export function accountRoutes(): FastifyPluginAsync {
  const load = async (request: FastifyRequest) => {
    try {
      return await accountAssets();
    } catch (err) {
      request.log.error({ err }, 'building the account page failed');
      throw fail('service_unavailable', 'The account page is not available right now.');
    }
  };
  const sendAsset = (request: FastifyRequest<{ Querystring: { v?: string } }>, reply: FastifyReply, file: Asset, type: string) => {
    const etag = `"${file.hash}"`;
    reply
      .header('cache-control', request.query.v === file.hash ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', etag)
      .type(type);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(file.body);
  };
  const query = { type: 'object', properties: { v: { type: 'string', maxLength: 64 } } } as const;
  const asset = { hide: true, querystring: query };

  return async (app) => {
    app.get('/account', { schema: { summary: 'The account-activity page (HTML)', tags: ['pages'] } }, async (request, reply) => {
      const { html } = await load(request);
      // %BASE%: the prefix latchkey is mounted under ('' on its own server), before the asset URLs.
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html.replaceAll('%BASE%', app.prefix));
    });
    app.get('/account/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${app.prefix}/account`, 301));
    app.get<{ Querystring: { v?: string } }>('/account/app.js', { schema: asset }, async (request, reply) =>
      sendAsset(request, reply, (await load(request)).js, 'text/javascript; charset=utf-8'),
    );
    app.get<{ Querystring: { v?: string } }>('/account/app.css', { schema: asset }, async (request, reply) =>
      sendAsset(request, reply, (await load(request)).css, 'text/css; charset=utf-8'),
    );
  };
}
