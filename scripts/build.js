// `npm run build` (also run by `npm ci`/`npm install` through `prepare`, and before `npm start`):
// compiles src/ to dist/ with tsc (ESM, .d.ts, declaration maps) and copies the account page's
// HTML and CSS beside its compiled script. Incremental: a second run with nothing changed takes ~1 s.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
mkdirSync(new URL('../dist/web/', import.meta.url), { recursive: true });
for (const file of ['index.html', 'app.css']) {
  copyFileSync(new URL(`../src/web/${file}`, import.meta.url), new URL(`../dist/web/${file}`, import.meta.url));
}
