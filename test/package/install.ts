import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = path.join(ROOT, 'examples');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];

/** Where {@link installExamples} put everything. */
export interface Installed {
  /** The temporary directory holding all of it. */
  readonly dir: string;
  /** The server install: latchkey with its peer dependencies, the other examples beside it. */
  readonly root: string;
  /** The installed `latchkey` command (node_modules/.bin/latchkey). */
  readonly bin: string;
  readonly expressApi: string;
  readonly fastifyEmbedded: string;
  readonly webClient: string;
  readonly consumer: string;
}

const installedVersion = (name: string): string =>
  (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

function copyExample(name: string, to: string): string {
  fs.cpSync(path.join(EXAMPLES, name), to, { recursive: true, filter: (source) => !/node_modules|public[\\/]main\.js$/.test(source) });
  return to;
}

/**
 * Packs latchkey and installs the tarball twice, as its two kinds of users would:
 * - verifier-only (`npm install --omit=peer`): a copy of examples/express-api;
 * - server (`npm install`, peers included): one directory shared by the Fastify example, the web
 *   page and the strict TypeScript consumer, which Node and tsc resolve from the parent node_modules.
 * To keep this fast, both installs come from npm's cache (`--prefer-offline`), and instead of
 * compiling better-sqlite3 again (about a minute) the server install takes the checkout's build of
 * the same version for the same Node.
 */
export async function installExamples(): Promise<Installed> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'latchkey-packed-'));
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  await run('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: ROOT });
  const tarball = path.join(dir, `latchkey-${version}.tgz`);

  const expressApi = copyExample('express-api', path.join(dir, 'express-api'));
  const expressPackage = JSON.parse(fs.readFileSync(path.join(expressApi, 'package.json'), 'utf8'));
  expressPackage.dependencies.latchkey = `file:${tarball}`;
  fs.writeFileSync(path.join(expressApi, 'package.json'), JSON.stringify(expressPackage));

  const root = path.join(dir, 'server');
  fs.mkdirSync(root);
  const dependencies = {
    latchkey: `file:${tarball}`,
    'better-sqlite3': installedVersion('better-sqlite3'), // the version whose build is copied below
    fastify: installedVersion('fastify'),
    esbuild: installedVersion('esbuild'),
    '@types/node': installedVersion('@types/node'),
  };
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'server-install', private: true, type: 'module', dependencies }));
  const fastifyEmbedded = copyExample('fastify-embedded', path.join(root, 'fastify-embedded'));
  const webClient = copyExample('web-client', path.join(root, 'web-client'));
  const consumer = path.join(root, 'consumer');
  fs.cpSync(path.join(ROOT, 'test/package/consumer'), consumer, { recursive: true });

  await Promise.all([
    run('npm', ['install', '--omit=peer', ...NPM_FLAGS], { cwd: expressApi }),
    run('npm', ['install', ...NPM_FLAGS], { cwd: root }),
  ]);
  fs.cpSync(path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
  await run(process.execPath, ['build.js'], { cwd: webClient });
  return { dir, root, bin: path.join(root, 'node_modules/.bin/latchkey'), expressApi, fastifyEmbedded, webClient, consumer };
}
