// Bundles src/main.js (and latchkey/client, which it imports) into public/main.js for browsers.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.js'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  outfile: 'public/main.js',
  logLevel: 'info',
});
